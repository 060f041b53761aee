"""maestro fmt: golden layouts for messy files, and the properties that make
it safe to run on save: idempotent, meaning-preserving, comment-preserving."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maestro_spec.cli import main
from maestro_spec.compiler import limits as L
from maestro_spec.compiler.pipeline import compile_text
from maestro_spec.compiler.fmt import WIDTH, format_text
from maestro_spec.grammar import get_parser, parse_tree

from .conftest import EXAMPLES, GOLDEN, ROOT, assert_golden

FMT_GOLDEN = GOLDEN / "fmt"
MESSY = sorted(FMT_GOLDEN.glob("*.messy"))
SPECS = sorted(EXAMPLES.glob("*.maestro"))


def comments(text: str) -> list[str]:
    """Every comment, found by the grammar's own lexer (independent of fmt)."""
    return [str(t).rstrip() for t in get_parser().lex(text, dont_ignore=True) if t.type == "COMMENT"]


def request(text: str) -> dict | None:
    return compile_text(text, require_values=False).request


def assert_safe(source: str) -> str:
    """The properties fmt promises, for one input; returns the formatted text."""
    once = format_text(source)
    assert once.text is not None, once.diagnostics
    assert format_text(once.text).text == once.text, "fmt is not idempotent"
    assert request(once.text) == request(source), "fmt changed the compiled request"
    assert comments(once.text) == comments(source), "fmt lost, changed or reordered a comment"
    assert once.text == "" or once.text.endswith("\n") and not once.text.endswith("\n\n")
    spaces = [str(t) for t in get_parser().lex(once.text, dont_ignore=True) if t.type == "WS"]
    assert all(s.count("\n") <= 2 for s in spaces), "a run of blank lines outside strings"
    return once.text


# ---------------------------------------------------------------- golden


def test_there_are_messy_inputs():
    assert len(MESSY) >= 5


@pytest.mark.parametrize("messy", MESSY, ids=lambda p: p.stem)
def test_messy_input_formats_to_golden(messy):
    text = assert_safe(messy.read_text(encoding="utf-8"))
    assert_golden(text, messy.with_suffix(".maestro"))


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_formatting_each_example_is_safe(spec):
    assert_safe(spec.read_text(encoding="utf-8"))


def test_golden_outputs_are_fixed_points():
    for expected in FMT_GOLDEN.glob("*.maestro"):
        text = expected.read_text(encoding="utf-8")
        assert format_text(text).text == text, expected.name


# ------------------------------------------------------------- specifics


def test_triple_quoted_string_is_reindented_without_changing_its_value():
    source = 'input """\n\t\tfirst\n\t\t  second\n\n\t\tthird\n\t\t"""\n'
    text = assert_safe(source)
    assert text == 'input """\n    first\n      second\n\n    third\n    """\n'


def test_triple_quoted_string_stays_triple_quoted():
    text = assert_safe('input """short"""\nrequirement "a" """\n  b\n  """\n')
    assert text.count('"""') == 4
    assert compile_text(text).spec.statements[0].value.triple


def test_end_of_line_comments_in_a_run_share_a_column():
    text = assert_safe('param a = "x" # one\nparam long_name # two\ninput "{{a}} {{long_name}}"\n')
    first, second = text.splitlines()[:2]
    assert first.index("#") == second.index("#") == len("param long_name") + 2


def test_a_blank_line_run_collapses_to_one_and_edges_are_trimmed():
    assert assert_safe('\n\n\ninput "a"\n\n\n\nbudget low\n\n\n') == 'input "a"\n\nbudget low\n'


def test_long_lists_break_one_item_a_line_with_a_trailing_comma():
    urls = ", ".join(f'"site{i}.example.com"' for i in range(6))
    text = assert_safe(f"tool web_search {{ urls [{urls}] }}")
    assert all(len(line) <= WIDTH for line in text.splitlines())
    assert text.splitlines()[2] == '        "site0.example.com",'


def test_a_requirement_that_does_not_fit_puts_its_description_below():
    long = "word " * 20
    text = assert_safe(f'requirement "n" mandatory "{long.strip()}"')
    assert text.splitlines()[0] == 'requirement "n" mandatory'
    assert text.splitlines()[1].startswith('    "word')


def test_empty_and_comment_only_files():
    assert assert_safe("") == ""
    assert assert_safe("  \n\n") == ""
    assert assert_safe("   # only a comment   \n") == "# only a comment\n"


def test_syntax_error_is_refused_with_diagnostics():
    result = format_text('input "unterminated\nbudget low\n')
    assert result.text is None
    assert [d.code for d in result.diagnostics] == ["E002"]


