"""`maestro serve` against hostile input (issue 10 #11-#12): odd bodies, junk
options, idle and dripping connections, huge runs, SIGTERM."""

from __future__ import annotations

import signal
import socket
import threading
import time

import httpx
import pytest

from maestro_spec.server.body import MAX_DEPTH
from maestro_spec.server.config import ServerConfig
from maestro_spec.server.embedded import LocalServer
from maestro_spec.server.runs import COMPLETED, ServerRuns, StoredRun, StoreFull

from .runtime_support import invoke
from .test_server import CHAT, RUNS, ServeProcess, create

JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def local():
    with LocalServer(ServerConfig(run_seconds=0, header_timeout=0.4)) as server:
        yield server


# ---------------------------------------------------------------- bodies


BAD_BODIES = {
    "5000-digit integer": b'{"input": "x", "budget": ' + b"9" * 5000 + b"}",
    "5000-digit float": b'{"input": "x", "n": 0.' + b"1" * 5000 + b"e99999}",
    "lone surrogate": b'{"input": "\\ud800"}',
    "lone surrogate in a key": b'{"input": "x", "\\udfff": 1}',
    "NaN": b'{"input": "x", "budget": NaN}',
    "Infinity": b'{"input": "x", "n": -Infinity}',
    "overflow to infinity": b'{"input": "x", "n": 1e999}',
    "deep but parseable": b"[" * (MAX_DEPTH + 5) + b"]" * (MAX_DEPTH + 5),
    "deeper than the parser": b'{"input": ' + b"[" * 100_000 + b"}",
}


@pytest.mark.parametrize("raw", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_odd_bodies_are_400_with_a_json_detail(local, raw):
    with httpx.Client(base_url=local.base_url, trust_env=False) as c:
        r = c.post(RUNS, content=raw, headers=JSON)
        assert r.status_code == 400, r.text
        detail = r.json()["detail"]
        assert isinstance(detail, str) and "\n" not in detail and "Traceback" not in detail
        assert c.post(RUNS, json=CHAT).status_code == 200  # and the server goes on


def test_odd_bodies_leave_no_traceback_in_the_log():
    with ServeProcess() as s:
        for raw in BAD_BODIES.values():
            assert s.client.post(RUNS, content=raw, headers=JSON).status_code == 400
        assert s.stop() == 0
    assert "Traceback" not in s.stderr_text()


def test_a_4000_digit_integer_is_judged_not_crashed(local):
    # Under Python's 4300-digit limit it parses; the checker and the
    # simulation must cope with it wherever it sits.
    big = "9" * 4000
    with httpx.Client(base_url=local.base_url, trust_env=False) as c:
        r = c.post(RUNS, content=f'{{"input": "x", "budget": {big}}}'.encode(), headers=JSON)
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "budget"]


# ---------------------------------------------------------------- options


@pytest.mark.parametrize(
    "args, option",
    [
        (["--retry-after", "inf"], "--retry-after"),
        (["--retry-after", "nan"], "--retry-after"),
        (["--run-seconds", "nan"], "--run-seconds"),
        (["--latency", "inf"], "--latency"),
        (["--latency", "-1"], "--latency"),
        (["--run-seconds", "-0.5"], "--run-seconds"),
        (["--fail-rate", "nan"], "--fail-rate"),
        (["--header-timeout", "0"], "--header-timeout"),
        (["--max-store-bytes", "100"], "--max-store-bytes"),
    ],
)
def test_junk_options_are_one_line_usage_errors(args, option):
    result = invoke(["serve", "--port", "0", *args])
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and option in errors[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "field, value",
    [("retry_after", float("inf")), ("run_seconds", float("nan")), ("latency", float("inf")), ("latency", -1.0),
     ("fail_rate", float("nan")), ("header_timeout", 0.0), ("tool_timeout", float("inf")), ("max_store_bytes", 10)],
)
def test_server_config_refuses_the_same(field, value):
    with pytest.raises(ValueError, match=field):
        ServerConfig(**{field: value})


