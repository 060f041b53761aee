"""maestro compile --emit curl|python|http: each form, run for real against the
local server, creates a run; none of them ever holds the key."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from maestro_spec.cli import main
from maestro_spec.compiler import limits as L
from maestro_spec.compiler.pipeline import compile_text
from maestro_spec.transport import DEFAULT_BASE_URL, BaseURLError, check_base_url
from maestro_spec.compiler.credentials import REDACTED, redact_request
from maestro_spec.compiler.exports import render_export, to_curl, to_http, to_python
from maestro_spec.compiler.sources import compile_path

from .conftest import EXAMPLES, ROOT
from .test_decompile import valid_bodies

KEY = "sk-test-5f1e0c9a-never-print-me"
SPECS = sorted(EXAMPLES.glob("*.maestro"))
INVOICE = EXAMPLES / "invoice.maestro"


def _emit(kind: str, spec: Path, *extra: str) -> str:
    result = CliRunner().invoke(main, ["compile", str(spec), "--emit", kind, *extra], env={"AI21_API_KEY": KEY})
    assert result.exit_code == 0, result.output
    assert KEY not in result.stdout and KEY not in result.stderr
    return result.stdout


def _body(spec: Path) -> dict:
    return compile_text(spec.read_text(encoding="utf-8"), require_values=False).request


@pytest.fixture(scope="module")
def server():
    from maestro_spec.server.config import ServerConfig
    from maestro_spec.server.embedded import LocalServer

    with LocalServer(ServerConfig(run_seconds=0.1, require_key=KEY)) as s:
        yield s


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AI21_")}
    return {**env, "AI21_API_KEY": KEY}


# --------------------------------------------------------------- for real


def test_curl_command_creates_a_run_on_the_local_server(server, tmp_path):
    if shutil.which("curl") is None:
        pytest.skip("no curl binary on this machine: the emitted command cannot be run")
    script = _emit("curl", INVOICE, "--base-url", server.base_url)
    done = subprocess.run(["sh", "-c", script], env=_env(), capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    run = json.loads(done.stdout)
    assert run["status"] in L.RUN_STATUSES and run["id"]
    # The command in the comment reads it back.
    read = re.search(r"read it with: (.+)", script).group(1).replace("RUN_ID", run["id"])
    again = subprocess.run(["sh", "-c", read], env=_env(), capture_output=True, text=True, timeout=30)
    assert json.loads(again.stdout)["id"] == run["id"]


def test_curl_without_the_key_is_refused_by_the_server(server):
    if shutil.which("curl") is None:
        pytest.skip("no curl binary on this machine")
    script = _emit("curl", INVOICE, "--base-url", server.base_url)
    env = {**_env(), "AI21_API_KEY": "wrong"}
    done = subprocess.run(["sh", "-c", script], env=env, capture_output=True, text=True, timeout=30)
    assert json.loads(done.stdout)["detail"] == "invalid API key"


def test_python_snippet_runs_with_the_official_sdk(server, tmp_path):
    pytest.importorskip("ai21", reason="the official SDK is in the dev extra")
    snippet = tmp_path / "run.py"
    snippet.write_text(_emit("python", EXAMPLES / "geography-chat.maestro", "--base-url", server.base_url))
    done = subprocess.run([sys.executable, str(snippet)], env=_env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "completed"


def test_python_snippet_takes_the_host_from_the_sdk_environment(server, tmp_path):
    pytest.importorskip("ai21", reason="the official SDK is in the dev extra")
    snippet = _emit("python", INVOICE)
    assert "api_host" not in snippet  # the default: the SDK's own, or AI21_API_HOST
    done = subprocess.run([sys.executable, "-c", snippet], env={**_env(), "AI21_API_HOST": server.base_url}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("completed\n")


def test_raw_http_request_is_answered_by_the_local_server(server):
    text = _emit("http", INVOICE, "--base-url", server.base_url)
    head, body = text.split("\n\n", 1)
    wire = (head.replace("$AI21_API_KEY", KEY).replace("\n", "\r\n") + "\r\n\r\n").encode() + body.rstrip("\n").encode()
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(wire)
        reply = b""
        while b"\r\n\r\n" not in reply or len(reply.split(b"\r\n\r\n", 1)[1]) < _length(reply):
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
    status_line, rest = reply.split(b"\r\n", 1)
    assert status_line.split()[1] == b"200", reply
    assert json.loads(rest.split(b"\r\n\r\n", 1)[1])["status"] in L.RUN_STATUSES


def _length(reply: bytes) -> int:
    m = re.search(rb"content-length: (\d+)", reply, re.I)
    return int(m.group(1)) if m else 0


# ------------------------------------------------------- exact and key-free


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_every_form_carries_exactly_the_compiled_body(spec):
    body = redact_request(_body(spec))  # header values are left out of every form
    assert _curl_body(to_curl(body)) == body
    assert _python_body(to_python(body)) == body
    assert _http_body(to_http(body)) == body


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_bodies())
def test_generated_bodies_survive_every_form(body):
    # Header values are credentials: every form leaves them out.
    body = redact_request(body)
    assert _python_body(to_python(body)) == body
    assert _http_body(to_http(body)) == body
    # The shell must pass the here-document through untouched: $, `, \ and
    # quotes included. A stand-in curl prints what it would send.
    script = "curl() { cat; }\n" + to_curl(body)
    done = subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=30, env={"PATH": os.environ["PATH"]})
    assert json.loads(done.stdout) == body


def test_the_key_is_referenced_never_inlined():
    body = _body(INVOICE)
    curl, python, http = (render_export(k, body) for k in ("curl", "python", "http"))
    assert '-H "Authorization: Bearer $AI21_API_KEY"' in curl  # double quotes: the shell expands it
    assert 'api_key=os.environ["AI21_API_KEY"]' in python
    assert "Authorization: Bearer $AI21_API_KEY\n" in http


def test_no_form_shows_the_key_from_the_environment():
    for kind in ("json", "curl", "python", "http"):
        _emit(kind, INVOICE)  # asserts the key is absent


def test_default_base_url_is_the_cloud():
    assert to_curl({"input": "x"}).count(f"{DEFAULT_BASE_URL}/maestro/runs") == 2
    assert to_http({"input": "x"}).startswith("POST /studio/v1/maestro/runs HTTP/1.1\nHost: api.ai21.com\n")


@pytest.mark.parametrize(
    "url",
    ["http://example.com/studio/v1", "http://10.0.0.5:8021/studio/v1", "ftp://127.0.0.1/x", "not a url", "https://h/x?q=1"],
)
def test_unsafe_or_malformed_base_urls_are_refused(url):
    with pytest.raises(BaseURLError):
        check_base_url(url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8021/studio/v1/", "http://localhost:1/x", "http://[::1]:8021/studio/v1", "https://proxy.example.com/v1"])
def test_https_and_loopback_base_urls_are_accepted(url):
    assert check_base_url(url) == url.rstrip("/")


def test_ipv6_loopback_host_header_is_bracketed():
    assert "\nHost: [::1]:8021\n" in to_http({"input": "x"}, "http://[::1]:8021/studio/v1")


def test_cli_refuses_plain_http_to_another_host_in_one_line():
    result = CliRunner().invoke(main, ["compile", str(INVOICE), "--emit", "curl", "--base-url", "http://example.com"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "unencrypted" in result.stderr


def test_base_url_without_an_export_is_a_usage_error():
    result = CliRunner().invoke(main, ["compile", str(INVOICE), "--base-url", "https://x.example.com"])
    assert result.exit_code == 2 and "--base-url goes with --emit" in result.stderr


def test_a_spec_with_errors_exports_nothing(tmp_path):
    bad = tmp_path / "bad.maestro"
    bad.write_text('input "x"\nbudget hihg\n')
    result = CliRunner().invoke(main, ["compile", str(bad), "--emit", "curl"])
    assert result.exit_code == 1 and result.stdout == ""


def test_emit_writes_to_output_file(tmp_path):
    out = tmp_path / "run.sh"
    result = CliRunner().invoke(main, ["compile", str(INVOICE), "--emit", "curl", "-o", str(out)])
    assert result.exit_code == 0
    assert _curl_body(out.read_text()) == _body(INVOICE)


# ----------------------------------------------------------------- parsing


def _curl_body(script: str) -> dict:
    return json.loads(script.split("<<'JSON'\n", 1)[1].rsplit("\nJSON\n", 1)[0])


def _python_body(snippet: str) -> dict:
    tree = ast.parse(snippet)
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "create_and_poll")
    return {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}


def _http_body(text: str) -> dict:
    head, body = text.split("\n\n", 1)
    length = int(re.search(r"^Content-Length: (\d+)$", head, re.M).group(1))
    data = body.encode("utf-8")
    assert len(data.rstrip(b"\n")) == length
    return json.loads(data[:length])


# ------------------------------------------------------ tool credentials


def _github(monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "tok-from-env-123")
    source = compile_path(str(ROOT / "examples" / "github-mcp.maestro"), None, require_values=True)
    return source.compiled


def test_an_env_credential_is_exported_as_a_reference(monkeypatch):
    compiled = _github(monkeypatch)
    curl, python, http = (render_export(k, compiled.request, None, compiled.secrets) for k in ("curl", "python", "http"))
    for text in (curl, python, http):
        assert "tok-from-env-123" not in text
    assert '"Authorization": "Bearer ${GITHUB_TOKEN}"' in curl and "<<JSON" in curl
    assert '"Bearer " + os.environ["GITHUB_TOKEN"]' in python
    assert "${GITHUB_TOKEN}" in http


def test_the_exported_curl_expands_the_reference_and_nothing_else(monkeypatch):
    compiled = _github(monkeypatch)
    script = "curl() { cat; }\n" + render_export("curl", compiled.request, None, compiled.secrets)
    # The shell inserts the value as it is: $ and ` in it stay literal.
    env = {"PATH": os.environ["PATH"], "GITHUB_TOKEN": "t$k`x", "HOME": "/nonexistent"}
    done = subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=30, env=env)
    sent = json.loads(done.stdout)
    assert sent["tools"][0]["headers"]["Authorization"] == "Bearer t$k`x"
    assert {k: v for k, v in sent.items() if k != "tools"} == {k: v for k, v in compiled.request.items() if k != "tools"}


def test_the_exported_python_reads_the_variable(monkeypatch):
    compiled = _github(monkeypatch)
    snippet = render_export("python", compiled.request, None, compiled.secrets)
    kwargs = snippet.split("create_and_poll(\n", 1)[1].split(")\nprint", 1)[0]
    namespace = {"os": os}
    monkeypatch.setenv("GITHUB_TOKEN", "from-python")
    exec("body = dict(\n" + kwargs + ")", namespace)
    assert namespace["body"]["tools"][0]["headers"]["Authorization"] == "Bearer from-python"


def test_a_literal_credential_is_left_out_with_a_note():
    body = {"input": "x", "tools": [{"type": "mcp", "server_label": "a", "server_url": "https://a.example.com", "headers": {"X-Key": "literal-secret"}}]}
    for kind in ("curl", "python", "http"):
        text = render_export(kind, body)
        assert "literal-secret" not in text and REDACTED in text
        assert "1 header value is left out" in text
