"""`maestro serve` over real HTTP: a subprocess on a free loopback port, driven by httpx."""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time

import httpx
import pytest

from maestro_spec.runtime.wire import Run
from maestro_spec.server import simulate
from maestro_spec.server.config import ServerConfig
from maestro_spec.server.embedded import LocalServer, ServerStartError

RUNS = "/maestro/runs"
# How a client sees a connection closed without a response.
DROPPED = (httpx.RemoteProtocolError, httpx.ReadError)
URL_RE = re.compile(r"http://(\S+):(\d+)/studio/v1")

INVOICE = {
    "input": "Extract vendor name, invoice number, total amount, and due date from the document",
    "requirements": [
        {
            "name": "field presence validation",
            "description": "Ensure all required fields are extracted and not left empty",
            "is_mandatory": True,
        },
        {
            "name": "format consistency",
            "description": "Dates must follow YYYY-MM-DD and amounts should be in USD format.",
        },
    ],
    "include": ["requirements_result"],
}
CHAT = {
    "input": [
        {"role": "user", "content": "I need help with geography."},
        {"role": "assistant", "content": "I'd be happy to help with geography questions."},
        {"role": "user", "content": "What is the capital of France?"},
    ]
}


class ServeProcess:
    """`maestro serve --port 0 ARGS` as a subprocess; the URL is read from its ready line."""

    def __init__(self, *args: str, env: dict | None = None, quiet: bool = True) -> None:
        self.args = ["serve", "--port", "0", *(["--quiet"] if quiet else []), *args]
        self.env = {**os.environ, **(env or {})}
        self.stderr = tempfile.TemporaryFile(mode="w+")
        self.lines: list[str] = []

    def __enter__(self) -> "ServeProcess":
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "maestro_spec.cli", *self.args],
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
            env=self.env,
        )
        ready, _, _ = select.select([self.proc.stdout], [], [], 20)
        line = self.proc.stdout.readline() if ready else ""
        match = URL_RE.search(line)
        if not match:
            self.__exit__()
            pytest.fail(f"no ready line from maestro serve: {line!r} {self.stderr_text()!r}")
        self.lines.append(line)
        # Always talk over loopback, whatever --host the server listens on.
        self.root_url = f"http://127.0.0.1:{match.group(2)}"
        self.base_url = self.root_url + "/studio/v1"
        self.client = httpx.Client(base_url=self.base_url, timeout=10, trust_env=False)
        return self

    def stderr_text(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read()

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def __exit__(self, *exc) -> None:
        if getattr(self, "client", None):
            self.client.close()
        if self.proc.poll() is None:
            self.stop()
        self.lines += self.proc.stdout.readlines()
        self.proc.stdout.close()


def poll(client: httpx.Client, run_id: str, timeout: float = 10.0) -> tuple[dict, list[str]]:
    """GET until the run ends; returns the final run and every status seen."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = client.get(f"{RUNS}/{run_id}")
        assert r.status_code == 200, r.text
        run = r.json()
        seen.append(run["status"])
        if run["status"] != "in_progress":
            return run, seen
        time.sleep(0.02)
    pytest.fail(f"run {run_id} still in progress after {timeout} s")


def create(client: httpx.Client, body: dict) -> dict:
    r = client.post(RUNS, json=body)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture(scope="module")
def server():
    with ServeProcess("--run-seconds", "0.2") as s:
        yield s


# ------------------------------------------------------------------ the happy path


def test_ready_line_and_health(server):
    assert URL_RE.search(server.lines[0]).group(1) == "127.0.0.1"
    r = httpx.get(server.root_url + "/health", trust_env=False)
    assert r.status_code == 200
    assert r.json()["status"] == "ok" and r.json()["simulation"] is True


def test_create_then_poll_to_completion(server):
    started = time.monotonic()
    created = create(server.client, INVOICE)
    assert set(created) == {"id", "status", "result", "data_sources", "requirements_result", "error"}
    assert created["status"] == "in_progress" and created["result"] is None

    run, seen = poll(server.client, created["id"])
    assert time.monotonic() - started >= 0.2
    assert seen[0] == "in_progress" and seen[-1] == "completed"
    Run.model_validate(run)
    assert run["id"] == created["id"]
    assert simulate.MARKER in run["result"] and "local simulation" in run["result"]
    assert INVOICE["input"] in run["result"]
    assert run["data_sources"] is None and run["error"] is None

    rr = run["requirements_result"]
    assert [r["name"] for r in rr["requirements"]] == ["field presence validation", "format consistency"]
    assert [r["is_mandatory"] for r in rr["requirements"]] == [True, False]
    assert all(r["score"] == 1.0 and r["reason"] for r in rr["requirements"])
    assert rr["score"] == 1.0 and rr["finish_reason"] == simulate.FINISH_ALL_MET


def test_budget_scales_the_simulated_duration(server):
    high = create(server.client, {**INVOICE, "budget": "high"})  # 0.2 s x4
    started = time.monotonic()
    time.sleep(0.4)
    assert server.client.get(f"{RUNS}/{high['id']}").json()["status"] == "in_progress"
    run, _ = poll(server.client, high["id"])
    assert run["status"] == "completed"
    assert time.monotonic() - started >= 0.8 - 0.05


def test_same_request_same_answer(server):
    a, _ = poll(server.client, create(server.client, INVOICE)["id"])
    b, _ = poll(server.client, create(server.client, INVOICE)["id"])
    assert a["id"] != b["id"]
    assert {k: v for k, v in a.items() if k != "id"} == {k: v for k, v in b.items() if k != "id"}


def test_requirements_result_only_when_included(server):
    body = {k: v for k, v in INVOICE.items() if k != "include"}
    run, _ = poll(server.client, create(server.client, body)["id"])
    assert run["status"] == "completed" and run["requirements_result"] is None


def test_chat_input_restates_the_last_user_message(server):
    run, _ = poll(server.client, create(server.client, CHAT)["id"])
    assert run["status"] == "completed"
    assert "What is the capital of France?" in run["result"]
    assert "3 message(s)" in run["result"]


def test_web_search_data_sources_follow_the_url_prefixes(server):
    body = {
        "input": "What changed in the latest release?",
        "tools": [{"type": "web_search"}],
        "tool_resources": {"web_search": {"urls": ["docs.example.com"]}},
        "include": ["data_sources"],
    }
    run, _ = poll(server.client, create(server.client, body)["id"])
    sources = run["data_sources"]
    assert set(sources) == {"web_search"}
    assert len(sources["web_search"]) == 3
    for entry in sources["web_search"]:
        assert entry["url"].startswith("https://docs.example.com/")
        assert entry["text"] and 0 < entry["score"] <= 1
    Run.model_validate(run)


def test_file_search_data_sources_use_the_given_file_ids(server):
    body = {
        "input": "Summarise travel spend",
        "tools": [{"type": "file_search"}],
        "tool_resources": {"file_search": {"labels": ["finance"], "file_ids": ["file-a", "file-b"]}},
        "include": ["data_sources"],
    }
    run, _ = poll(server.client, create(server.client, body)["id"])
    entries = run["data_sources"]["file_search"]
    assert {e["file_id"] for e in entries} == {"file-a", "file-b"}
    assert [e["order"] for e in entries] == [1, 2, 3]


def test_data_sources_absent_without_tools_and_warnings_do_not_reject(server):
    # W244 (data_sources without tools) and W231 (unknown model) are warnings.
    body = {"input": "hello", "models": ["my-byok-model"], "include": ["data_sources"]}
    run, _ = poll(server.client, create(server.client, body)["id"])
    assert run["status"] == "completed" and run["data_sources"] is None


def test_get_with_a_json_content_type_is_fine(server):
    # The official SDK sends Content-Type: application/json on every call.
    run_id = create(server.client, CHAT)["id"]
    r = server.client.get(f"{RUNS}/{run_id}", headers={"Content-Type": "application/json"})
    assert r.status_code == 200


def test_json_with_charset_is_accepted(server):
    r = server.client.post(RUNS, content=json.dumps(CHAT).encode(), headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status_code == 200


def test_concurrent_creates_lose_nothing(server):
    limits = httpx.Limits(max_connections=16)
    with httpx.Client(base_url=server.base_url, trust_env=False, timeout=10, limits=limits) as c:
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            ids = list(pool.map(lambda i: create(c, {"input": f"task {i}"})["id"], range(48)))
    assert len(set(ids)) == 48
    for run_id in ids:
        assert server.client.get(f"{RUNS}/{run_id}").status_code == 200


# ------------------------------------------------------------------ errors


def test_422_lists_every_problem_in_fastapi_shape(server):
    body = {
        "input": "x",
        "requirements": [{"name": "long", "description": "word " * 130}],
        "budget": "hihg",
        "models": ["jamba-large", "jamba-mini", "my-byok-model"],
    }
    r = server.client.post(RUNS, json=body)
    assert r.status_code == 422
    payload = r.json()
    detail = payload["detail"]
    # AI21's (FastAPI's) keys: loc from "body" down, ints kept as ints; ours as extras.
    assert {tuple(d["loc"]) for d in detail} == {("body", "requirements", 0, "description"), ("body", "budget"), ("body", "models", 1)}
    assert all(set(d) >= {"loc", "msg", "type", "code", "path"} and d["msg"] and isinstance(d["type"], str) for d in detail)
    by_code = {d["code"]: d for d in detail}
    assert by_code["E211"]["path"] == "requirements[0].description" and "130 words" in by_code["E211"]["msg"]
    assert by_code["E240"]["hint"] == "did you mean 'high'?"
    assert by_code["E230"]["type"] == "too_long"
    assert payload["message"] == "the request body has 3 errors"
    # the unknown model is a warning: listed apart, never in detail
    assert [w["code"] for w in payload["warnings"]] == ["W231"] and payload["warnings"][0]["loc"] == ["body", "models", 2]


def test_422_for_a_json_value_that_is_not_an_object(server):
    r = server.client.post(RUNS, json=["input"])
    assert r.status_code == 422
    assert r.json()["detail"][0]["code"] == "E200"
    assert r.json()["detail"][0]["loc"] == ["body"]


@pytest.mark.parametrize(
    "content, why",
    [
        (b'{"input": "hi"', "not valid JSON"),
        (b"   ", "empty"),
        (b'{"input": "\xff"}', "not UTF-8"),
    ],
)
def test_400_for_a_body_that_is_not_json(server, content, why):
    r = server.client.post(RUNS, content=content, headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    assert why in r.json()["detail"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_415_for_a_wrong_or_missing_content_type(server, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    r = server.client.post(RUNS, content=json.dumps(CHAT).encode(), headers=headers)  # raw bytes: httpx adds no type
    assert r.status_code == 415
    assert "application/json" in r.json()["detail"]


def test_413_for_a_huge_body(server):
    r = server.client.post(RUNS, json={"input": "x" * (5 * 1024 * 1024)})
    assert r.status_code == 413


def test_404_for_an_unknown_run_id(server):
    r = server.client.get(f"{RUNS}/no-such-run")
    assert r.status_code == 404
    assert r.json() == {"detail": "no run with id 'no-such-run'"}


def test_unknown_paths_and_methods_get_json_errors(server):
    r = server.client.get("/maestro/nothing")
    assert r.status_code == 404 and "no such endpoint" in r.json()["detail"]
    r = server.client.delete(f"{RUNS}/abc")
    assert r.status_code == 405 and "DELETE" in r.json()["detail"]


# ------------------------------------------------------------------ options


def test_serve_with_a_key_refuses_calls_without_it_and_never_prints_it():
    key = "s3cret-key"
    with ServeProcess(env={"MAESTRO_SERVE_KEY": key}) as s:
        c = s.client
        r = c.post(RUNS, json=CHAT)
        assert r.status_code == 401 and "Authorization" in r.json()["detail"]
        assert r.headers["WWW-Authenticate"] == "Bearer"
        r = c.post(RUNS, json=CHAT, headers={"Authorization": "Bearer not-the-key"})
        assert r.status_code == 401 and "not-the-key" not in r.text
        r = c.post(RUNS, json=CHAT, headers={"Authorization": f"bearer {key}"})
        assert r.status_code == 200
        run_id = r.json()["id"]
        assert c.get(f"{RUNS}/{run_id}").status_code == 401
        assert c.get(f"{RUNS}/{run_id}", headers={"Authorization": f"Bearer {key}"}).status_code == 200
        assert httpx.get(s.root_url + "/health", trust_env=False).status_code == 200
        assert s.stop() == 0
    assert key not in "".join(s.lines) + s.stderr_text()


def test_fail_rate_ends_runs_failed_with_a_message():
    with ServeProcess("--run-seconds", "0.1", "--fail-rate", "1") as s:
        run, seen = poll(s.client, create(s.client, INVOICE)["id"])
    assert seen[0] == "in_progress"
    assert run["status"] == "failed"
    assert "simulated" in run["error"]["message"]
    assert run["result"] is None and run["requirements_result"] is None
    Run.model_validate(run)


def test_requires_action_rate():
    with ServeProcess("--run-seconds", "0", "--requires-action-rate", "1") as s:
        run, _ = poll(s.client, create(s.client, CHAT)["id"])
    assert run["status"] == "requires_action"
    assert run["error"] is None


def test_unmet_rate_scores_requirements_below_one_and_zeroes_the_overall_score():
    with ServeProcess("--run-seconds", "0", "--unmet-rate", "1") as s:
        run, _ = poll(s.client, create(s.client, INVOICE)["id"])
    rr = run["requirements_result"]
    assert all(r["score"] < 1 for r in rr["requirements"])
    assert rr["score"] == 0.0  # a mandatory requirement is unmet
    assert rr["finish_reason"] == simulate.FINISH_BUDGET


def test_rate_limit_rate_answers_429_with_retry_after_on_every_api_call():
    with ServeProcess("--rate-limit-rate", "1", "--retry-after", "2") as s:
        for r in (s.client.post(RUNS, json=CHAT), s.client.get(f"{RUNS}/anything")):
            assert r.status_code == 429
            assert r.headers["Retry-After"] == "2"
            assert "--rate-limit-rate" in r.json()["detail"]
        assert httpx.get(s.root_url + "/health", trust_env=False).status_code == 200


def test_error_rate_answers_500_and_503():
    with ServeProcess("--error-rate", "1") as s:
        codes = [s.client.get(f"{RUNS}/x").status_code for _ in range(20)]
        assert httpx.get(s.root_url + "/health", trust_env=False).status_code == 200
    assert set(codes) == {500, 503}


def test_latency_is_added_to_api_calls_only():
    with ServeProcess("--latency", "0.3") as s:
        started = time.monotonic()
        s.client.get(f"{RUNS}/x")
        assert time.monotonic() - started >= 0.3
        started = time.monotonic()
        httpx.get(s.root_url + "/health", trust_env=False)
        assert time.monotonic() - started < 0.3


def test_drop_rate_closes_the_connection_without_a_response():
    with ServeProcess("--drop-rate", "1") as s:
        with pytest.raises(DROPPED):
            s.client.post(RUNS, json=CHAT)
        with pytest.raises(DROPPED):
            s.client.get(f"{RUNS}/x")
        assert httpx.get(s.root_url + "/health", trust_env=False).status_code == 200
        assert "Traceback" not in s.stderr_text()


def _fault_sequence(seed: str) -> list:
    """Forty calls, alternating create and read, against a mixed-fault server."""
    args = ["--seed", seed, "--run-seconds", "0", "--rate-limit-rate", "0.2", "--error-rate", "0.2", "--drop-rate", "0.1", "--fail-rate", "0.3"]
    out: list = []
    last_id = "none-yet"
    with ServeProcess(*args) as s:
        for i in range(40):
            try:
                r = s.client.post(RUNS, json={"input": f"task {i}"}) if i % 2 == 0 else s.client.get(f"{RUNS}/{last_id}")
            except DROPPED:
                out.append("dropped")
                continue
            out.append(r.status_code)
            if r.status_code == 200:
                last_id = r.json()["id"]
                out.append(r.json()["status"])
    return out


def test_faults_are_deterministic_under_a_seed():
    first, again, other = _fault_sequence("7"), _fault_sequence("7"), _fault_sequence("8")
    assert first == again
    assert first != other
    # Every kind of fault occurs in thirty calls at these rates.
    assert {"dropped", 429, "failed", "completed"} <= set(first)
    assert {500, 503} & set(first)


def test_max_runs_evicts_the_oldest_finished_run():
    with ServeProcess("--max-runs", "2", "--run-seconds", "0.3") as s:
        a, b = create(s.client, CHAT), create(s.client, CHAT)
        r = s.client.post(RUNS, json=CHAT)
        assert r.status_code == 503 and "--max-runs" in r.json()["detail"]  # both still in progress
        time.sleep(0.35)
        c = create(s.client, CHAT)
        r = s.client.get(f"{RUNS}/{a['id']}")
        assert r.status_code == 404 and "evicted" in r.json()["detail"]
        for run in (b, c):
            assert s.client.get(f"{RUNS}/{run['id']}").status_code == 200


def test_port_in_use_is_a_one_line_error():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        p = subprocess.run(
            [sys.executable, "-m", "maestro_spec.cli", "serve", "--port", str(port)], capture_output=True, text=True, timeout=20
        )
    assert p.returncode == 2
    assert p.stderr.strip().count("\n") == 0
    assert "already in use" in p.stderr and "Traceback" not in p.stderr


def test_non_loopback_host_warns():
    with ServeProcess("--host", "0.0.0.0", "--require-key", "k") as s:
        # a wildcard bind prints the address a client on this machine can use
        assert "http://127.0.0.1:" in s.lines[0]
        assert s.stop() == 0
    assert "warning: listening on 0.0.0.0, not loopback" in s.stderr_text()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--fail-rate", "2"], "--fail-rate"),
        (["--fail-rate", "0.6", "--requires-action-rate", "0.6"], "--fail-rate + --requires-action-rate"),
        (["--max-runs", "0"], "--max-runs"),
    ],
)
def test_bad_options_are_usage_errors(args, message):
    p = subprocess.run([sys.executable, "-m", "maestro_spec.cli", "serve", *args], capture_output=True, text=True, timeout=20)
    assert p.returncode == 2
    assert message in p.stderr


# ------------------------------------------------------------------ embedded


def test_local_server_starts_serves_and_stops():
    with LocalServer(ServerConfig(run_seconds=0.05)) as server:
        assert server.base_url == f"http://127.0.0.1:{server.port}/studio/v1"
        with httpx.Client(base_url=server.base_url, trust_env=False) as c:
            run, _ = poll(c, create(c, INVOICE)["id"])
        assert run["status"] == "completed"
        port = server.port
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_local_server_start_and_stop_by_hand_and_busy_port():
    server = LocalServer(ServerConfig())
    server.start()
    try:
        with pytest.raises(ServerStartError, match="already in use"):
            LocalServer(port=server.port).start()
    finally:
        server.stop()
    server.stop()  # twice is harmless


# ------------------------------------------------------------------ the simulation itself


def test_simulated_scores_are_deterministic_and_follow_the_mandatory_rule():
    key = simulate.digest(INVOICE)
    assert key == simulate.digest(json.loads(json.dumps(INVOICE)))
    scores = [simulate.requirement_score(key, i, f"r{i}", 0.5) for i in range(200)]
    assert scores == [simulate.requirement_score(key, i, f"r{i}", 0.5) for i in range(200)]
    assert 60 < scores.count(1.0) < 140  # about half unmet at rate 0.5
    assert all(0 <= s <= 1 for s in scores)

    body = {**INVOICE, "requirements": [dict(r, is_mandatory=False) for r in INVOICE["requirements"]]}
    answer = simulate.simulate(body, unmet_rate=1.0)
    rr = answer.requirements_result
    assert rr["score"] == pytest.approx(sum(r["score"] for r in rr["requirements"]) / 2, abs=1e-4)
    assert simulate.simulate(INVOICE, unmet_rate=1.0).requirements_result["score"] == 0.0


def test_simulated_duration_scales_with_budget():
    assert [simulate.duration({"input": "x", "budget": b}, 0.5) for b in ("low", "medium", "high")] == [0.5, 1.0, 2.0]
    assert simulate.duration({"input": "x"}, 0.5) == 0.5


def test_422_types_are_pydantics_words_and_every_code_has_one():
    from maestro_spec.compiler.diagnostics import CODES
    from maestro_spec.server.detail import error_type

    assert error_type("E201") == "missing" and error_type("E206") == "extra_forbidden" and error_type("E240") == "literal_error"
    kinds = {"missing", "extra_forbidden", "type_error", "too_long", "literal_error", "value_error", "model_attributes_type"}
    assert {error_type(code) for code in CODES} <= kinds