# ---------------------------------------------------------------- connections


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    """True if the server closes sock (EOF or reset) within seconds."""
    sock.settimeout(seconds)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def test_idle_and_dripping_connections_are_closed_and_the_server_keeps_serving(local):
    idle = [socket.create_connection(("127.0.0.1", local.port)) for _ in range(40)]
    drip = socket.create_connection(("127.0.0.1", local.port))
    stop = threading.Event()

    def dribble() -> None:  # a header that never ends, one byte every 0.05 s
        for byte in b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 400:
            if stop.is_set():
                return
            try:
                drip.send(bytes([byte]))
            except OSError:
                return
            time.sleep(0.05)

    threading.Thread(target=dribble, daemon=True).start()
    try:
        started = time.monotonic()
        assert all(_closed_within(s, 3) for s in idle)
        assert _closed_within(drip, 3), "a dripping header is cut off too"
        assert time.monotonic() - started < 3
        assert httpx.get(local.root_url + "/health", trust_env=False).status_code == 200
    finally:
        stop.set()
        for s in [*idle, drip]:
            s.close()


def test_a_keep_alive_connection_gets_the_same_deadline_for_its_next_request(local):
    with socket.create_connection(("127.0.0.1", local.port)) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        s.settimeout(3)
        assert s.recv(4096).startswith(b"HTTP/1.1 200")
        s.sendall(b"GET /health HTTP/1.1\r\n")  # half a head, then nothing
        assert _closed_within(s, 3)


def test_a_slow_but_steady_client_is_served(local):
    # A whole head within the deadline, however it is split, is fine.
    with socket.create_connection(("127.0.0.1", local.port)) as s:
        for part in (b"GET /hea", b"lth HTTP/1.1\r\n", b"Host: x\r\n", b"\r\n"):
            s.sendall(part)
            time.sleep(0.05)
        s.settimeout(3)
        assert s.recv(4096).startswith(b"HTTP/1.1 200")


# ---------------------------------------------------------------- memory by bytes


def _run(run_id: str, ends: float, size_chars: int) -> StoredRun:
    return StoredRun(run_id, ends, COMPLETED, "x" * size_chars, None, None, None)


def test_store_evicts_oldest_finished_runs_by_bytes():
    now = [0.0]
    store = ServerRuns(max_runs=1000, max_bytes=10_000, clock=lambda: now[0])
    a = store.add(lambda i, t: _run(i, t, 4000))
    b = store.add(lambda i, t: _run(i, t, 4000))
    assert store.bytes == a.size + b.size <= 10_000
    c = store.add(lambda i, t: _run(i, t, 4000))  # a (finished) goes
    assert store.get(a.id) is None and store.get(b.id) and store.get(c.id)
    assert store.evicted == 1 and store.bytes <= 10_000
    store.add(lambda i, t: _run(i, t, 9000))  # b and c both go
    assert len(store) == 1 and store.evicted == 3
    with pytest.raises(StoreFull) as e:
        store.add(lambda i, t: _run(i, t, 20_000))
    assert e.value.never_fits


def test_store_keeps_runs_in_progress_and_evicts_nothing_when_it_cannot_make_room():
    store = ServerRuns(max_runs=1000, max_bytes=10_000, clock=lambda: 0.0)
    first = store.add(lambda i, t: _run(i, t + 1, 3000))  # finished? no: ends at 1
    done = store.add(lambda i, t: _run(i, t, 3000))
    with pytest.raises(StoreFull) as e:
        store.add(lambda i, t: _run(i, t, 8000))  # room only if `first` went too
    assert not e.value.never_fits
    assert store.get(first.id) and store.get(done.id), "a 503 costs no finished run"


