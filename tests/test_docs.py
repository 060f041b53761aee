"""The docs describe what the code does: every diagnostic code is documented,
and the README's commands are the ones CI runs."""

from __future__ import annotations

import re

from maestro_spec.compiler.diagnostics import CODES

from .conftest import ROOT


def test_every_diagnostic_code_is_in_the_language_reference():
    doc = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| ([EW]\d{3}) \| (error|warning) \|", doc, re.M))
    declared = {(code, severity) for code, (severity, _) in CODES.items()}
    assert declared - documented == set(), "codes missing from docs/language.md"
    assert documented - declared == set(), "docs/language.md lists codes the compiler does not have"


def _setup_blocks() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    setup = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    return [b.strip() for b in re.findall(r"```(?:sh|bash|console)?\n(.*?)```", setup, re.S)]


def test_ci_runs_the_readme_test_command():
    setup, test_command = _setup_blocks()  # exactly two set-up commands
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command == "python -m pytest"
    assert test_command in ci, f"CI must run the README's test command: {test_command!r}"
    # The same install, into a fresh virtual environment per Python.
    assert "&& pip install -e '.[dev]' && " in setup and "-m pip install --quiet --disable-pip-version-check -e '.[dev]'" in ci
    assert "-m venv" in ci and "3.11 3.12 3.13" in ci


def test_readme_sets_up_a_virtual_environment_first():
    setup, _ = _setup_blocks()
    assert setup.startswith("python3 -m venv .venv && . .venv/bin/activate && pip install")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "externally-managed-environment" in readme and "optional" not in readme.split("## A spec")[0]
