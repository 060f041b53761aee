"""Every rule through .maestro source: code, line and column of each finding.

The API's rules (E2xx/W2xx) reach a spec through the emitted body, so each
case here also shows that the finding lands on the text that produced the
field. The language's own rules (E0xx syntax, E1xx params and repeats) are
only reachable from source.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from maestro_spec.compiler import limits as L

from maestro_spec.compiler.pipeline import Compiled, compile_text
from maestro_spec.compiler.diagnostics import CODES, format_path
from maestro_spec.compiler.jsonbody import check_json_text
from maestro_spec.compiler.params import Vars, load_vars
from maestro_spec.varargs import VarUsageError, parse_var_args

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def vars_of(var_args=(), var_files=()):
    """--var strings and --var-file paths, as the commands read them."""
    return load_vars(parse_var_args(var_args), var_files)


def run(src: str, vars: Vars | None = None, *, require_values: bool = True) -> Compiled:
    return compile_text(textwrap.dedent(src), vars, require_values=require_values)


def where(src: str, vars: Vars | None = None, **kw) -> list[tuple]:
    """(code, line, column) of every finding, in report order."""
    return [(d.code, d.span.line, d.span.column) if d.span else (d.code, None, None) for d in run(src, vars, **kw).diagnostics]


def one(src: str, code: str, vars: Vars | None = None, **kw):
    found = [d for d in run(src, vars, **kw).diagnostics if d.code == code]
    assert len(found) == 1, where(src, vars, **kw)
    return found[0]


def at(d) -> tuple:
    return (d.code, d.span.line, d.span.column)


def words(n: int) -> str:
    return " ".join(f"w{i}" for i in range(n))


# ------------------------------------------------------- the API's rules

# (id, source, [(code, line, column)]): exactly these findings.
HTTP = 'tool http get_weather {\n    description "Current weather"\n    url "https://w.example.com/api"\n    parameter city string "The city" required\n}\n'

API_CASES = [
    ("no-input", 'budget low\n', [("E201", None, None)]),
    ("empty-file", "", [("E201", None, None)]),
    ("only-comments", "# nothing yet\n\n# still nothing\n", [("E201", None, None)]),
    ("empty-input", 'budget low\ninput ""\n', [("E202", 2, 1)]),
    ("blank-triple-input", 'input """\n\n    \n    """\n', [("E202", 1, 1)]),
    ("no-messages", "input {\n}\n", [("E202", 1, 1)]),
    (
        "empty-message",
        'input {\n    user "hi"\n    assistant ""\n}\n',
        [("E202", 3, 15)],
    ),
    (
        "urls-as-string",
        'input "x"\ntool web_search {\n    urls "example.com"\n}\n',
        [("E203", 3, 5)],
    ),
    ("unknown-role", 'input {\n    usr "hi"\n}\n', [("E204", 2, 5)]),
    ("system-role", 'input {\n  system "be terse"\n  user "hi"\n}\n', [("E204", 2, 3)]),
    (
        "turns-do-not-alternate",
        'input {\n    user "a"\n    assistant "b"\n    assistant "c"\n    user "d"\n    user "e"\n}\n',
        [("E205", 4, 5), ("E205", 6, 5)],
    ),
    (
        "unknown-resource-field",
        'input "x"\ntool web_search { labels ["a"] }\n',
        [("E206", 2, 19)],
    ),
    (
        "url-field-for-files",
        'input "x"\ntool file_search {\n    labels ["a"]\n    urls ["a.com"]\n}\n',
        [("E206", 4, 5)],
    ),
    (
        "duplicate-requirement-name",
        'input "x"\nrequirement "short" "At most 100 words."\nrequirement "short" "At most 50 words."\n',
        [("E212", 3, 13)],
    ),
    ("empty-requirement-name", 'input "x"\nrequirement "" "d"\n', [("E213", 2, 13)]),
    ("blank-description", 'input "x"\nrequirement "a" mandatory "  "\n', [("E213", 2, 27)]),
    (
        "requirements-with-tools",
        'input "x"\n\nrequirement "a" "b"\nrequirement "c" "d"\ntool web_search\n',
        [("W214", 3, 1)],
    ),
    ("unknown-tool", 'input "x"\ntool websearch\n', [("E220", 2, 6)]),
    ("unknown-tool-with-body", 'input "x"\ntool browser { urls ["a.com"] }\n', [("E220", 2, 6)]),
    (
        "bad-url",
        'input "x"\ntool web_search {\n    urls ["example.com",\n          "ftp://example.com"]\n}\n',
        [("E222", 4, 11)],
    ),
    ("tool-twice", 'input "x"\ntool web_search\ntool file_search\ntool web_search\n', [("E223", 4, 6)]),
    ("two-models", 'input "x"\nmodel jamba-large, jamba-mini\n', [("E230", 2, 20)]),
    ("quoted-near-miss-model", 'input "x"\nmodel "jamba-larg"\n', [("W231", 2, 7)]),
    ("unquoted-unknown-model", 'input "x"\nmodel jamba-larg\n', [("E232", 2, 7)]),
    ("unquoted-byok-model", 'input "x"\nmodel my-org-claude\n', [("E232", 2, 7)]),
    ("budget", 'input "x"\nbudget hihg\n', [("E240", 2, 8)]),
    ("include", 'input "x"\ntool web_search\ninclude data_sources, sources\n', [("E241", 3, 23)]),
    ("language", 'input "x"\nlanguage klingon\n', [("E242", 2, 10)]),
    ("include-twice", 'input "x"\ntool web_search\ninclude data_sources, data_sources\n', [("W243", 3, 23)]),
    ("data-sources-without-tools", 'input "x"\ninclude data_sources\n', [("W244", 2, 9)]),
    ("result-without-requirements", 'input "x"\ninclude requirements_result\n', [("W245", 2, 9)]),
    # today's tools
    ("undocumented-tool-field", 'input "x"\ntool web_search { fallback_to_web true }\n', [("W207", 2, 19)]),
    ("threshold", 'input "x"\ntool file_search {\n    retrieval_similarity_threshold 1.5\n}\n', [("E224", 3, 5)]),
    ("parameter-type", 'input "x"\n' + HTTP.replace("string", "strng"), [("E224", 5, 20)]),
    ("mcp-without-label", 'input "x"\ntool mcp { url "https://m.example.com" }\n', [("E226", 2, 6)]),
    ("mcp-without-url", 'input "x"\ntool mcp gh\n', [("E226", 2, 1)]),
    ("blank-system-prompt", 'input "x"\nsystem_prompt " "\n', [("E226", 2, 15)]),
    ("same-label", 'input "x"\ntool mcp gh { url "https://a.example.com" }\ntool mcp gh { url "https://b.example.com" }\n', [("E227", 3, 10)]),
    ("relative-url", 'input "x"\ntool mcp gh { url "/sse" }\n', [("E228", 2, 15)]),
    ("loopback-url", 'input "x"\ntool mcp gh { url "http://localhost:9000/sse" }\n', [("W229", 2, 15)]),
    ("legacy-model", 'input "x"\nmodel mistral-7b\n', [("W236", 2, 7)]),
    ("schema-type", 'input "x"\noutput_type { type "obj" }\n', [("E246", 2, 15)]),
]


@pytest.mark.parametrize("src, expected", [c[1:] for c in API_CASES], ids=[c[0] for c in API_CASES])
def test_api_rule_in_a_spec(src, expected):
    assert where(src) == expected


def test_every_api_code_reachable_from_a_spec_has_a_case():
    # E200 and E005 need a body that is not an object / not JSON; E221 needs
    # resources without their tool, which a spec cannot say (resources live
    # inside their `tool` statement).
    # W225 needs tool_resources, W208, E233, E234 and W237 a raw parameters
    # object: the language writes neither (parameter rows are always whole).
    reachable = {code for code in CODES if code[1] == "2"} - {"E200", "E221", "W225", "W208", "E233", "E234", "W237"}
    covered = {code for _, _, expected in API_CASES for code, _, _ in expected}
    covered |= {"E210", "E211"}  # the limits have their own tests below
    assert reachable - covered == set()


def test_resources_always_come_with_their_tool():
    compiled = run('input "x"\ntool file_search { labels ["a"] }\ntool web_search { urls ["a.com"] }\n')
    assert compiled.diagnostics == []
    assert [t["type"] for t in compiled.request["tools"]] == ["file_search", "web_search"]


# ---------------------------------------------------------------- limits


def requirements_spec(n: int) -> str:
    return 'input "x"\n' + "".join(f'requirement "r{i}" "requirement number {i}"\n' for i in range(n))


def test_exactly_ten_requirements_are_accepted():
    compiled = run(requirements_spec(10))
    assert compiled.diagnostics == [] and len(compiled.request["requirements"]) == 10


@pytest.mark.parametrize("n", [11, 14])
def test_more_than_ten_requirements(n):
    d = one(requirements_spec(n), "E210")
    assert at(d) == ("E210", 12, 1)  # the 11th requirement, on line 12
    assert f"{n} requirements" in d.message and "at most 10" in d.message


def test_exactly_128_words_are_accepted():
    compiled = run(f'input "x"\nrequirement "long" "{words(128)}"\n')
    assert compiled.diagnostics == []


def test_129_words_are_rejected_with_the_count():
    d = one(f'input "x"\nrequirement "long" "{words(129)}"\n', "E211")
    assert at(d) == ("E211", 2, 20)
    assert "129 words" in d.message and "at most 128" in d.message


def test_words_of_a_triple_quoted_description_are_counted():
    body = textwrap.indent(textwrap.fill(words(129), 60), "    ")
    src = f'input "x"\nrequirement "long"\n  """\n{body}\n  """\n'
    assert at(one(src, "E211")) == ("E211", 3, 3)
    body = textwrap.indent(textwrap.fill(words(128), 60), "    ")
    assert run(f'input "x"\nrequirement "long"\n  """\n{body}\n  """\n').diagnostics == []


def test_words_filled_in_from_a_var_are_counted(tmp_path):
    doc = tmp_path / "criteria.txt"
    doc.write_text(words(127) + "\n", encoding="utf-8")
    src = 'param criteria\ninput "x"\nrequirement "all" "Check these: {{criteria}}"\n'
    # "Check these:" and 127 words from the file: 129.
    d = one(src, "E211", vars_of([f"criteria=@{doc}"]))
    assert at(d) == ("E211", 3, 19) and "129 words" in d.message
    doc.write_text(words(126), encoding="utf-8")
    assert run(src, vars_of([f"criteria=@{doc}"])).diagnostics == []


# ------------------------------------------------------ repeated statements


@pytest.mark.parametrize(
    "first, again",
    [
        ('input "a"', 'input "b"'),
        ("model jamba-large", "model jamba-mini"),
        ("budget low", "budget high"),
        ("language french", "language german"),
        ("include requirements_result", "include requirements_result"),
    ],
)
def test_single_valued_statement_twice_points_at_both(first, again):
    keyword = first.split()[0]
    base = 'input "x"\n' if keyword != "input" else ""
    src = f'{base}requirement "a" "b"\n{first}\n# between\n{again}\n'
    d = one(src, "E101")
    line = src.count("\n", 0, src.rindex(again)) + 1
    assert at(d) == ("E101", line, 1)
    assert [(r.span.line, r.span.column) for r in d.related] == [(line - 2, 1)]
    assert f"'{keyword}' is given twice" in d.message


def test_first_of_a_repeated_statement_is_the_one_emitted():
    compiled = run('input "x"\nbudget low\nbudget high\n')
    assert compiled.request["budget"] == "low"


def test_requirements_and_tools_may_repeat():
    compiled = run('input "x"\ntool web_search\ntool file_search\n')
    assert not [d for d in compiled.diagnostics if d.code == "E101"]


def test_tool_field_twice_points_at_both():
    src = 'input "x"\ntool web_search {\n    urls ["a.com"]\n    urls ["b.com"]\n}\n'
    d = one(src, "E109")
    assert at(d) == ("E109", 4, 5)
    assert [(r.span.line, r.span.column) for r in d.related] == [(3, 5)]
    assert "'urls' is given twice" in d.message


# ----------------------------------------------------------------- params

PARAM_SPEC = """\
param document
param tone = "friendly"
input \"\"\"
    Summarise in a {{tone}} tone:
    {{document}}
    \"\"\"
