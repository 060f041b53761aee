"""Tool header values are credentials: {{env.NAME}} reads them, and they are
written out only when asked (compile --reveal-secrets), never by an export."""

from __future__ import annotations

import json

from click.testing import CliRunner

from maestro_spec.cli import main
from maestro_spec.compiler.pipeline import compile_text
from maestro_spec.compiler.credentials import REDACTED, redact_request, secret_values

from .conftest import EXAMPLES

SPEC = str(EXAMPLES / "github-mcp.maestro")
TOKEN = "ghp-secret-value-0042"


def compile_cli(*args, env=None):
    return CliRunner(env={"GITHUB_TOKEN": None, **(env or {})}).invoke(main, ["compile", SPEC, *args])


def test_compile_writes_header_values_redacted_and_says_so():
    result = compile_cli(env={"GITHUB_TOKEN": TOKEN})
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["tools"][0]["headers"] == {"Authorization": REDACTED}
    assert TOKEN not in result.stdout + result.stderr
    assert "1 header value written <redacted> (tools[0].headers.Authorization)" in result.stderr


def test_compile_needs_no_credential_unless_it_writes_it():
    assert compile_cli().exit_code == 0
    missing = compile_cli("--reveal-secrets")
    assert missing.exit_code == 1 and "environment variable GITHUB_TOKEN is not set" in missing.stderr


def test_reveal_secrets_writes_the_value_from_the_environment():
    result = compile_cli("--reveal-secrets", env={"GITHUB_TOKEN": TOKEN})
    assert json.loads(result.stdout)["tools"][0]["headers"] == {"Authorization": f"Bearer {TOKEN}"}


def test_exports_reference_the_variable():
    result = compile_cli("--emit", "curl", env={"GITHUB_TOKEN": TOKEN})
    assert result.exit_code == 0 and TOKEN not in result.stdout
    assert "Bearer ${GITHUB_TOKEN}" in result.stdout


def test_env_is_only_for_headers_and_a_missing_variable_is_named():
    compiled = compile_text('input "{{env.HOME}}"\n', env={"HOME": "/root"})
    assert [d.code for d in compiled.diagnostics] == ["E111"]
    spec = 'input "x"\ntool mcp gh {\n    url "https://a.example.com"\n    headers { A "{{env.NOPE_TOKEN}}" }\n}\n'
    [d] = compile_text(spec, env={}).diagnostics
    assert d.code == "E112" and "NOPE_TOKEN" in d.message and (d.span.line, d.span.column) == (4, 18)
    assert compile_text(spec, env={}, require_values=False).diagnostics == []  # check lints without values


def test_a_literal_token_in_a_spec_is_warned_about():
    spec = 'input "x"\ntool mcp gh {\n    url "https://a.example.com"\n    headers { Authorization "Bearer abcdef0123456789" }\n}\n'
    assert [d.code for d in compile_text(spec).diagnostics] == ["W113"]
    plain = spec.replace("Bearer abcdef0123456789", "application/json")
    assert compile_text(plain).diagnostics == []


def test_redaction_leaves_the_request_alone():
    request = compile_text(open(SPEC).read(), env={"GITHUB_TOKEN": TOKEN}).request
    assert secret_values(request) == [f"Bearer {TOKEN}"]
    assert TOKEN not in json.dumps(redact_request(request))
    assert request["tools"][0]["headers"]["Authorization"] == f"Bearer {TOKEN}"
