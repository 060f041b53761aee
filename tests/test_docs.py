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


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", readme, re.S)
    assert len(blocks) >= 2, "README opens with two set-up commands"
    test_command = blocks[1].strip()
    assert test_command in ci, f"CI must run the README's test command: {test_command!r}"
