"""Every table of exit codes agrees with maestro_spec/exitcodes.py.

A code added there must get a meaning (EXIT_MEANINGS), which `maestro --help`
then lists, and a row in the README's and docs/runtime.md's tables; each
command's "Exit codes:" epilog lists only known codes, in their words (or the
command's declared rewording), and no code is written as a bare number in
the package."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from maestro_spec import exitcodes
from maestro_spec.cli import main

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "maestro_spec"

# Commands with no "Exit codes:" epilog, and why (each is a deliberate choice).
NO_TABLE = {
    "watch": "its epilog says in words: 0 on Ctrl-C, 143 on SIGTERM (commands/watch.py belongs to the watch mode)",
    "lsp": "an editor starts it; it ends when the editor does",
    "runs list": "the `runs` group's epilog lists them",
    "runs show": "the `runs` group's epilog lists them",
    "runs prune": "the `runs` group's epilog lists them",
}


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


COMMANDS = dict(_commands(main))


def _help(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(main, [*path, "--help"], prog_name="maestro", terminal_width=200)
    assert result.exit_code == exitcodes.EXIT_OK, result.output
    return result.output


def _table(help_text: str) -> dict[int, str] | None:
    """The rows under "Exit codes:", code -> meaning (continuation lines joined)."""
    if "Exit codes:" not in help_text:
        return None
    rows: dict[int, str] = {}
    last = None
    for line in help_text.split("Exit codes:\n", 1)[1].splitlines():
        m = re.fullmatch(r"\s+(\d+)\s+(.*)", line)
        if m:
            last = int(m.group(1))
            rows[last] = m.group(2).strip()
        elif line.strip() and last is not None and line.startswith(" " * 6):
            rows[last] += "\n      " + line.strip()
        else:
            break
    return rows


def test_every_exit_constant_has_a_meaning():
    names = {name: value for name, value in vars(exitcodes).items() if name.startswith("EXIT_") and isinstance(value, int)}
    assert set(names.values()) == set(exitcodes.EXIT_MEANINGS)
    assert len(set(names.values())) == len(names), "two names for one code"
    assert set(exitcodes.RUN_EXIT_CODES) <= set(exitcodes.EXIT_MEANINGS)


def test_top_level_help_lists_every_code_in_its_words():
    assert _table(_help(())) == {code: _words(code) for code in sorted(exitcodes.EXIT_MEANINGS)}


def _words(code: int) -> str:
    return exitcodes.EXIT_MEANINGS[code]


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_each_command_help_lists_known_codes(path):
    rows = _table(_help(path))
    name = " ".join(path)
    if rows is None:
        assert name in NO_TABLE, f"`maestro {name} --help` has no Exit codes: table; add one (exitcodes.exit_codes_help) or say why here"
        return
    assert name not in NO_TABLE
    assert rows, f"`maestro {name} --help`: an Exit codes: heading without rows"
    assert set(rows) <= set(exitcodes.EXIT_MEANINGS), f"`maestro {name}` lists codes exitcodes.py does not have"
    # Every command can hit a bug: cli.run() exits EXIT_INTERNAL then.
    assert exitcodes.EXIT_INTERNAL in rows
    assert list(rows) == sorted(rows, key=list(exitcodes.EXIT_MEANINGS).index), "in exitcodes.py's order"


def test_reworded_codes_are_the_declared_ones():
    """A command may word a code for itself (exit_codes_help's `meanings`); any
    other row says what EXIT_MEANINGS says."""
    reworded = set()
    for path in COMMANDS:
        for code, words in (_table(_help(path)) or {}).items():
            if words != _words(code):
                reworded.add((" ".join(path), code))
    assert reworded == {
        ("check", exitcodes.EXIT_INTERRUPTED),  # no run to keep going
        ("compile", exitcodes.EXIT_INTERRUPTED),
        ("fmt", exitcodes.EXIT_INTERRUPTED),
        ("decompile", exitcodes.EXIT_INTERRUPTED),
        ("decompile", exitcodes.EXIT_SPEC_ERRORS),
        ("fmt", exitcodes.EXIT_SPEC_ERRORS),
        ("init", exitcodes.EXIT_USAGE),
        ("serve", exitcodes.EXIT_OK),
        ("serve", exitcodes.EXIT_USAGE),
    }


def test_run_commands_list_the_run_codes():
    for name in (("run",), ("runs",), ("runs", "attach")):
        assert tuple(_table(_help(name))) == exitcodes.RUN_EXIT_CODES


def _doc_table(path: Path, heading: str) -> set[int]:
    text = path.read_text(encoding="utf-8")
    section = text.split(heading + "\n", 1)[1]
    codes, started = set(), False
    for line in section.splitlines():
        if line.startswith("|"):
            started = True
            m = re.match(r"\|\s*(\d+)\s*\|", line)
            if m:
                codes.add(int(m.group(1)))
        elif started:
            break
    return codes


@pytest.mark.parametrize(("doc", "heading"), [("README.md", "### Exit codes"), ("docs/runtime.md", "## Exit codes")])
def test_doc_tables_have_a_row_for_every_code(doc, heading):
    assert _doc_table(ROOT / doc, heading) == set(exitcodes.EXIT_MEANINGS)


def test_no_exit_code_is_a_bare_number_in_the_package():
    """sys.exit(130), SystemExit(2), click's Exit(3), `return 4` from a
    command: each is a name from exitcodes.py instead."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "exitcodes.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
                if called in ("exit", "SystemExit", "Exit", "fail") and any(
                    isinstance(a, ast.Constant) and isinstance(a.value, int) and not isinstance(a.value, bool) for a in node.args
                ):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


def test_exit_codes_written_in_prose_in_the_docs_are_known():
    """docs/authoring.md says fmt's codes in a sentence ("Exit codes: 0 done, 1 ..."):
    each number there is one of exitcodes.py's."""
    found = 0
    for doc in sorted((ROOT / "docs").glob("*.md")):
        for paragraph in doc.read_text(encoding="utf-8").split("\n\n"):
            if paragraph.startswith("Exit codes:"):
                codes = {int(n) for n in re.findall(r"(?:^Exit codes:|,)\s+`?(\d+)`?\s", paragraph)}
                assert codes and codes <= set(exitcodes.EXIT_MEANINGS), (doc.name, paragraph)
                found += 1
    assert found, "no prose list of exit codes left: drop this test"
