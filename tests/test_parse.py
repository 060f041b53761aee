"""Text -> AST: node shapes and spans, long strings, escapes, placeholders, comments."""

from __future__ import annotations

import pytest

from maestro_spec.compiler import ast
from maestro_spec.compiler.pipeline import compile_text
from maestro_spec.compiler.diagnostics import Span
from maestro_spec.compiler.parse import parse
from maestro_spec.compiler.strings import BadEscape, dedent_long, unescape


def spec_of(text: str) -> ast.Spec:
    result = parse(text)
    assert result.diagnostics == [], result.diagnostics
    return result.spec


def pos(span: Span) -> tuple[int, int, int, int]:
    return (span.line, span.column, span.end_line, span.end_column)


def source_of(text: str, span: Span) -> str:
    return text[span.start_pos : span.end_pos]


def value_of(literal: str) -> str:
    """The value of one string literal, as `input <literal>` parses it."""
    (stmt,) = spec_of(f"input {literal}\n").statements
    return stmt.value.value


# ------------------------------------------------------------------ shapes

FULL = """\
# every statement once
param tone = "plain"
input "Be {{tone}}."  # trailing comment
requirement "a" mandatory "b"
tool web_search { urls ["a.com", "b.com",] }
tool file_search
model jamba-large
budget low
include data_sources, requirements_result
language french
"""


def test_every_statement_kind_in_source_order():
    spec = spec_of(FULL)
    kinds = [type(s) for s in spec.statements]
    assert kinds == [ast.Param, ast.Input, ast.Requirement, ast.Tool, ast.Tool, ast.Model, ast.Budget, ast.Include, ast.Language]
    assert [ast.KEYWORDS[k] for k in kinds[:3]] == ["param", "input", "requirement"]
    assert spec.of(ast.Tool) == [spec.statements[3], spec.statements[4]]


def test_statement_spans():
    spec = spec_of(FULL)
    assert [(s.span.line, s.span.column) for s in spec.statements] == [(i, 1) for i in range(2, 11)]
    param, input_, req, web, files, model, budget, include, language = spec.statements
    assert source_of(FULL, input_.span) == 'input "Be {{tone}}."'  # the comment is not part of it
    assert source_of(FULL, web.span) == 'tool web_search { urls ["a.com", "b.com",] }'
    assert source_of(FULL, include.span) == "include data_sources, requirements_result"


def test_requirement_node():
    req = spec_of(FULL).of(ast.Requirement)[0]
    assert (req.name.value, req.description.value) == ("a", "b")
    assert pos(req.name.span) == (4, 13, 4, 16)
    assert pos(req.mandatory) == (4, 17, 4, 26)
    assert pos(req.description.span) == (4, 27, 4, 30)
    plain = spec_of('requirement "n" "d"').statements[0]
    assert plain.mandatory is None


def test_requirement_over_several_lines():
    text = 'requirement "long one"\n    mandatory\n    """\n    The text.\n    """\n'
    req = spec_of(text).statements[0]
    assert pos(req.span) == (1, 1, 5, 8)
    assert pos(req.mandatory) == (2, 5, 2, 14)
    assert req.description.value == "The text." and req.description.triple


def test_tool_nodes():
    web, files = spec_of(FULL).of(ast.Tool)
    assert web.type == ast.Name("web_search", web.type.span) and pos(web.type.span) == (5, 6, 5, 16)
    (field,) = web.fields
    assert field.key.value == "urls" and pos(field.key.span) == (5, 19, 5, 23)
    assert isinstance(field.value, ast.List)
    assert [i.value for i in field.value.items] == ["a.com", "b.com"]
    assert [pos(i.span) for i in field.value.items] == [(5, 25, 5, 32), (5, 34, 5, 41)]
    assert pos(field.value.span) == (5, 24, 5, 43)
    assert files.fields == () and pos(files.span) == (6, 1, 6, 17)


def test_tool_field_with_a_single_string_and_empty_forms():
    (tool,) = spec_of('tool file_search { labels "x" file_ids [] }').statements
    labels, ids = tool.fields
    assert isinstance(labels.value, ast.Str) and labels.value.value == "x"
    assert ids.value.items == ()
    (tool,) = spec_of("tool web_search {}").statements
    assert tool.fields == ()


