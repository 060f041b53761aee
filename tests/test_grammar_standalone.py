"""The spec parser is maestro_spec/grammar/standalone.py, generated from
maestro.lark by Lark's standalone tool: it is built from today's grammar, it
is exactly what the generator writes, it parses (and fails to parse) exactly
as lark.Lark does with the same grammar and options, and the compile path
never imports the lark package."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import types

import lark
import pytest

from maestro_spec.grammar import _WITHOUT_POSSESSIVE_REPEATS, GRAMMAR_PATH, build, get_parser, parse_tree, standalone, use_patterns

from .conftest import EXAMPLES, GOLDEN, ROOT

REGENERATE = f"run `{build.COMMAND}` to regenerate maestro_spec/grammar/standalone.py"

SPECS = sorted({*EXAMPLES.rglob("*.maestro"), *GOLDEN.rglob("*.maestro"), *GOLDEN.rglob("*.messy")})

# Wrong in each of the ways the lexer and the parser can notice.
SYNTAX_ERRORS = {
    "stray character": 'input "x"\n@\n',
    "keyword prefix": 'inputs "x"\n',
    "unknown keyword": 'input "x"\nlanguge french\n',
    "missing value": "budget\nlanguage french\n",
    "unclosed block": 'input {\n    user "hi"\n',
    "unclosed list": "tool web_search {\n    urls [\"a\" \"b\"\n}\n",
    "unterminated string": 'input "never closed\n',
    "unterminated long string": 'input """\n    never closed\n',
    "trailing comma": "include a,\nmodel x\n",
    "mandatory out of place": 'requirement mandatory "a" "b"\n',
    "empty input": "input\n",
    "only a comment, then junk": "# hi\n}\n",
}


@pytest.fixture(scope="module")
def reference():
    """lark.Lark on the grammar with the options standalone.py was built with
    (and the lexer callback get_parser() passes), collecting comments."""
    comments: list = []

    def keep(token):
        comments.append(token)
        return token

    parser = lark.Lark(GRAMMAR_PATH.read_text(encoding="utf-8"), **build.OPTIONS, lexer_callbacks={"COMMENT": keep})
    if sys.version_info < (3, 11, 5):  # what get_parser() does there (gh-106052), so lark's lexes right too
        use_patterns(parser, _WITHOUT_POSSESSIVE_REPEATS)
    return parser, comments


def _shape(node):
    """A tree as plain data: rule names, positions, and every token's type,
    text and positions (Lark names a rule with a Token('RULE', ...), the
    standalone file with a str: equal, but their reprs differ)."""
    if isinstance(node, (lark.Token, standalone.Token)):
        return ("token", node.type, str(node), node.start_pos, node.end_pos, node.line, node.column, node.end_line, node.end_column)
    if node is None:  # an absent [optional] (maybe_placeholders)
        return None
    meta = node.meta
    where = None if meta.empty else (meta.start_pos, meta.end_pos, meta.line, meta.column, meta.end_line, meta.end_column)
    return (str(node.data), where, [_shape(child) for child in node.children])


def _error(e) -> tuple:
    token = getattr(e, "token", None)
    return (
        type(e).__name__,
        e.pos_in_stream,
        e.line,
        e.column,
        sorted(getattr(e, "expected", None) or ()),
        sorted(getattr(e, "allowed", None) or ()),
        None if token is None else (token.type, str(token)),
    )


def _parse(parser, text: str):
    try:
        return "tree", _shape(parser.parse(text))
    except (lark.exceptions.UnexpectedInput, standalone.UnexpectedInput) as e:
        return "error", _error(e)


def _lex(parser, text: str):
    try:
        return [_shape(t) for t in parser.lex(text, dont_ignore=True)]
    except (lark.exceptions.UnexpectedInput, standalone.UnexpectedInput) as e:
        return _error(e)


# ------------------------------------------------------------------ built from today's grammar


def test_the_generated_parser_is_built_from_the_current_grammar():
    assert standalone.GRAMMAR_SHA256 == build.grammar_sha256(), f"maestro.lark changed since standalone.py was generated: {REGENERATE}"


def test_the_generated_file_is_exactly_what_the_generator_writes():
    """Nobody edited it by hand, and the generator gives the same file every
    time (Lark's own state numbering does not)."""
    if lark.__version__ != standalone.__version__:
        pytest.skip(f"standalone.py comes from Lark {standalone.__version__}, lark {lark.__version__} is installed")
    written = build.OUTPUT.read_text(encoding="utf-8")
    assert written == build.generate(), f"standalone.py is not what the generator writes today: {REGENERATE}"
    assert build.generate() == build.generate()


