"""Golden files by stage, in python-hcl2's style: each stage has a folder under
tests/golden/, and a stage's input and output are paired by file stem.

    examples/<stem>.maestro  --compile-->    spec_to_json/<stem>.json
    spec_to_json/<stem>.json --decompile-->  json_to_spec/<stem>.maestro
    json_to_spec/<stem>.maestro --compile--> spec_to_json/<stem>.json (the round trip)

    examples/errors/<name>   --check-->      diagnostics/<name>.txt
    fmt/<stem>.messy         --fmt-->        fmt/<stem>.maestro (tests/test_fmt.py)

Each stage reads the previous stage's golden, not its fresh output, so a
failure names the one stage that changed. MAESTRO_UPDATE_GOLDEN=1 rewrites the
goldens instead of comparing (tests/golden/README.md); nothing sets it in CI.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from maestro_spec.cli import main
from maestro_spec.compiler.credentials import redact_request
from maestro_spec.compiler.sources import compile_path
from maestro_spec.compiler.params import load_vars
from maestro_spec.varargs import parse_var_args
from maestro_spec.compiler.report import render

from .conftest import EXAMPLES, GOLDEN, UPDATE_GOLDEN, assert_golden

SPEC_TO_JSON = GOLDEN / "spec_to_json"
JSON_TO_SPEC = GOLDEN / "json_to_spec"
DIAGNOSTICS = GOLDEN / "diagnostics"

# Examples whose params need values, as a user would pass them.
EXAMPLE_VARS = {
    "summarize-document": dict(var_args=parse_var_args(["document=@examples/data/lease.txt", "tone=formal"])),
    "support-reply": dict(var_files=["examples/data/ticket.json"]),
}

# Credentials the tool examples read from the environment ({{env.NAME}}).
EXAMPLE_ENV = {"GITHUB_TOKEN": "test-github-token", "WEATHER_API_KEY": "test-weather-key"}

SPECS = sorted(EXAMPLES.glob("*.maestro"))
ERRORS = sorted((EXAMPLES / "errors").glob("*.*"))


def _by_stem(spec) -> str:
    return spec.stem


def test_there_are_enough_examples():
    assert len(SPECS) >= 6
    assert len(ERRORS) >= 6


@pytest.mark.parametrize("stage", [SPEC_TO_JSON, JSON_TO_SPEC])
def test_every_stage_golden_belongs_to_an_example(stage):
    """A golden whose example was renamed or deleted would otherwise be kept
    and never compared."""
    if UPDATE_GOLDEN:
        pytest.skip("goldens are being rewritten")
    orphans = sorted(p.name for p in stage.iterdir() if p.stem not in {s.stem for s in SPECS})
    assert orphans == [], f"no examples/<stem>.maestro for these goldens in {stage.name}/"


# ------------------------------------------------------------------ spec -> JSON


@pytest.mark.parametrize("spec", SPECS, ids=_by_stem)
def test_example_compiles_to_its_json_golden(spec, in_repo, monkeypatch):
    for name, value in EXAMPLE_ENV.items():
        monkeypatch.setenv(name, value)
    vars = load_vars(**EXAMPLE_VARS.get(spec.stem, {}))
    source = compile_path(f"examples/{spec.name}", vars, require_values=True)
    assert source.compiled.diagnostics == [], render("text", source.path, source.compiled.diagnostics, source.text)
    assert "tool_resources" not in source.compiled.request
    # Header values are credentials: the golden shows them as compile -o does.
    actual = json.dumps(redact_request(source.compiled.request), indent=2, ensure_ascii=False) + "\n"
    assert all(v not in actual for v in EXAMPLE_ENV.values())
    assert_golden(actual, SPEC_TO_JSON / f"{spec.stem}.json")


# ------------------------------------------------------------------ JSON -> decompiled spec


@pytest.mark.parametrize("spec", SPECS, ids=_by_stem)
def test_json_golden_decompiles_to_its_spec_golden(spec):
    body = SPEC_TO_JSON / f"{spec.stem}.json"
    result = CliRunner().invoke(main, ["decompile", str(body)])
    assert result.exit_code == 0, result.stderr
    assert_golden(result.stdout, JSON_TO_SPEC / f"{spec.stem}.maestro")


# ------------------------------------------------------------------ the round trip


@pytest.mark.parametrize("spec", SPECS, ids=_by_stem)
def test_decompiled_spec_compiles_back_to_the_json_golden(spec, monkeypatch):
    for name in EXAMPLE_ENV:  # the decompiled spec holds values, not {{env.NAME}}
        monkeypatch.delenv(name, raising=False)
    source = compile_path(str(JSON_TO_SPEC / f"{spec.stem}.maestro"), None, require_values=True)
    assert source.compiled.diagnostics == [], render("text", source.path, source.compiled.diagnostics, source.text)
    assert source.compiled.request == json.loads((SPEC_TO_JSON / f"{spec.stem}.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------ error example -> diagnostics


@pytest.mark.parametrize("path", ERRORS, ids=lambda p: p.name)
def test_error_example_diagnostics_match_golden(path, in_repo):
    source = compile_path(f"examples/errors/{path.name}", None, require_values=False)
    diagnostics = source.compiled.diagnostics
    assert any(d.is_error for d in diagnostics), "an error example must show at least one error"
    assert_golden(render("text", source.path, diagnostics, source.text) + "\n", DIAGNOSTICS / f"{path.name}.txt")


def test_json_format_golden(in_repo):
    source = compile_path("examples/errors/invalid-body.json", None, require_values=False)
    assert_golden(render("json", source.path, source.compiled.diagnostics) + "\n", DIAGNOSTICS / "invalid-body.json.jsonl")


def test_github_format_golden(in_repo):
    source = compile_path("examples/errors/enum-typos.maestro", None, require_values=False)
    assert_golden(render("github", source.path, source.compiled.diagnostics) + "\n", DIAGNOSTICS / "enum-typos.github.txt")


@pytest.mark.parametrize("spec", SPECS, ids=_by_stem)
def test_examples_are_in_canonical_format(spec):
    from maestro_spec.compiler.fmt import format_text

    formatted = format_text(spec.read_text(encoding="utf-8"))
    assert not formatted.changed, f"run: maestro fmt examples/{spec.name}"