def test_bad_escape_is_refused():
    result = format_text('input "a \\q b"\n')
    assert result.text is None and result.diagnostics[0].code == "E004"


def test_semantic_errors_do_not_stop_fmt():
    # budget hihg is an API error, not a syntax error: still formatted.
    assert assert_safe('budget   hihg\ninput  "x"') == 'budget hihg\ninput "x"\n'


# ------------------------------------------------------ generated specs

_PIECES = list("abc xyz.,;:!?'#{}") + ["é", "東", "{{", "}}", '\\"', "\\\\", "\\n", "\\u00e9", "\t"]
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=20).map("".join)
_NAMES = st.sampled_from(["user", "assistant", "low", "french", "web_search", "jamba-large", "x.y-z", "_p1"])
_COMMENT = st.text(alphabet=st.sampled_from(list('abc "#{}\\') + ["é"]), max_size=15).map(lambda s: "#" + s)


@st.composite
def _separator(draw) -> str:
    kind = draw(st.sampled_from(["space", "spaces", "newline", "blank", "tab", "trailing", "own-line"]))
    return {
        "space": " ",
        "spaces": "   ",
        "newline": "\n",
        "blank": "\n\n\n",
        "tab": "\t",
        "trailing": f" {draw(_COMMENT)}\n",
        "own-line": f"\n  {draw(_COMMENT)}\n ",
    }[kind]


@st.composite
def _short_string(draw) -> str:
    return '"' + draw(_TEXT) + '"'


@st.composite
def _long_string(draw) -> str:
    lines = draw(st.lists(st.tuples(st.sampled_from(["", " ", "    ", "\t", "        "]), _TEXT), min_size=1, max_size=4))
    body = "\n".join(indent + text for indent, text in lines)
    opening = draw(st.sampled_from(["\n", "", "\n\n"]))
    closing = draw(st.sampled_from(["\n", "\n    ", "", "\n\t"]))
    raw = opening + body + closing
    if raw.endswith('"') or raw.endswith("\\"):
        raw += " "
    return '"""' + raw + '"""'


_STRING = st.one_of(_short_string(), _long_string())


@st.composite
def _statement(draw) -> list[str]:
    kind = draw(st.sampled_from(["input", "messages", "requirement", "tool", "tool2", "model", "budget", "include", "language", "param", "system_prompt", "output_type"]))
    if kind == "system_prompt":
        return ["system_prompt", draw(_STRING)]
    if kind == "output_type":
        return ["output_type", *draw(_block())]
    if kind == "tool2":  # today's tools: a label, values of every kind, parameter rows
        head = ["tool", draw(st.sampled_from(L.TOOL_TYPES))]
        if draw(st.booleans()):
            head.append(draw(st.one_of(_NAMES, _short_string())))
        rows = []
        for key in draw(st.lists(st.sampled_from(["url", "headers", "rephrase_query", "max_neighbors", "labels_filter", "mode"]), max_size=3)):
            rows += [key, *draw(_value())]
        for _ in range(draw(st.integers(0, 2))):
            rows += ["parameter", draw(st.one_of(_NAMES, _short_string())), draw(st.sampled_from(L.PARAMETER_TYPES)), draw(_short_string())]
            if draw(st.booleans()):
                rows.append("required")
        return [*head, "{", *rows, "}"]
    if kind == "input":
        return ["input", draw(_STRING)]
    if kind == "messages":
        rows = draw(st.lists(st.tuples(_NAMES, _STRING), max_size=3))
        return ["input", "{", *[t for row in rows for t in row], "}"]
    if kind == "requirement":
        return ["requirement", draw(_STRING), *(["mandatory"] if draw(st.booleans()) else []), draw(_STRING)]
    if kind == "tool":
        head = ["tool", draw(st.sampled_from(L.TOOL_TYPES))]
        if draw(st.booleans()):
            return head
        fields = []
        for key in draw(st.lists(st.sampled_from(["urls", "labels", "file_ids"]), max_size=2)):
            items = draw(st.lists(_STRING, max_size=4))
            listed = [t for item in items for t in (item, ",")]
            if listed and draw(st.booleans()):
                listed.pop()  # no trailing comma
            fields += [key, "[", *listed, "]"]
        return [*head, "{", *fields, "}"]
    if kind in ("model", "include"):
        values = draw(st.lists(st.one_of(_NAMES, _short_string()) if kind == "model" else _NAMES, min_size=1, max_size=3))
        return [kind, *[t for v in values for t in (",", v)][1:]]
    if kind == "param":
        name = draw(st.sampled_from(["a", "b", "tone"]))
        return ["param", name, *(["=", draw(_STRING)] if draw(st.booleans()) else [])]
    return [kind, draw(_NAMES)]


