"""Golden files: each example's compiled JSON, each error example's diagnostics."""

from __future__ import annotations

import json

import pytest

from maestro_spec.compiler.credentials import redact_request
from maestro_spec.compiler.sources import compile_path
from maestro_spec.compiler.params import load_vars
from maestro_spec.compiler.report import render

from .conftest import EXAMPLES, GOLDEN, assert_golden

# Examples whose params need values, as a user would pass them.
EXAMPLE_VARS = {
    "summarize-document": dict(var_args=["document=@examples/data/lease.txt", "tone=formal"]),
    "support-reply": dict(var_files=["examples/data/ticket.json"]),
}

# Credentials the tool examples read from the environment ({{env.NAME}}).
EXAMPLE_ENV = {"GITHUB_TOKEN": "test-github-token", "WEATHER_API_KEY": "test-weather-key"}

SPECS = sorted(EXAMPLES.glob("*.maestro"))
ERRORS = sorted((EXAMPLES / "errors").glob("*.*"))


def test_there_are_enough_examples():
    assert len(SPECS) >= 6
    assert len(ERRORS) >= 6


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_example_compiles_to_golden_json(spec, in_repo, monkeypatch):
    for name, value in EXAMPLE_ENV.items():
        monkeypatch.setenv(name, value)
    vars = load_vars(**EXAMPLE_VARS.get(spec.stem, {}))
    source = compile_path(f"examples/{spec.name}", vars, require_values=True)
    assert source.compiled.diagnostics == [], render("text", source.path, source.compiled.diagnostics, source.text)
    assert "tool_resources" not in source.compiled.request
    # Header values are credentials: the golden shows them as compile -o does.
    actual = json.dumps(redact_request(source.compiled.request), indent=2, ensure_ascii=False) + "\n"
    assert all(v not in actual for v in EXAMPLE_ENV.values())
    assert_golden(actual, GOLDEN / "compile" / f"{spec.stem}.json")


@pytest.mark.parametrize("path", ERRORS, ids=lambda p: p.name)
def test_error_example_diagnostics_match_golden(path, in_repo):
    source = compile_path(f"examples/errors/{path.name}", None, require_values=False)
    diagnostics = source.compiled.diagnostics
    assert any(d.is_error for d in diagnostics), "an error example must show at least one error"
    assert_golden(render("text", source.path, diagnostics, source.text) + "\n", GOLDEN / "diagnostics" / f"{path.name}.txt")


def test_json_format_golden(in_repo):
    source = compile_path("examples/errors/invalid-body.json", None, require_values=False)
    assert_golden(render("json", source.path, source.compiled.diagnostics) + "\n", GOLDEN / "diagnostics" / "invalid-body.json.jsonl")


def test_github_format_golden(in_repo):
    source = compile_path("examples/errors/enum-typos.maestro", None, require_values=False)
    assert_golden(render("github", source.path, source.compiled.diagnostics) + "\n", GOLDEN / "diagnostics" / "enum-typos.github.txt")


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_examples_are_in_canonical_format(spec):
    from maestro_spec.compiler.fmt import format_text

    formatted = format_text(spec.read_text(encoding="utf-8"))
    assert not formatted.changed, f"run: maestro fmt examples/{spec.name}"