"""


def test_param_with_a_value_fills_its_placeholder():
    compiled = run(PARAM_SPEC, vars_of(["document=The lease runs 12 months."]))
    assert compiled.diagnostics == []
    assert compiled.request["input"] == "Summarise in a friendly tone:\nThe lease runs 12 months."


def test_var_overrides_a_default():
    compiled = run(PARAM_SPEC, vars_of(["document=d", "tone=formal"]))
    assert compiled.request["input"] == "Summarise in a formal tone:\nd"


def test_param_without_value_is_an_error_for_compile():
    d = one(PARAM_SPEC, "E105")
    assert at(d) == ("E105", 1, 7)
    assert "--var document=" in d.hint


def test_param_without_value_is_fine_for_check():
    compiled = run(PARAM_SPEC, require_values=False)
    assert compiled.diagnostics == []
    assert "{{document}}" in compiled.request["input"]


def test_unused_param_with_no_value_is_only_a_warning():
    assert where('param extra\ninput "x"\n') == [("W104", 1, 7)]


def test_duplicate_param_points_at_both():
    src = 'param a = "1"\ninput "{{a}}"\nparam a = "2"\n'
    d = one(src, "E106")
    assert at(d) == ("E106", 3, 1)
    assert [(r.span.line, r.span.column) for r in d.related] == [(1, 1)]
    assert run(src).request["input"] == "1"


def test_undefined_placeholder():
    d = one('param tone = "x"\ninput "Be {{tone}} about {{topic}}."\n', "E103")
    assert at(d) == ("E103", 2, 26)
    assert d.hint == "declare it: param topic"


def test_undefined_placeholder_near_a_param_name():
    d = one('param document = "x"\ninput "{{documnet}}"\n', "E103")
    assert d.hint == "did you mean 'document'?"


def test_placeholders_everywhere_a_string_goes():
    src = """\
        param p
        input { user "{{p}}" }
        requirement "{{q}}" "{{r}}"
        tool web_search { urls ["{{s}}"] }
        model "{{t}}"
        """
    found = [f for f in where(src, require_values=False) if f[0] == "E103"]
    assert found == [("E103", 3, 14), ("E103", 3, 22), ("E103", 4, 26), ("E103", 5, 8)]


def test_unused_param():
    d = one('param tone = "friendly"\ninput "x"\n', "W104")
    assert at(d) == ("W104", 1, 7) and d.severity == "warning"


def test_placeholder_in_a_value_is_not_expanded_again():
    compiled = run('param a\nparam b = "B"\ninput "{{a}} {{b}}"\n', vars_of(["a={{b}}"]))
    assert compiled.request["input"] == "{{b}} B"


def test_unfilled_url_placeholder_is_not_judged_before_its_value_exists():
    src = 'param site\ninput "x"\ntool web_search { urls ["{{site}}", "not a url"] }\n'
    assert where(src, require_values=False) == [("E222", 3, 37)]
    # With the value, the filled text is judged.
    assert where(src, vars_of(["site=ftp://x"])) == [("E222", 3, 25), ("E222", 3, 37)]
    assert where(src, vars_of(["site=docs.example.com"])) == [("E222", 3, 37)]


def test_var_for_an_unknown_param_is_a_warning():
    d = one('param tone = "x"\ninput "{{tone}}"\n', "W108", vars_of(["tnoe=formal"]))
    assert d.span is None and d.severity == "warning"
    assert "--var tnoe" in d.message and d.hint == "did you mean 'tone'?"


def test_var_file_value_for_an_unknown_param(tmp_path):
    f = tmp_path / "vars.json"
    f.write_text('{"tone": "formal", "colour": "blue"}', encoding="utf-8")
    compiled = run('param tone = "x"\ninput "{{tone}}"\n', vars_of([], [str(f)]))
    assert [d.code for d in compiled.diagnostics] == ["W108"]
    assert str(f) in compiled.diagnostics[0].message
    assert compiled.request["input"] == "formal"


def test_var_file_values_and_precedence(tmp_path):
    f = tmp_path / "vars.json"
    f.write_text('{"a": "from file", "n": 3, "flag": true}', encoding="utf-8")
    vars = vars_of(["a=from --var"], [str(f)])
    assert vars.values == {"a": "from --var", "n": "3", "flag": "true"}
    assert vars.diagnostics == []


def test_var_from_file_drops_one_trailing_newline_and_a_bom(tmp_path):
    f = tmp_path / "doc.txt"
    f.write_bytes("\ufeffline one\nline two\n\n".encode("utf-8"))
    assert vars_of([f"doc=@{f}"]).values == {"doc": "line one\nline two\n"}


@pytest.mark.parametrize("arg", ["document", "=value", ""])
def test_malformed_var_is_a_usage_error(arg):
    with pytest.raises(VarUsageError, match="NAME=VALUE"):
        vars_of([arg])


def test_var_value_may_contain_equals_signs():
    assert vars_of(["q=a=b"]).values == {"q": "a=b"}


def unreadable_cases(tmp_path: Path) -> list[tuple[list, list, str]]:
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("café".encode("latin-1"))
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"a": 1,}', encoding="utf-8")
    array = tmp_path / "array.json"
    array.write_text('["a"]', encoding="utf-8")
    nested = tmp_path / "nested.json"
    nested.write_text('{"a": {"b": 1}}', encoding="utf-8")
    return [
        ([f"doc=@{tmp_path / 'missing.txt'}"], [], "no such file"),
        ([f"doc=@{tmp_path}"], [], "directory"),
        ([f"doc=@{latin}"], [], "not UTF-8"),
        ([], [str(tmp_path / "missing.json")], "no such file"),
        ([], [str(bad_json)], "invalid JSON at line 1 column 9"),
        ([], [str(array)], "expected a JSON object"),
        ([], [str(nested)], "must be a string, number or boolean"),
    ]


def test_var_files_that_cannot_be_read(tmp_path):
    for var_args, var_files, reason in unreadable_cases(tmp_path):
        vars = vars_of(var_args, var_files)
        assert [d.code for d in vars.diagnostics] == ["E107"], (var_args, var_files)
        assert reason in vars.diagnostics[0].message
        compiled = compile_text('param doc = "d"\ninput "{{doc}}"\n', vars)
        assert "E107" in [d.code for d in compiled.diagnostics]
        assert not compiled.ok


def test_all_unreadable_var_files_are_reported(tmp_path):
    vars = vars_of([f"a=@{tmp_path / 'x'}", f"b=@{tmp_path / 'y'}"], [str(tmp_path / "z.json")])
    assert [d.code for d in vars.diagnostics] == ["E107", "E107", "E107"]


# ------------------------------------------------------------------ models


def test_quoted_near_miss_model_is_a_warning_with_did_you_mean():
    d = one('input "x"\nmodel "jamba-larg"\n', "W231")
    assert d.severity == "warning" and d.hint == "did you mean 'jamba-large'?"


def test_quoted_byok_model_id_is_accepted():
    compiled = run('input "x"\nmodel "my-org-claude-sonnet"\n')
    assert compiled.ok
    assert [d for d in compiled.diagnostics if d.is_error] == []
    assert compiled.request["models"] == ["my-org-claude-sonnet"]


def test_unquoted_unknown_model_is_an_error_with_did_you_mean():
    d = one('input "x"\nmodel jamba-larg\n', "E232")
    assert d.severity == "error"
    assert "did you mean 'jamba-large'?" in d.hint
    assert 'model "jamba-larg"' in d.hint  # how to say it is a BYOK ID


@pytest.mark.parametrize("model", L.KNOWN_MODELS)
def test_known_models_unquoted_and_quoted(model):
    assert run(f'input "x"\nmodel {model}\n').diagnostics == []
    assert run(f'input "x"\nmodel "{model}"\n').diagnostics == []


# --------------------------------------------------------- did you mean


@pytest.mark.parametrize(
    "src, code, line, column, hint",
    [
        ('input "x"\nlanguge french\n', "E001", 2, 1, "did you mean 'language'?"),
        ('input "x"\nbuget low\n', "E001", 2, 1, "did you mean 'budget'?"),
        ('requirment "a" "b"\ninput "x"\n', "E001", 1, 1, "did you mean 'requirement'?"),
        ('inputs "x"\n', "E001", 1, 1, "did you mean 'input'?"),
        ('input "x"\nparams a\n', "E001", 2, 1, "did you mean 'param'?"),
        ('input "x"\nbudget hihg\n', "E240", 2, 8, "did you mean 'high'?"),
        ('input "x"\nbudget Medium\n', "E240", 2, 8, "did you mean 'medium'?"),
        ('input "x"\nlanguage frnech\n', "E242", 2, 10, "did you mean 'french'?"),
        ('input "x"\ntool web_search\ninclude data_source\n', "E241", 3, 9, "did you mean 'data_sources'?"),
        ('input "x"\ntool web\n', "E220", 2, 6, "did you mean 'web_search'?"),
        ('input "x"\ntool web_search { url ["a.com"] }\n', "E206", 2, 19, "did you mean 'urls'?"),
        ('input "x"\ntool file_search { label ["a"] }\n', "E206", 2, 20, "did you mean 'labels'?"),
        ('input {\n  usr "x"\n}\n', "E204", 2, 3, "did you mean 'user'?"),
        ('input "x"\nmodel "jamba-mni"\n', "W231", 2, 7, "did you mean 'jamba-mini'?"),
    ],
)
def test_near_misses(src, code, line, column, hint):
    d = one(src, code)
    assert at(d) == (code, line, column)
    assert d.hint == hint


def test_model_near_miss_unquoted():
    d = one('input "x"\nmodel jamba-larg\n', "E232")
    assert at(d) == ("E232", 2, 7)
    assert d.hint.startswith("did you mean 'jamba-large'?")


# ---------------------------------------------------------- syntax errors


def test_a_tool_without_its_type_says_so():
    # `tool` may take a label, so the next keyword parses as its type.
    compiled = compile_text('tool\nmodel jamba-large\ninput "x"\n')
    assert [(d.code, d.span.line, d.span.column) for d in compiled.diagnostics] == [("E001", 1, 1)]
    assert "'tool' has no value: the 'model' on line 2" in compiled.diagnostics[0].message
    assert not compiled.ok


@pytest.mark.parametrize(
    "src, code, line, column, message",
    [
        ('input "Summarise the report\nrequirement "a" "b"\n', "E002", 1, 7, "unterminated string"),
        ('input "x"\nrequirement "a\n', "E002", 2, 13, "unterminated string"),
        ('input """\n    never closed\nrequirement "a" "b"\n', "E002", 1, 7, 'this """ has no closing """'),
        ('input """Say "hi"\n', "E002", 1, 7, 'this """ has no closing """'),
        ('input "x"\nrequirement "a"\n', "E003", 2, 15, "unexpected end of file"),
        ('input "x"\nrequirement "a"\n\n# describe it later\n\n', "E003", 2, 15, "expected 'mandatory' or a string after '\"a\"'"),
        ("input {\n    user \"hi\"\n", "E003", 2, 13, "a '{' block is still open"),
        ('input "x"\ntool web_search { urls ["a.com",\n', "E003", 2, 32, "a '[' list is still open"),
        ("input", "E003", 1, 5, "expected '{' or a string after 'input'"),
        ('input "x"\ninclude data_sources,\n', "E003", 2, 21, "expected a name after ','"),
        ('input "x"\ntool web_search {\n    urls ["a.com" "b.com"]\n}\n', "E001", 3, 19, "expected ',' or ']'"),
        ('input "x" mandatory\n', "E001", 1, 11, "'mandatory' is out of place"),
        ('input "x"\nrequirement mandatory "a" "b"\n', "E001", 2, 13, "'mandatory' is out of place"),
        ('input "x"\nrequirement "a" "b" mandatory\n', "E001", 2, 21, "'mandatory' is out of place"),
        ('input "x"\nbudget "high"\n', "E001", 2, 8, "expected a name after 'budget'"),
        ("input 'x'\n", "E001", 1, 7, "unexpected character"),
        ('input "x" "y"\n', "E001", 1, 11, "expected a statement"),
        ('input "x"\nparam = "y"\n', "E001", 2, 7, "expected a name after 'param'"),
        ('input "x"\nbudget\nlanguage french\n', "E001", 2, 1, "'budget' has no value: the 'language' on line 3 was read as its value"),
        ('input "x"\nparam\ninput "y"\n', "E001", 2, 1, "'param' has no value: the 'input' on line 3 was read as its value"),
        ('input "x"\ninclude data_sources,\nbudget low\n', "E001", 2, 21, "nothing follows this ','"),
        ('input "x"\nmodel jamba-large,\nlanguage french\n', "E001", 2, 18, "nothing follows this ','"),
        ('input "a\\qb"\n', "E004", 1, 9, "invalid escape '\\q'"),
        ('input "ok \\\\q then \\x41"\n', "E004", 1, 20, "invalid escape '\\x'"),
        ('input """\n    fine \\n\n    bad \\e\n    """\n', "E004", 3, 9, "invalid escape '\\e'"),
        ('input "half \\ud83d a pair"\n', "E004", 1, 13, "invalid escape '\\ud83d'"),
    ],
)
def test_syntax_errors(src, code, line, column, message):
    compiled = compile_text(src)
    errors = [d for d in compiled.diagnostics if d.code == code]
    assert len(errors) == 1, [(d.code, d.message) for d in compiled.diagnostics]
    d = errors[0]
    assert at(d) == (code, line, column)
    assert message in d.message
    if code != "E004":  # an escape is a string problem; the rest still parses
        assert compiled.request is None