_SCALAR_TOKENS = st.one_of(_short_string(), st.sampled_from(["true", "false", "null", "0", "-1.5", "2e3", "OR", "add_neighbors"]))


@st.composite
def _value(draw, depth: int = 0) -> list[str]:
    kind = draw(st.sampled_from(["scalar", "list", "block"] if depth < 2 else ["scalar"]))
    if kind == "scalar":
        return [draw(_SCALAR_TOKENS)]
    if kind == "list":
        items = [draw(_value(depth + 1)) for _ in range(draw(st.integers(0, 3)))]
        listed = [t for item in items for t in (*item, ",")]
        if listed and draw(st.booleans()):
            listed.pop()
        return ["[", *listed, "]"]
    return draw(_block(depth + 1))


@st.composite
def _block(draw, depth: int = 0) -> list[str]:
    """{ key value ... }, keys bare or quoted, with JSON's optional ':' and ','."""
    tokens = ["{"]
    keys = draw(st.lists(st.sampled_from(["type", "required", "a", "b-c", '"$ref"', '"x y"']), max_size=3, unique=True))
    for k, key in enumerate(keys):
        tokens.append(key)
        if draw(st.booleans()):
            tokens.append(":")
        tokens += draw(_value(depth + 1))
        if k < len(keys) - 1 and draw(st.booleans()):
            tokens.append(",")
    return [*tokens, "}"]


@st.composite
def messy_specs(draw) -> str:
    tokens = [t for s in draw(st.lists(_statement(), max_size=6)) for t in s]
    out = draw(st.sampled_from(["", "\n", "# head\n\n"]))
    for t in tokens:
        out += t + draw(_separator())
    return out


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messy_specs())
def test_generated_specs_keep_meaning_comments_and_reach_a_fixed_point(source):
    assert_safe(source)


# ------------------------------------------------------------------- CLI


@pytest.fixture
def runner():
    return CliRunner()


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_cli_rewrites_in_place_and_reports(runner, tmp_path):
    path = _write(tmp_path, "a.maestro", "input   'x'\n".replace("'x'", '"x"'))
    result = runner.invoke(main, ["fmt", str(path)])
    assert result.exit_code == 0, result.output
    assert path.read_text() == 'input "x"\n'
    assert f"reformatted {path}" in result.stderr
    again = runner.invoke(main, ["fmt", str(path)])
    assert again.exit_code == 0 and "1 file unchanged" in again.stderr


def test_cli_check_exits_1_and_changes_nothing(runner, tmp_path):
    messy = _write(tmp_path, "messy.maestro", "budget    low\n")
    clean = _write(tmp_path, "clean.maestro", "budget low\n")
    result = runner.invoke(main, ["fmt", "--check", str(messy), str(clean)])
    assert result.exit_code == 1
    assert messy.read_text() == "budget    low\n"
    assert f"would reformat {messy}" in result.stderr and str(clean) not in result.stderr.replace("1 file unchanged", "")
    assert runner.invoke(main, ["fmt", "--check", str(clean)]).exit_code == 0


def test_cli_diff_shows_a_unified_diff_and_changes_nothing(runner, tmp_path):
    path = _write(tmp_path, "a.maestro", "budget    low\n")
    result = runner.invoke(main, ["fmt", "--diff", str(path)])
    assert result.exit_code == 0
    assert f"--- {path}\n+++ {path} (formatted)\n" in result.stdout
    assert "-budget    low\n+budget low\n" in result.stdout
    assert path.read_text() == "budget    low\n"
    assert runner.invoke(main, ["fmt", "--diff", "--check", str(path)]).exit_code == 1


def test_cli_refuses_a_file_with_syntax_errors(runner, tmp_path):
    broken = 'input {\n    user "hi"\n'
    path = _write(tmp_path, "broken.maestro", broken)
    result = runner.invoke(main, ["fmt", str(path)])
    assert result.exit_code == 1
    assert path.read_text() == broken
    assert "error[E003]" in result.stderr and "not formatted" in result.stderr


def test_cli_formats_a_directory_and_stdin(runner, tmp_path):
    _write(tmp_path, "one.maestro", "budget  low\n")
    (tmp_path / "sub").mkdir()
    _write(tmp_path / "sub", "two.maestro", "budget  high\n")
    _write(tmp_path, "notes.txt", "budget  low\n")
    result = runner.invoke(main, ["fmt", str(tmp_path)])
    assert result.exit_code == 0 and "2 files reformatted" in result.stderr
    assert (tmp_path / "sub" / "two.maestro").read_text() == "budget high\n"
    assert (tmp_path / "notes.txt").read_text() == "budget  low\n"
    piped = runner.invoke(main, ["fmt", "-"], input="include   data_sources ,requirements_result")
    assert piped.exit_code == 0 and piped.stdout == "include data_sources, requirements_result\n"