def test_an_unbounded_width_is_written_alike_by_every_python():
    # re's bound is 2**32 - 1 before Python 3.11.5 (Debian 12's 3.11.2), 2**64 after.
    before = "'_width': [6, 4294967295], x, '_width': [1, 18446744073709551616], '_width': [3, 12]"
    assert build._same_widths_on_every_python(before) == (
        "'_width': [6, 18446744073709551616], x, '_width': [1, 18446744073709551616], '_width': [3, 12]"
    )
    assert "4294967295" not in build.OUTPUT.read_text(encoding="utf-8")


def test_the_generator_writes_the_file_once(tmp_path, monkeypatch, capsys):
    out = tmp_path / "standalone.py"
    monkeypatch.setattr(build, "OUTPUT", out)
    assert build.main([]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Generated by `python -m maestro_spec.grammar.build`")
    assert f'\nGRAMMAR_SHA256 = "{build.grammar_sha256()}"' in text
    assert "Mozilla Public License" in text  # Lark's notice is kept
    assert text.rstrip().endswith("return Lark._load_from_dict(DATA, MEMO, **kwargs)")
    assert build.main([]) == 0
    assert "up to date" in capsys.readouterr().out
    assert build.main(["--bogus"]) == 2


def test_the_grammar_hash_is_the_sha256_of_the_file():
    raw = GRAMMAR_PATH.read_bytes()
    if b"\r" in raw:
        pytest.skip("a CRLF checkout: the hash is of the text with \\n line ends")
    assert build.grammar_sha256() == hashlib.sha256(raw).hexdigest()


# ------------------------------------------------------------------ parses as lark.Lark does


def test_the_inputs_are_found():
    assert len(SPECS) >= 25 and any(p.suffix == ".messy" for p in SPECS)


@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.relative_to(ROOT)))
def test_same_tree_tokens_and_comments_as_lark(path, reference):
    text = path.read_text(encoding="utf-8")
    lark_parser, lark_comments = reference
    lark_comments.clear()
    expected = _parse(lark_parser, text)
    try:
        tree, found = parse_tree(text, comments=True)
    except standalone.UnexpectedInput as e:  # examples/errors/ has some
        assert ("error", _error(e)) == expected
    else:
        assert ("tree", _shape(tree)) == expected
        assert [_shape(t) for t in found] == [_shape(t) for t in lark_comments]
    assert _lex(get_parser(), text) == _lex(lark_parser, text)


@pytest.fixture(scope="module")
def fallback():
    """The parser Python before 3.11.5 gets (grammar.use_patterns with the
    string terminals' forms without possessive groups)."""
    parser = standalone.Lark_StandAlone()
    use_patterns(parser, _WITHOUT_POSSESSIVE_REPEATS)
    assert {t.name: t.pattern.value for t in parser.terminals if t.name in _WITHOUT_POSSESSIVE_REPEATS} == _WITHOUT_POSSESSIVE_REPEATS
    return parser