def test_eof_always_points_at_a_real_line():
    for src in ["input", "input {", 'input "x"\nrequirement "a"', 'input "x"\nrequirement "a"\n\n\n# c\n   \n', 'tool web_search { urls [\n\n']:
        d = compile_text(src).diagnostics[0]
        lines = src.splitlines()
        assert d.code == "E003"
        assert 1 <= d.span.line <= len(lines) and lines[d.span.line - 1].strip(), src


def test_syntax_error_messages_name_what_was_expected():
    d = compile_text('input "x"\nmodel\n').diagnostics[0]
    assert d.message.startswith("unexpected end of file: expected a name or a string")
    d = compile_text("input {\n  user \"a\"\n  assistant\n}\n").diagnostics[0]
    assert (d.code, d.message) == ("E001", "expected a string after 'assistant', found '}'")


def test_missing_comma_hint():
    d = one('input "x"\ntool web_search { urls ["a.com" "b.com"] }\n', "E001")
    assert d.hint == "separate list items with commas"


def test_unterminated_string_hint_mentions_triple_quotes():
    d = one('input "abc\n', "E002")
    assert '"""' in d.hint
    assert (d.span.end_column - d.span.column) == 4  # underlines "abc to the end of the line


def test_a_bad_escape_does_not_hide_other_findings():
    codes = [d.code for d in compile_text('input "a\\qb"\nbudget hihg\n').diagnostics]
    assert codes == ["E004", "E240"]