def test_server_memory_is_bounded_by_bytes_of_runs():
    word = "w" * 1000
    body = {
        "input": "x",
        "requirements": [{"name": f"r{i}", "description": " ".join([word] * 120)} for i in range(2)],
        "include": ["requirements_result"],
    }  # a run of about 240 kB
    with LocalServer(ServerConfig(run_seconds=0, max_store_bytes=1024 * 1024)) as server:
        with httpx.Client(base_url=server.base_url, trust_env=False, timeout=10) as c:
            ids = [create(c, body)["id"] for _ in range(8)]
            health = httpx.get(server.root_url + "/health", trust_env=False).json()
            assert health["stored_bytes"] <= 1024 * 1024 and health["runs"] == 4
            assert c.get(f"{RUNS}/{ids[-1]}").status_code == 200
            r = c.get(f"{RUNS}/{ids[0]}")
            assert r.status_code == 404 and "evicted" in r.json()["detail"]
            huge = {**body, "requirements": [{"name": f"r{i}", "description": " ".join([word] * 120)} for i in range(10)]}
            r = c.post(RUNS, json=huge)
            assert r.status_code == 413 and "--max-store-bytes" in r.json()["detail"]


# ---------------------------------------------------------------- signals


def test_sigterm_stops_gracefully_with_one_line_and_exit_0():
    with ServeProcess("--latency", "0.5", "--run-seconds", "0") as s:
        answers = []
        t = threading.Thread(target=lambda: answers.append(s.client.post(RUNS, json=CHAT)))
        t.start()
        time.sleep(0.2)  # the request is in flight, held by --latency
        s.proc.send_signal(signal.SIGTERM)
        t.join(10)
        code = s.proc.wait(10)
    assert code == 0
    assert answers and answers[0].status_code == 200, "the call in flight was answered"
    lines = s.stderr_text().strip().splitlines()
    assert lines == ["maestro serve: stopped (SIGTERM)"]


def test_a_checker_bug_is_a_one_line_500_and_the_server_keeps_serving(local, monkeypatch):
    import maestro_spec.server.app as app

    def broken(body):
        raise TypeError("unhashable type: 'list'")

    monkeypatch.setattr(app, "check_request", broken)
    with httpx.Client(base_url=local.base_url, trust_env=False) as c:
        r = c.post(RUNS, json={"tools": [{"type": []}]})
        assert r.status_code == 500 and "TypeError" in r.json()["detail"]
        monkeypatch.undo()
        assert c.post(RUNS, json=CHAT).status_code == 200


ODD_TOOLS = [
    {"type": []},
    {"type": "http", "function": "junk", "endpoint": 5},
    {"type": "http", "function": {"name": 1, "parameters": {"type": "object", "properties": []}}},
    {"type": "mcp", "server_label": None, "allowed_tools": "all", "headers": []},
    {"type": "web_search", "urls": "x"},
]


@pytest.mark.parametrize("tool", ODD_TOOLS)
def test_odd_tool_items_never_crash_the_server(local, tool):
    with httpx.Client(base_url=local.base_url, trust_env=False) as c:
        r = c.post(RUNS, json={"input": "x", "tools": [tool], "include": ["data_sources"], "output_type": {"type": "object"}})
        assert r.status_code in (200, 422), r.text


def test_maestro_serve_wires_the_header_timeout_and_call_tools_note():
    with ServeProcess("--header-timeout", "0.3", "--call-tools", quiet=False) as s:
        with socket.create_connection(("127.0.0.1", int(s.root_url.rsplit(":", 1)[1]))) as idle:
            assert _closed_within(idle, 3)
        assert httpx.get(s.root_url + "/health", trust_env=False).status_code == 200
        time.sleep(0.2)
        assert s.stop() == 0
    assert any("--call-tools: http tools on loopback endpoints are really called" in line for line in s.lines)


def test_a_body_that_never_arrives_is_a_408(local, monkeypatch):
    import maestro_spec.server.body as body

    monkeypatch.setattr(body, "BODY_SECONDS", 0.3)
    with socket.create_connection(("127.0.0.1", local.port)) as s:
        s.sendall(b"POST /studio/v1/maestro/runs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        s.settimeout(3)
        answer = b""
        while b"arrive" not in answer:  # the head and the body may come in separate segments
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408") and b"did not arrive within 0.3 s" in answer