def test_the_fallback_terminals_lex_as_the_grammar_s(fallback, reference):
    # Every spec, and each example cut short and with a character dropped.
    texts = [path.read_text(encoding="utf-8") for path in SPECS]
    for text in [t for t in texts[:12]]:
        step = max(1, len(text) // 25)
        texts += [text[:i] for i in range(0, len(text), step)] + [text[:i] + text[i + 1 :] for i in range(step // 2, len(text), step)]
    for text in texts:
        assert _parse(fallback, text) == _parse(reference[0], text), repr(text)
        assert _lex(fallback, text) == _lex(reference[0], text), repr(text)


@pytest.mark.parametrize("name", sorted(SYNTAX_ERRORS))
def test_same_syntax_error_as_lark(name, reference):
    text = SYNTAX_ERRORS[name]
    got = _parse(get_parser(), text)
    assert got[0] == "error", got
    assert got == _parse(reference[0], text)
    assert _lex(get_parser(), text) == _lex(reference[0], text)


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.maestro")), ids=lambda p: p.name)
def test_same_outcome_as_lark_on_broken_copies_of_the_examples(path, reference):
    """Each example cut short at 25 places and with one character dropped at
    25 others: mostly syntax errors, each the same as Lark's."""
    text = path.read_text(encoding="utf-8")
    step = max(1, len(text) // 25)
    variants = [text[:i] for i in range(0, len(text), step)] + [text[:i] + text[i + 1 :] for i in range(step // 2, len(text), step)]
    errors = 0
    for variant in variants:
        got = _parse(get_parser(), variant)
        assert got == _parse(reference[0], variant), repr(variant)
        errors += got[0] == "error"
    assert errors >= len(variants) // 4


def test_the_parser_raises_the_standalone_classes_not_larks():
    with pytest.raises(standalone.UnexpectedInput) as info:
        get_parser().parse("@")
    assert not isinstance(info.value, lark.exceptions.UnexpectedInput)


def test_same_terminals_as_lark(reference):
    def terminals(parser):
        return sorted((t.name, t.pattern.type, t.pattern.value, tuple(t.pattern.flags), t.priority) for t in parser.terminals)

    assert terminals(get_parser()) == terminals(reference[0])


# ------------------------------------------------------------------ lark stays unimported


@pytest.mark.parametrize("command", [["compile", "examples/invoice.maestro"], ["check", "examples/errors/unclosed-block.maestro"], ["fmt", "--check", "examples/invoice.maestro"]])
def test_the_command_never_imports_lark(command):
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "maestro_spec", *command], capture_output=True, text=True, timeout=60, cwd=ROOT)
    rows = [line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:") and "|" in line]
    assert "maestro_spec.grammar.standalone" in rows, proc.stderr[-2000:]  # the profile was read, and the parser loaded
    assert [r for r in rows if r.split(".")[0] == "lark"] == []


# ------------------------------------------------------------------ imports made on first use (build._TRIMS)

# What Lark's code imports at load and build.py's trims defer: the spec parser
# never uses them.
TRIMMED = ("logging", "dataclasses", "regex", "pickle", "zlib", "base64")


def _run_bare(code: str, *args: str) -> str:
    """The output of code run by this Python without site (so nothing a .pth
    file imports), from the repo root (so maestro_spec is importable)."""
    proc = subprocess.run([sys.executable, "-S", "-c", code, *args], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_parsing_imports_none_of_the_trimmed_modules():
    code = (
        "import sys\n"
        "from maestro_spec.grammar import get_parser, parse_tree, standalone\n"
        "for path in sys.argv[1:]:\n"
        "    text = open(path, encoding='utf-8').read()\n"
        "    for variant in (text, text[: len(text) // 2], text + '\\n@'):\n"
        "        try:\n"
        "            parse_tree(variant, comments=True)\n"
        "            list(get_parser().lex(variant, dont_ignore=True))\n"
        "        except standalone.UnexpectedInput as e:\n"
        "            str(e), e.get_context(variant)\n"
        f"print(sorted(m for m in {TRIMMED!r} if m in sys.modules))\n"
    )
    assert _run_bare(code, *map(str, SPECS)).strip() == "[]"


def test_the_lark_logger_is_lark_s_at_first_use():
    code = (
        "import sys\n"
        "from maestro_spec.grammar import standalone\n"
        "assert 'logging' not in sys.modules\n"
        "standalone.logger.debug('not shown: the level is CRITICAL')\n"
        "import logging\n"
        "logger = logging.getLogger('lark')\n"
        "assert standalone.logger is logger, standalone.logger\n"
        "print(logging.getLevelName(logger.level), [type(h).__name__ for h in logger.handlers])\n"
    )
    assert _run_bare(code).split() == ["CRITICAL", "['StreamHandler']"]


@pytest.mark.parametrize("installed", [False, True], ids=["regex missing", "regex installed"])
def test_regex_is_looked_for_at_first_need(installed, tmp_path):
    """Lark(regex=True) gets the regex module where it is installed (here a
    stand-in, re under that name) and the NameError of Lark's code where not."""
    if installed:
        (tmp_path / "regex.py").write_text("from re import *\n", encoding="utf-8")
    code = (
        "import sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from maestro_spec.grammar import standalone\n"
        "assert 'regex' not in sys.modules\n"
        "text = open(sys.argv[2], encoding='utf-8').read()\n"
        "try:\n"
        "    parser = standalone.Lark_StandAlone(regex=True)\n"
        "except NameError as e:\n"
        "    print(e)\n"
        "else:\n"
        "    assert standalone.regex is sys.modules['regex'] and parser.lexer_conf.re_module is standalone.regex\n"
        "    print(parser.parse(text) == standalone.Lark_StandAlone().parse(text))\n"
        "print(standalone._has_regex)\n"
    )
    out = _run_bare(code, str(tmp_path), str(EXAMPLES / "invoice.maestro")).splitlines()
    assert out == (["True", "True"] if installed else ["name 'regex' is not defined", "False"])


def test_lark_load_unpickles_at_first_use():
    code = (
        "import io, sys\n"
        "from maestro_spec.grammar import standalone\n"
        "assert 'pickle' not in sys.modules\n"
        "saved = io.BytesIO()\n"
        "__import__('pickle').dump({'data': standalone.DATA, 'memo': standalone.MEMO}, saved)\n"
        "saved.seek(0)\n"
        "parser = standalone.Lark.load(saved)\n"
        "assert standalone.pickle is sys.modules['pickle']\n"
        "text = open(sys.argv[1], encoding='utf-8').read()\n"
        "print(parser.parse(text) == standalone.Lark_StandAlone().parse(text))\n"
    )
    assert _run_bare(code, str(EXAMPLES / "invoice.maestro")).strip() == "True"


@pytest.fixture(scope="module")
def lark_code():
    """Lark's standalone output for the grammar, before build's trims."""
    if lark.__version__ != standalone.__version__:
        pytest.skip(f"standalone.py comes from Lark {standalone.__version__}, lark {lark.__version__} is installed")
    return build.lark_output()


def test_the_trims_refuse_lark_output_of_another_shape(lark_code):
    assert build._same_widths_on_every_python(build._trim_imports(lark_code)) in build.generate()
    moved = lark_code.replace("\nimport pickle, zlib, base64\n", "\nimport pickle,  zlib, base64\n")
    with pytest.raises(RuntimeError, match="copies of the text"):
        build._trim_imports(moved)
    with pytest.raises(RuntimeError, match="expect"):
        build._trim_imports(lark_code + "\ndef more():\n    return zlib.decompress(b'')\n")
    with pytest.raises(RuntimeError, match="annotations"):
        build._trim_imports(lark_code + "\nhints = TextSlice.__annotations__\n")


def test_textslice_behaves_as_lark_s_frozen_dataclass(lark_code):
    import dataclasses

    lark_module = types.ModuleType("lark_standalone_untrimmed")
    exec(compile(lark_code, "<Lark's standalone output>", "exec", dont_inherit=True), lark_module.__dict__)  # not this file's annotations import
    ours, theirs = standalone.TextSlice, lark_module.TextSlice
    assert dataclasses.is_dataclass(theirs) and not dataclasses.is_dataclass(ours)
    assert ours.__match_args__ == theirs.__match_args__

    def behaviour(cls):
        seen = []

        def outcome(f):
            try:
                seen.append(("value", f()))
            except Exception as e:  # noqa: BLE001 - the exception is the behaviour
                seen.append((type(e).__name__, str(e)))

        for args in [("abcdef", 0, 6), ("abcdef", -2, None), ("abcdef", 1, -1), (b"xyz", 0, None), ("", 0, 0), ("abc", 1, 1), (3, 0, 1), ("abc", -9, None)]:
            outcome(lambda: repr(cls(*args)))
            outcome(lambda: (lambda s: (s.text, s.start, s.end, len(s), s.is_complete_text(), hash(s) == hash(cls(s.text, s.start, s.end))))(cls(*args)))
        a, b, c = cls("abcabc", 1, 5), cls("abcabc", 1, 5), cls("abcabc", 1, 4)
        outcome(lambda: (a == b, a != b, a == c, a != c, a == ("abcabc", 1, 5), a.__eq__(0), len({a, b, c})))
        outcome(lambda: (a.count("b"), a.rindex("c"), cls.cast_from("ab") == cls("ab", 0, 2), cls.cast_from(a) is a))
        outcome(lambda: setattr(a, "start", 0))
        outcome(lambda: setattr(a, "other", 0))
        outcome(lambda: delattr(a, "end"))
        outcome(lambda: delattr(a, "other"))
        sub = type("Sub", (cls,), {})
        s = sub("abc", 0, 3)
        outcome(lambda: (repr(s), s == sub("abc", 0, 3), s == cls("abc", 0, 3)))
        outcome(lambda: setattr(s, "other", 1) or s.other)
        outcome(lambda: setattr(s, "text", "x"))
        outcome(lambda: delattr(s, "other") or hasattr(s, "other"))
        match a:
            case cls(text, start, end):
                seen.append(("match", text, start, end))
        return seen

    assert behaviour(ours) == behaviour(theirs)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ours("abc", 0, 3).end = 1
