"""`maestro run` as a real process: Ctrl-C mid-poll then `runs attach`; the key never leaks."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .runtime_support import FAST, SPEC_OK, closed_port, invoke, records, runs_created, server, write_spec


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("MAESTRO_HOME", str(home))
    return home


def spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "maestro_spec.cli", *args],
        env={**os.environ, "NO_COLOR": "1", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_run_id(home: Path, timeout: float = 15.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for record in records(home) if (home / "runs").is_dir() else []:
            if record.get("run_id"):
                return record["run_id"]
        time.sleep(0.02)
    raise AssertionError("the run was never recorded with an id")


def stop_mid_poll(spec, s, home, sig):
    """`maestro run SPEC` against server s, sent `sig` a few polls in: (proc, run id, stdout, stderr)."""
    proc = spawn(["run", spec, "--base-url", s.base_url, "--poll-interval", "0.1"], {"MAESTRO_HOME": str(home)})
    try:
        run_id = wait_for_run_id(home)
        time.sleep(0.3)  # a few polls in
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=15)
    finally:
        proc.kill()
    return proc, run_id, out, err


def test_ctrl_c_mid_poll_then_attach(tmp_path, home):
    spec = write_spec(tmp_path, "a.maestro")
    with server(run_seconds=2.0) as s:
        proc, run_id, out, err = stop_mid_poll(spec, s, home, signal.SIGINT)
        assert proc.returncode == 130, err
        assert f"interrupted: run {run_id} keeps going on the server" in err
        assert f"maestro runs attach {run_id}" in err
        assert "Traceback" not in err and out == ""
        [record] = records(home)
        assert record["status"] == "in_progress" and record["error"].startswith("interrupted")
        assert record["polls"] >= 1

        attached = invoke(["runs", "attach", run_id[:12], *FAST])
        assert attached.exit_code == 0, attached.stderr
        assert f"run {run_id} · completed" in attached.stdout
        assert runs_created(s) == 1  # attaching created nothing new
    [record] = records(home)
    assert record["status"] == "completed" and record["error"] is None and record["finished_at"]


# ------------------------------------------------------------------ the key stays secret


class _EchoHandler(BaseHTTPRequestHandler):
    """A careless server that puts the Authorization header in its error text."""

    def _answer(self):
        auth = self.headers.get("Authorization", "")
        status = 422 if self.command == "POST" else 500
        body = json.dumps({"detail": f"cannot accept this request from {auth}"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def echo_server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _EchoHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/studio/v1"
    httpd.shutdown()
    httpd.server_close()


def test_the_key_never_appears_in_output_records_or_errors(tmp_path, home, echo_server):
    key = "sk-maestro-test-" + secrets.token_hex(16)
    wrong = "sk-maestro-wrong-" + secrets.token_hex(16)
    spec = write_spec(tmp_path, "a.maestro")
    other = write_spec(tmp_path, "b.maestro", SPEC_OK.replace("USD", "EUR"))
    texts: list[str] = []

    def cli(args, env_key):
        result = invoke(args, {"AI21_API_KEY": env_key})
        texts.extend([result.stdout, result.stderr])
        return result

    with server(run_seconds=0.2, require_key=key) as s, server(run_seconds=0.2, require_key=key, fail_rate=0.5, seed=3) as flaky:
        base = ["--base-url", s.base_url, *FAST]
        assert cli(["run", spec, *base], key).exit_code == 0  # the key was sent and accepted
        assert cli(["run", spec, *base, "--json"], key).exit_code == 0
        assert cli(["run", spec, *base, "--timeout", "0.05"], key).exit_code == 3
        assert cli(["run", spec, *base], wrong).exit_code == 3
        assert cli(["run", spec, other, "--base-url", flaky.base_url, *FAST, "-j", "2"], key).exit_code in (0, 3)
        run_id = next(r["run_id"] for r in records(home) if r["status"] == "completed")
        assert cli(["runs", "attach", run_id, *FAST], key).exit_code == 0
    # as a real process too, interrupted mid-poll
    with server(run_seconds=30, require_key=key) as slow:
        before = {r["id"] for r in records(home)}
        proc = spawn(["run", spec, "--base-url", slow.base_url], {"MAESTRO_HOME": str(home), "AI21_API_KEY": key})
        try:
            deadline = time.monotonic() + 15
            while not [r for r in records(home) if r["id"] not in before and r["run_id"]] and time.monotonic() < deadline:
                time.sleep(0.02)
            proc.send_signal(signal.SIGINT)
            texts.extend(proc.communicate(timeout=15))
        finally:
            proc.kill()
        assert proc.returncode == 130
    left = next(r["run_id"] for r in records(home) if r["status"] == "in_progress")
    assert cli(["run", spec, "--base-url", echo_server, *FAST], key).exit_code == 1  # 422 echoing the key
    assert cli(["runs", "attach", left, "--base-url", echo_server, *FAST, "--max-retries", "0"], key).exit_code == 3  # a 500 echoing it
    assert cli(["run", spec, "--base-url", f"http://127.0.0.1:{closed_port()}/studio/v1", "--max-retries", "0"], key).exit_code == 3
    assert cli(["run", spec, "--base-url", "http://api.example.com/studio/v1"], key).exit_code == 2
    assert cli(["runs", "list"], key).exit_code == 0
    assert cli(["runs", "show", run_id, "--json"], key).exit_code == 0

    assert any("cannot accept this request from Bearer ***" in t for t in texts), "the echo reached the user, redacted"
    stored = [p.read_text(encoding="utf-8") for p in home.rglob("*") if p.is_file()]
    assert len(stored) >= 8
    for secret in (key, wrong, key[-16:], wrong[-16:]):
        assert not any(secret in t for t in texts), "the key was printed"
        assert not any(secret in t for t in stored), "the key was recorded"


# ------------------------------------------------------------------ SIGTERM, and a late Ctrl-C


def test_sigterm_mid_poll_keeps_the_record_says_one_line_and_exits_143(tmp_path, home):
    spec = write_spec(tmp_path, "a.maestro")
    with server(run_seconds=5.0) as s:
        proc, run_id, out, err = stop_mid_poll(spec, s, home, signal.SIGTERM)
        assert proc.returncode == 143, err
        assert err.splitlines() == [f"terminated: run {run_id} keeps going on the server; resume with: maestro runs attach {run_id}"]
        assert out == ""
        [record] = records(home)
        assert record["run_id"] == run_id and record["status"] == "in_progress"
        assert record["error"] == f"interrupted; run {run_id} keeps going on the server"
        assert runs_created(s) == 1
    shown = invoke(["runs", "show", run_id])
    assert shown.exit_code == 0 and f"hint: resume with: maestro runs attach {run_id}" in shown.stderr


def test_sigterm_while_attached_exits_143_and_keeps_the_record(tmp_path, home):
    spec = write_spec(tmp_path, "a.maestro")
    with server(run_seconds=5.0) as s:
        assert invoke(["run", spec, "--base-url", s.base_url, "--timeout", "0.1", *FAST]).exit_code == 3
        [record] = records(home)
        proc = spawn(["runs", "attach", record["run_id"], "--poll-interval", "0.1"], {"MAESTRO_HOME": str(home)})
        try:
            time.sleep(1.5)  # started, and polling
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=15)
        finally:
            proc.kill()
    assert proc.returncode == 143, err
    assert "terminated" in err and "Traceback" not in err
    [after] = records(home)
    assert after["run_id"] == record["run_id"] and after["status"] == "in_progress"


def test_ctrl_c_right_after_the_result_is_printed_changes_nothing(tmp_path, home):
    spec = write_spec(tmp_path, "a.maestro")
    for _ in range(2):  # the local server's stop after the output is the window; twice to be sure
        proc = subprocess.Popen(
            [sys.executable, "-u", "-m", "maestro_spec.cli", "run", spec, "--local", "--poll-interval", "0.05"],
            env={**os.environ, "NO_COLOR": "1", "MAESTRO_HOME": str(home)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                line = proc.stdout.readline()
                if not line or " · completed · " in line:  # the footer: the result is out
                    break
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=15)
        finally:
            proc.kill()
        assert "Aborted!" not in err and "Traceback" not in err, err
        assert proc.returncode == 0, err


class _RunEchoHandler(BaseHTTPRequestHandler):
    """A server that creates the run at once, and puts the caller's Authorization in its result."""

    def _answer(self):
        if self.command == "POST":
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
        auth = self.headers.get("Authorization", "")
        body = json.dumps({"id": "run-echo", "status": "completed", "result": f"you sent {auth}"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET = _answer

    def log_message(self, *args):
        pass


def test_json_output_and_its_file_never_hold_an_echoed_key(tmp_path, home):
    key = "sk-maestro-echo-" + secrets.token_hex(12)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _RunEchoHandler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        spec = write_spec(tmp_path, "a.maestro")
        out = tmp_path / "run.json"
        base = f"http://127.0.0.1:{httpd.server_address[1]}/studio/v1"
        result = invoke(["run", spec, "--base-url", base, "--json", "-o", str(out), *FAST], {"AI21_API_KEY": key})
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["result"] == "you sent Bearer ***"
    for text in (result.stdout, result.stderr, out.read_text(), *(p.read_text() for p in home.rglob("*.json"))):
        assert key not in text