def test_messages():
    text = 'input {\n  user "a"\n  assistant """\n    b\n    """\n}\n'
    (stmt,) = spec_of(text).statements
    assert isinstance(stmt.value, tuple)
    assert [(m.role.value, m.content.value) for m in stmt.value] == [("user", "a"), ("assistant", "b")]
    assert [pos(m.span) for m in stmt.value] == [(2, 3, 2, 11), (3, 3, 5, 8)]
    assert pos(stmt.span) == (1, 1, 6, 2)
    assert spec_of("input {}").statements[0].value == ()


def test_model_refs_names_and_strings():
    (model,) = spec_of('model jamba-large, "my-org/model:v1"').statements
    name, quoted = model.refs
    assert isinstance(name, ast.Name) and name.value == "jamba-large"
    assert isinstance(quoted, ast.Str) and quoted.value == "my-org/model:v1"
    assert pos(quoted.span) == (1, 20, 1, 37)


def test_names_take_dots_dashes_and_underscores():
    (model,) = spec_of("model mistral-8x7b").statements
    assert model.refs[0].value == "mistral-8x7b"
    (param,) = spec_of("param doc.v2_final-x").statements
    assert param.name.value == "doc.v2_final-x"


def test_params():
    required, defaulted = spec_of('param document\nparam tone = "friendly"').statements
    assert required.default is None and pos(required.name.span) == (1, 7, 1, 15)
    assert defaulted.default.value == "friendly" and pos(defaulted.default.span) == (2, 14, 2, 24)


def test_empty_and_blank_text_parse_to_no_statements():
    for text in ["", "\n\n", "   \t\n", "# only\n# comments"]:
        assert spec_of(text).statements == ()


def test_keywords_are_plain_names_where_a_name_is_expected():
    # The contextual lexer: after `budget`, `input` is a value, not a keyword.
    (budget,) = spec_of("budget input").statements
    assert budget.value.value == "input"
    (stmt,) = spec_of('input { model "x" }').statements
    assert stmt.value[0].role.value == "model"
    (param,) = spec_of("param mandatory").statements
    assert param.name.value == "mandatory"


def test_layout_is_free():
    one_line = spec_of('input "x" requirement "a" "b" budget low')
    spread = spec_of('input\n  "x"\nrequirement\n"a"\n\n  "b"\nbudget\tlow\n')
    strip = lambda spec: [type(s) for s in spec.statements]  # noqa: E731
    assert strip(one_line) == strip(spread) == [ast.Input, ast.Requirement, ast.Budget]


def test_nodes_are_frozen():
    stmt = spec_of('input "x"').statements[0]
    with pytest.raises(AttributeError):
        stmt.span = None


# ------------------------------------------------------------ long strings


@pytest.mark.parametrize(
    "literal, value",
    [
        ('"""\n    Summarise the document below.\n\n    {{document}}\n    """', "Summarise the document below.\n\n{{document}}"),
        ('"""one line"""', "one line"),
        ('""""""', ""),
        ('"""   """', ""),
        ('"""\n    a\n      b\n    c\n    """', "a\n  b\nc"),
        ('"""\n    a\n    """', "a"),
        ('"""\n    a\n    b"""', "a\nb"),  # closing quotes on the last text line
        ('"""First line\n    second\n    """', "First line\n    second"),  # text after """: no common indent
        ('"""\n\n    after a blank line\n    """', "\nafter a blank line"),  # only the first blank line is the opener's
        ('"""\n    a\n\n    b\n\n    """', "a\n\nb\n"),  # only the last blank line is the closer's
        ('"""\n    a\n         \n    b\n    """', "a\n\nb"),  # whitespace-only lines do not count
        ('"""\n\tx\n\t  y\n\t"""', "x\n  y"),
        ('"""\n    say "hi" and ""quote"" her\n    """', 'say "hi" and ""quote"" her'),
        ('"""\n    a \\"""quoted\\""" word\n    """', 'a """quoted""" word'),
        ('"""\n    \\tindented by an escape\n    x\n    """', "\tindented by an escape\nx"),
        ('"""\n    two\\nlines\n    """', "two\nlines"),
        ('"""\n    # not a comment\n    """', "# not a comment"),
    ],
)
def test_long_string_dedent(literal, value):
    assert value_of(literal) == value


def test_long_string_node_is_marked_and_spans_its_lines():
    text = 'input """\n    a\n    """\n'
    (stmt,) = spec_of(text).statements
    assert stmt.value.triple
    assert pos(stmt.value.span) == (1, 7, 3, 8)
    assert not spec_of('input "a"').statements[0].value.triple