# ------------------------------------------------------------ the whole


def test_all_findings_of_a_file_are_collected():
    src = """\
        param unused
        input {
            user "a"
            user "b"
        }
        requirement "x" "y"
        requirement "x" "z"
        model jamba-larg
        budget hihg
        language klingon
        include data_sources
        """
    assert where(src) == [
        ("W104", 1, 7),
        ("E205", 4, 5),
        ("E212", 7, 13),
        ("E232", 8, 7),
        ("E240", 9, 8),
        ("E242", 10, 10),
        ("W244", 11, 9),
    ]


def test_warnings_do_not_fail_a_spec():
    compiled = run('param unused\ninput "x"\ninclude data_sources\n')
    assert compiled.ok and [d.severity for d in compiled.diagnostics] == ["warning", "warning"]


def spec_paths() -> list[Path]:
    """Example specs that parse (a syntax error leaves no body to compare)."""
    paths = sorted(EXAMPLES.glob("*.maestro")) + sorted((EXAMPLES / "errors").glob("*.maestro"))
    return [p for p in paths if compile_text(p.read_text(encoding="utf-8"), require_values=False).request is not None]


@pytest.mark.parametrize("path", spec_paths(), ids=lambda p: p.name)
def test_a_spec_and_its_emitted_body_get_the_same_api_findings(path):
    """One judge for both: the body a spec emits, checked as JSON text, has
    the same E2xx/W2xx findings at the same JSON paths."""
    compiled = compile_text(path.read_text(encoding="utf-8"), require_values=False)
    from_spec = sorted((d.code, format_path(d.path)) for d in compiled.diagnostics if d.code[1] == "2" and d.code != "E232")
    from_spec += [("W231", format_path(d.path)) for d in compiled.diagnostics if d.code == "E232"]
    body = check_json_text(json.dumps(compiled.request, indent=2)).diagnostics
    from_json = [(d.code, format_path(d.path)) for d in body]
    # A quoted BYOK model is silent in a spec, a W231 in a bare body.
    from_json = [f for f in from_json if not (f[0] == "W231" and f not in from_spec)]
    placeholders = "{{" in json.dumps(compiled.request)
    if placeholders:  # unfilled {{params}} are judged only once filled
        from_json = [f for f in from_json if f[0] not in ("E222", "W231") or f in from_spec]
    assert sorted(from_json) == sorted(from_spec)


def test_a_forgotten_value_gets_the_statements_hint():
    d = one('input "x"\nbudget\nlanguage french\n', "E001")
    assert d.hint == "budget takes one of: low, medium, high (unquoted)"
    assert (d.span.end_column - d.span.column) == len("budget")