def test_cli_keeps_file_permissions(runner, tmp_path):
    path = _write(tmp_path, "a.maestro", "budget  low\n")
    path.chmod(0o640)
    assert runner.invoke(main, ["fmt", str(path)]).exit_code == 0
    assert path.stat().st_mode & 0o777 == 0o640


def test_cli_missing_file_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(main, ["fmt", str(tmp_path / "nope.maestro")])
    assert result.exit_code == 2 and "no such file" in result.stderr


# -------------------------------------------------------------- init, hooks


def test_init_writes_a_starter_that_compiles_cleanly_and_is_formatted(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["init"])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "main.maestro").read_text()
    assert compile_text(text).diagnostics == []
    assert format_text(text).text == text
    assert text.count("\n#") >= 8, "the starter explains itself"
    for budget in L.BUDGETS:
        assert budget in text


def test_init_takes_a_name_and_never_overwrites(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert runner.invoke(main, ["init", "invoice"]).exit_code == 0
    assert (tmp_path / "invoice.maestro").exists()
    (tmp_path / "invoice.maestro").write_text("mine\n")
    result = runner.invoke(main, ["init", "invoice.maestro"])
    assert result.exit_code == 2 and "already exists" in result.stderr
    assert (tmp_path / "invoice.maestro").read_text() == "mine\n"


def test_pre_commit_hooks_run_fmt_check_and_check_on_maestro_files():
    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    hooks = re.findall(r"- id: (\S+)\n((?:  .*\n)+)", text)
    entries = {hook: re.search(r"entry: (.+)", body).group(1) for hook, body in hooks}
    assert entries == {"maestro-fmt": "maestro fmt --check", "maestro-check": "maestro check"}
    for _, body in hooks:
        assert re.search(r"files: '?\\\.maestro\$'?", body)


def test_maestro_compile_does_not_import_the_export_or_schema_modules():
    code = (
        "import sys; from maestro_spec.cli import main\n"
        "try: main(['compile', 'examples/invoice.maestro'])\n"
        "except SystemExit: pass\n"
        "heavy = ('maestro_spec.compiler.exports', 'maestro_spec.compiler.fmt', 'pydantic', 'httpx', 'rich', 'starlette', 'uvicorn')\n"
        "bad = [m for m in heavy if m in sys.modules]\n"
        "print(bad, file=sys.stderr); sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env={**os.environ}, timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_layout_shown_in_the_docs_is_what_fmt_produces():
    doc = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
    sample = doc.split("### The canonical layout\n\n```\n", 1)[1].split("```", 1)[0]
    assert format_text(sample).text == sample


def test_one_cached_parser_whose_parse_also_gives_the_comments():
    assert get_parser() is get_parser()
    text = "# a\ninput \"# not one\" # b\nbudget low\n"
    tree, found = parse_tree(text, comments=True)
    assert [str(t) for t in found] == ["# a", "# b"]
    assert [t.start_pos for t in found] == [0, text.index("# b")]
    # (the generated parser's Tree has no scan_values: its tokens, read by hand)
    tokens = {str(c) for subtree in tree.iter_subtrees() for c in subtree.children if hasattr(c, "type")}
    assert "low" in tokens and "budget" not in tokens
    assert parse_tree("budget low # x\n", comments=True)[1] == ["# x"]
    assert parse_tree(text)[1] == []


def test_fmt_parses_the_source_once_and_its_output_once(monkeypatch):
    from maestro_spec import grammar

    calls = []
    real = grammar.get_parser().parse
    monkeypatch.setattr(grammar._spec_parser(), "parse", lambda text, *a, **k: calls.append(text) or real(text, *a, **k))
    source = "budget   low # why\ninput  \"x\"\n"
    text = format_text(source).text
    assert calls == [source, text]


def test_the_printer_has_a_method_for_every_statement_and_value_kind():
    import typing

    from maestro_spec.compiler import ast
    from maestro_spec.compiler.fmtprinter import SpecPrinter

    kinds = [*typing.get_args(ast.Statement), *typing.get_args(ast.Value), ast.Spec, ast.Parameter]
    missing = [k.__name__ for k in kinds if not hasattr(SpecPrinter, ast._snake(k.__name__) + "_node")]
    assert missing == []