def test_crlf_files_give_the_same_text_as_lf():
    lf = 'input """\n    hello\n      world\n    """\nrequirement "a" "b"\n'
    crlf = lf.replace("\n", "\r\n")
    assert compile_text(crlf).request == compile_text(lf).request
    assert compile_text(crlf).request["input"] == "hello\n  world"
    assert [(s.span.line, s.span.column) for s in spec_of(crlf).statements] == [(1, 1), (5, 1)]


def test_dedent_long_directly():
    assert dedent_long("\n  a\n  b\n  ") == "a\nb"
    assert dedent_long("a") == "a"
    assert dedent_long("") == ""
    assert dedent_long("\r\n  a\r\n  ") == "a"


# ---------------------------------------------------------------- escapes


@pytest.mark.parametrize(
    "literal, value",
    [
        (r'"a\"b"', 'a"b'),
        (r'"back\\slash"', "back\\slash"),
        (r'"a\/b"', "a/b"),
        (r'"\n\t\r\b\f"', "\n\t\r\b\f"),
        (r'"caf\u00e9"', "café"),
        (r'"\u00E9"', "é"),
        (r'"\ud83d\ude00"', "😀"),
        (r'"\uD83D\uDE00!"', "😀!"),
        (r'"\\n is not a newline"', "\\n is not a newline"),
        ('"unicode as is: 日本語 😀"', "unicode as is: 日本語 😀"),
        ('"# not a comment"', "# not a comment"),
        ('"{{ spaced }}"', "{{ spaced }}"),
    ],
)
def test_escapes(literal, value):
    assert value_of(literal) == value


@pytest.mark.parametrize(
    "literal, bad, column",
    [
        (r'"\q"', r"\q", 8),
        (r'"\x41"', r"\x", 8),
        (r'"\u12"', r"\u", 8),
        (r'"\'"', "\\'", 8),
        (r'"a\\\q"', r"\q", 11),
        (r'"\ud800"', r"\ud800", 8),
        (r'"\ude00\ud83d"', r"\ude00", 8),
        (r'"ok\ud83d\ude00 \ud83d"', r"\ud83d", 23),
    ],
)
def test_invalid_escapes(literal, bad, column):
    result = parse(f"input {literal}")
    (d,) = result.diagnostics
    assert d.code == "E004"
    assert f"invalid escape '{bad}'" in d.message
    assert (d.span.line, d.span.column, d.span.end_column - d.span.column) == (1, column, len(bad))
    # The spec still parses: the string keeps its raw text.
    assert result.spec is not None


def test_invalid_escape_in_a_long_string_is_placed_on_its_line():
    text = 'input """\n    fine \\\\q\n      then \\q\n    """'
    (d,) = parse(text).diagnostics
    assert (d.code, d.span.line, d.span.column) == ("E004", 3, 12)


def test_unescape_reports_the_offset_of_the_backslash():
    with pytest.raises(BadEscape) as e:
        unescape(r"abc\\ \z")
    assert (e.value.offset, e.value.text) == (6, r"\z")


# ----------------------------------------------------------- placeholders


def test_placeholder_positions_in_a_one_line_string():
    text = 'input "Hi {{name}}, re: {{ topic }}."'
    s = spec_of(text).statements[0].value
    assert [p.name for p in s.placeholders] == ["name", "topic"]
    assert [pos(p.span) for p in s.placeholders] == [(1, 11, 1, 19), (1, 25, 1, 36)]
    assert [source_of(text, p.span) for p in s.placeholders] == ["{{name}}", "{{ topic }}"]


def test_placeholder_positions_in_a_long_string():
    text = 'param a\nparam b\ninput """\n    first {{a}}\n\n      then {{b}} and {{a}}\n    """\n'
    s = spec_of(text).of(ast.Input)[0].value
    assert [(p.name, p.span.line, p.span.column) for p in s.placeholders] == [("a", 4, 11), ("b", 6, 12), ("a", 6, 22)]
    assert [source_of(text, p.span) for p in s.placeholders] == ["{{a}}", "{{b}}", "{{a}}"]


def test_placeholder_positions_after_escapes():
    # Positions are in the source text, not in the unescaped value.
    text = r'input "\"q\" \u00e9 {{x}}"'
    (p,) = spec_of(text).statements[0].value.placeholders
    assert source_of(text, p.span) == "{{x}}" and p.span.column == 21


@pytest.mark.parametrize("literal", ['"{{}}"', '"{{ 1x }}"', '"{x}"', '"{{x}"', '"{{a b}}"', '"{{{{"'])
def test_what_is_not_a_placeholder(literal):
    s = spec_of(f"input {literal}").statements[0].value
    assert s.placeholders == ()
    compiled = compile_text(f"input {literal}")
    assert compiled.request["input"] == value_of(literal)  # left exactly as written


def test_placeholders_are_found_in_every_kind_of_string():
    text = 'input { user "{{a}}" }\nrequirement "{{b}}" "{{c}}"\ntool web_search { urls ["{{d}}"] }\nmodel "{{e}}"\nparam p = "{{f}}"\n'
    spec = spec_of(text)
    names = []
    for s in spec.statements:
        if isinstance(s, ast.Input):
            names += [p.name for m in s.value for p in m.content.placeholders]
        elif isinstance(s, ast.Requirement):
            names += [p.name for p in s.name.placeholders + s.description.placeholders]
        elif isinstance(s, ast.Tool):
            names += [p.name for i in s.fields[0].value.items for p in i.placeholders]
        elif isinstance(s, ast.Model):
            names += [p.name for p in s.refs[0].placeholders]
        elif isinstance(s, ast.Param):
            names += [p.name for p in s.default.placeholders]
    assert names == ["a", "b", "c", "d", "e", "f"]


# ---------------------------------------------------------------- comments


def test_comments_anywhere_whitespace_may_be():
    text = """\
# header
input { # after a brace
    user "a" # after a message
    # a whole line
    assistant "b"
} # after the block
tool web_search { # x
    urls [ # in a list
        "a.com", # after an item
        "b.com"  # before the bracket
    ] # after the list
}
include data_sources, # between names
    requirements_result
param p = "v" # after a default
#no space after the hash
"""
    spec = spec_of(text)
    assert [type(s) for s in spec.statements] == [ast.Input, ast.Tool, ast.Include, ast.Param]
    assert [i.value for i in spec.of(ast.Tool)[0].fields[0].value.items] == ["a.com", "b.com"]
    assert [n.value for n in spec.of(ast.Include)[0].values] == ["data_sources", "requirements_result"]


def test_a_hash_inside_a_string_is_text():
    assert value_of('"issue #42 # still text"') == "issue #42 # still text"


def test_a_comment_ends_at_the_line_end():
    spec = spec_of('# input "ignored"\ninput "kept" # budget high\n')
    assert [type(s) for s in spec.statements] == [ast.Input]
    assert spec.statements[0].value.value == "kept"


# ----------------------------------------------------- syntax error result


def test_a_syntax_error_gives_no_ast_and_one_diagnostic():
    result = parse('input "x"\nbudget low\n= "y"\nbogus\n')
    assert result.spec is None
    (d,) = result.diagnostics
    assert d.code == "E001" and (d.span.line, d.span.column) == (3, 1)


def test_parse_never_raises_on_odd_text():
    for text in ["\x00", "\ufeffinput \"x\"", '"""', '"', "{", "}", "]", "[", "=", ",", "\\", "\r", "input \"\\", '"""\\', "\u2028", "😀"]:
        result = parse(text)
        assert result.spec is not None or result.diagnostics
        for d in result.diagnostics:
            assert d.span.line >= 1 and d.span.column >= 1


def test_comments_come_beside_the_ast_in_source_order_with_their_spans():
    text = '# head\ninput "a # not a comment"  # tail  \n\n  # own line\nbudget low'
    result = parse(text, comments=True)
    assert [c.text for c in result.comments] == ["# head", "# tail", "# own line"]
    assert [source_of(text, c.span).rstrip() for c in result.comments] == ["# head", "# tail", "# own line"]
    assert pos(result.comments[2].span) == (4, 3, 4, 13)
    assert parse("budget low # x\n", comments=True).comments[0].text == "# x"  # one parse's comments never leak into the next
    assert parse(text).comments == ()  # only when asked: compile does not pay for them


@pytest.mark.parametrize("opening, closing", [("{ a ", " }"), ("[", "]")])
def test_values_nested_past_the_limit_are_one_finding_not_a_crash(opening, closing):
    from maestro_spec.compiler.parse import MAX_NESTING
    from maestro_spec.compiler.pipeline import compile_text

    def spec(n):
        return 'input "x"\noutput_type { properties ' + opening * n + "1" + closing * n + " }\n"

    assert "E007" not in [d.code for d in compile_text(spec(MAX_NESTING - 1)).diagnostics]  # with output_type's own block: the limit
    for n in (MAX_NESTING, 5_000):  # 5,000: far past Python's recursion limit
        [d] = compile_text(spec(n)).diagnostics
        assert d.code == "E007" and d.span.line == 2
        assert d.span.column == len("output_type { properties ") + len(opening) * (MAX_NESTING - 1) + 1
