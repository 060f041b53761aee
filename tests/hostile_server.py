"""A hostile Maestro server on 127.0.0.1: one fault per mode, for the runtime's tests.

    with HostileServer() as server:
        url = server.base_url("drip_get")     # http://127.0.0.1:PORT/drip_get/studio/v1
        ... maestro run SPEC --base-url URL ...

The mode is the first path segment, so one server serves every mode at once
(each mode keeps its own call counts). Raw asyncio sockets, not a framework:
the faults (a body dripping a byte every 0.5 s, headers that never come, a
reset, a gzip bomb) live below what a framework lets a handler do.

MODES maps each mode to what a client must make of it (`Expect`): the run id
it must record (None: the server gave none), the exit codes that are right,
the record status. `run_maestro`, `attach_maestro`, `watch_maestro` and
`leaks` are for tests that drive the commands through every mode
(tests/test_run_survives_a_hostile_server.py, tests/test_watch_survives_a_hostile_server.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path

KEY = "sk-hostile-MARKER-3f9a1c"  # AI21_API_KEY for every process: must appear in no output or file
HEADER_SECRET = "tok-hostile-HEADER-77e2"  # a tool header value, for requests that carry one

ESCAPES = "\x1b[2J\x1b[H\x1b]52;c;aGVsbG8=\x07\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\\x1b]0;pwned\x07\u202eevil\u202c\x9b31m\x07"
LONG_ID = "L" * 200_000
ESCAPE_ID = "run-\x1b[2J\x07-esc"
PATH_ID = "../../x?y=1"
ENCODED_PATH_ID = "..%2F..%2Fx%3Fy%3D1"
DRIP_SECONDS = 0.5
HUGE_BYTES = 20 * 1024 * 1024
BOMB_BYTES = 48 * 1024 * 1024  # three times the client's cap, from about 50 KB

RUNS = "/studio/v1/maestro/runs"


@dataclass(frozen=True)
class Expect:
    """What a client must make of a mode. `run_id` None: the server gave none."""

    run_id: str | None
    exits: frozenset[int]
    status: str | None = None  # the record's status after `maestro run`, when it is certain
    slow: bool = False  # ends only at --timeout


def _x(*codes: int) -> frozenset[int]:
    return frozenset(codes)


MODES: dict[str, Expect] = {
    "ok": Expect("run-ok", _x(0), "completed"),
    "queued": Expect("run-queued", _x(3), "queued", slow=True),  # a status we do not know: not final, polled to the timeout
    "queued_then_done": Expect("run-qd", _x(0), "completed"),
    "no_status": Expect("run-nostatus", _x(3), "unknown"),
    "no_id": Expect(None, _x(3), "unknown"),
    "list": Expect(None, _x(3), "unknown"),
    "wrong_fields": Expect("run-wrong", _x(0), "completed"),
    "html_502_post": Expect(None, _x(3), "unknown"),
    "html_200_post": Expect(None, _x(3), "unknown"),
    "drip_post": Expect(None, _x(3), "unknown", slow=True),
    "drip_get": Expect("run-drip", _x(3), slow=True),
    "slow_headers_post": Expect(None, _x(3), "unknown", slow=True),
    "slow_headers_get": Expect("run-slow", _x(3), slow=True),
    "reset_post": Expect(None, _x(3), "unknown"),
    "reset_get": Expect("run-reset", _x(3), slow=True),
    "huge_get": Expect("run-huge", _x(3)),
    "gzip_bomb_get": Expect("run-bomb", _x(3)),
    "deep_post": Expect("run-deep", _x(3), "unknown"),
    "big_numbers": Expect("run-big", _x(4), "completed"),
    "nan_score": Expect("run-nan", _x(4), "completed"),
    "escapes": Expect("run-escapes", _x(0), "completed"),
    "escapes_json": Expect("run-escapes-json", _x(0), "completed"),  # the same, run with --json
    "failed_escapes": Expect("run-failed", _x(3), "failed"),
    "echo_secrets": Expect("run-echo", _x(0, 4), "completed"),
    "echo_secrets_500": Expect(None, _x(3), "unknown"),
    "retry_after_negative": Expect("run-ra-neg", _x(0), "completed"),
    "retry_after_junk": Expect("run-ra-junk", _x(0), "completed"),
    "retry_after_date": Expect("run-ra-date", _x(0), "completed"),
    "retry_after_inf": Expect("run-ra-inf", _x(3)),
    "redirect_post": Expect(None, _x(3), "error"),
    "redirect_get": Expect("run-redirect", _x(3)),
    "id_escape": Expect(ESCAPE_ID, _x(0), "completed"),
    "id_long": Expect(LONG_ID, _x(3), "unknown"),
    "id_path": Expect(PATH_ID, _x(0), "completed"),
    "surrogate": Expect("run-surrogate", _x(0), "completed"),
    "id_changes": Expect("run-changes", _x(0), "completed"),  # GETs answer with another id: still polled by ours
}


def _run(run_id: str, status: str, **extra) -> dict:
    return {"id": run_id, "status": status, **extra}


def _requirements(score, name="vendor", reason="as written") -> dict:
    return {"score": score, "finish_reason": "done", "requirements": [{"name": name, "is_mandatory": True, "score": score, "reason": reason}]}


@dataclass
class Call:
    method: str
    path: str  # as received, percent-encoding and all
    headers: dict[str, str]
    body: bytes


@dataclass
class _Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    kind: str = "normal"  # normal, drip, silent, reset


def _json(data, status: int = 200, **headers) -> _Reply:
    return _Reply(status, json.dumps(data).encode(), {"Content-Type": "application/json", **headers})


class HostileServer:
    """The server, in a thread with its own event loop. `calls[mode]` lists what each mode received."""

    def __init__(self) -> None:
        self.calls: dict[str, list[Call]] = {}
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self._bomb: bytes | None = None

    # ------------------------------------------------------------ lifecycle

    def __enter__(self) -> "HostileServer":
        self._bomb = _gzip_bomb()  # made once, before serving: it takes the GIL for a moment
        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._server = loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the hostile server did not start")
        return self

    def __exit__(self, *exc) -> None:
        loop = self._loop
        if loop is None:
            return

        async def stop() -> None:
            self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        self._thread.join(10)

    def base_url(self, mode: str) -> str:
        return f"http://127.0.0.1:{self.port}/{mode}/studio/v1"

    def count(self, mode: str, method: str | None = None) -> int:
        with self._lock:
            return sum(1 for c in self.calls.get(mode, ()) if method is None or c.method == method)

    # ------------------------------------------------------------ HTTP, by hand

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
            mode, _, path = target.lstrip("/").partition("/")
            call = Call(method, "/" + path, headers, body)
            with self._lock:
                calls = self.calls.setdefault(mode, [])
                calls.append(call)
                number = sum(1 for c in calls if c.method == method)
            reply = self._reply(mode, call, number)
            await self._send(reply, writer)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError, asyncio.LimitOverrunError, asyncio.CancelledError):
            pass  # the client went away, or the server is stopping
        finally:
            if not writer.is_closing():
                writer.close()

    async def _send(self, reply: _Reply, writer: asyncio.StreamWriter) -> None:
        if reply.kind == "silent":  # headers never come
            await asyncio.sleep(3600)
        if reply.kind == "reset":
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return
        reason = {200: "OK", 302: "Found", 307: "Temporary Redirect", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}.get(reply.status, "Status")
        head = [f"HTTP/1.1 {reply.status} {reason}", f"Content-Length: {len(reply.body)}", "Connection: close"]
        head += [f"{k}: {v}" for k, v in reply.headers.items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        if reply.kind == "drip":
            for i in range(len(reply.body)):
                writer.write(reply.body[i : i + 1])
                await writer.drain()
                await asyncio.sleep(DRIP_SECONDS)
            return
        writer.write(reply.body)
        await writer.drain()

    # ------------------------------------------------------------ the faults

    def _reply(self, mode: str, call: Call, n: int) -> _Reply:
        """The answer to the n-th call of this method in this mode."""
        post = call.method == "POST"
        expect = MODES.get(mode)
        if expect is None:
            return _json({"detail": f"no mode {mode}"}, 404)
        run_id = expect.run_id
        key = call.headers.get("authorization", "").removeprefix("Bearer ")
        done = _run(run_id or "x", "completed", result="the vendor is ACME", requirements_result=_requirements(1.0))
        pending = _json(_run(run_id or "x", "in_progress"))

        if mode == "ok":
            return pending if post else _json(done)
        if mode == "queued":
            return _json(_run(run_id, "queued"))
        if mode == "queued_then_done":
            return _json(_run(run_id, "queued")) if post or n < 2 else _json(done)
        if mode == "no_status":
            return _json({"id": run_id})
        if mode == "no_id":
            return _json({"status": "in_progress"})
        if mode == "list":
            return _json([1, 2, 3])
        if mode == "wrong_fields":
            return _json(_run(run_id, "completed", result="fine", requirements_result="high", data_sources=[1]))
        if mode == "html_502_post":
            return _Reply(502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", {"Content-Type": "text/html"})
        if mode == "html_200_post":
            return _Reply(200, b"<html><body>OK</body></html>", {"Content-Type": "text/html"})
        if mode == "drip_post":
            return _Reply(200, json.dumps(_run("run-never", "in_progress")).encode(), {"Content-Type": "application/json"}, "drip")
        if mode == "drip_get":
            return pending if post else _Reply(200, json.dumps(done).encode(), {"Content-Type": "application/json"}, "drip")
        if mode == "slow_headers_post":
            return _Reply(kind="silent")
        if mode == "slow_headers_get":
            return pending if post else _Reply(kind="silent")
        if mode == "reset_post":
            return _Reply(kind="reset")
        if mode == "reset_get":
            return pending if post else _Reply(kind="reset")
        if mode == "huge_get":
            return pending if post else _json(_run(run_id, "completed", result="x" * HUGE_BYTES))
        if mode == "gzip_bomb_get":
            if post:
                return pending
            return _Reply(200, self._bomb, {"Content-Type": "application/json", "Content-Encoding": "gzip"})
        if mode == "deep_post":
            return _Reply(200, b'{"id": "run-deep", "status": "in_progress", "result": ' + b"[" * 100_000, {"Content-Type": "application/json"})
        if mode == "big_numbers":
            big = "9" * 5000
            text = '{"id": "run-big", "status": "completed", "result": "ok", "requirements_result": {"score": %s, "requirements": [{"name": "vendor", "is_mandatory": true, "score": %s}]}, "n": 1e999}' % (big, big)
            return _Reply(200, text.encode(), {"Content-Type": "application/json"})
        if mode == "nan_score":
            text = '{"id": "run-nan", "status": "completed", "result": "ok", "requirements_result": {"score": NaN, "requirements": [{"name": "vendor", "is_mandatory": true, "score": NaN}, {"name": "tone", "score": Infinity}]}}'
            return _Reply(200, text.encode(), {"Content-Type": "application/json"})
        if mode in ("escapes", "escapes_json"):
            return _json(_escapes_run(run_id, "completed"))
        if mode == "failed_escapes":
            return pending if post else _json(_run(run_id, "failed", error={"message": "boom" + ESCAPES}))
        if mode == "echo_secrets":
            return _json(_echo_run(run_id, key, call.body)) if post else _json(_echo_run(run_id, key, b""))
        if mode == "echo_secrets_500":
            return _json({"detail": f"upstream said: bad key {key} for {call.body.decode('utf-8', 'replace')[:2000]}"}, 500)
        if mode == "retry_after_negative":
            return pending if post else (_json({"detail": "busy"}, 503, **{"Retry-After": "-5"}) if n <= 2 else _json(done))
        if mode == "retry_after_junk":
            junk = {1: "nan", 2: "soon"}
            return pending if post else (_json({"detail": "busy"}, 503, **{"Retry-After": junk[n]}) if n <= 2 else _json(done))
        if mode == "retry_after_date":
            when = formatdate(time.time() + 1, usegmt=True)
            return pending if post else (_json({"detail": "busy"}, 503, **{"Retry-After": when}) if n <= 1 else _json(done))
        if mode == "retry_after_inf":
            return pending if post else _json({"detail": "slow down"}, 429, **{"Retry-After": "inf"})
        if mode == "redirect_post":
            return _Reply(307, b"", {"Location": "http://203.0.113.9/steal/studio/v1/maestro/runs"})
        if mode == "redirect_get":
            return pending if post else _Reply(302, b"", {"Location": "http://203.0.113.9/steal" + ESCAPES})
        if mode in ("id_escape", "surrogate"):
            if post:
                return pending
            if mode == "surrogate":
                text = json.dumps(done).replace("the vendor is ACME", "lone \\ud800 surrogate")
                return _Reply(200, text.encode(), {"Content-Type": "application/json"})
            return _json(done)
        if mode == "id_long":
            return _json(_run(LONG_ID, "in_progress"))
        if mode == "id_path":
            if post:
                return pending
            if call.path == f"{RUNS}/{ENCODED_PATH_ID}":
                return _json(done)
            return _json({"detail": f"the id rewrote the path: {call.path}"}, 400)
        if mode == "id_changes":
            if post:
                return pending
            if not call.path.endswith("/run-changes"):
                return _json({"detail": f"no run at {call.path}"}, 404)
            return _json(_run("run-elsewhere", "in_progress" if n < 2 else "completed", result="the vendor is ACME"))
        return _json({"detail": "unhandled mode"}, 500)


def _gzip_bomb() -> bytes:
    """A small gzip body that inflates to BOMB_BYTES of JSON (made without holding them)."""
    z = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: the gzip container
    zeros = b"0" * (1024 * 1024)
    parts = [z.compress(b'{"id": "run-bomb", "status": "completed", "result": "')]
    parts += [z.compress(zeros) for _ in range(BOMB_BYTES // len(zeros))]
    parts += [z.compress(b'"}'), z.flush()]
    return b"".join(parts)


def _escapes_run(run_id: str, status: str) -> dict:
    return _run(
        run_id,
        status,
        result="result" + ESCAPES + "\nsecond line",
        requirements_result={
            "score": 1.0,
            "finish_reason": "done" + ESCAPES,
            "requirements": [{"name": "vendor" + ESCAPES, "is_mandatory": True, "score": 1.0, "reason": "fine" + ESCAPES}],
        },
        data_sources={
            "web_search": [{"url": "https://a.example/" + ESCAPES, "text": "t" + ESCAPES, "score": 0.5}],
            "tool_calls": [
                {"tool_name": "get" + ESCAPES, "tool_type": "http", "parameters": {"q": ESCAPES}, "response": ESCAPES, "status": "success" + ESCAPES}
            ],
        },
    )


def _echo_run(run_id: str, key: str, body: bytes) -> dict:
    """A completed run that repeats the key, and every header value of the request, everywhere it can."""
    secrets = [key]
    try:
        request = json.loads(body) if body else {}
        for tool in request.get("tools") or ():
            secrets += list((tool.get("headers") or {}).values()) + list(((tool.get("endpoint") or {}).get("headers") or {}).values())
    except (ValueError, AttributeError):
        pass
    said = " ".join(secrets)
    return _run(
        run_id,
        "completed",
        result=f"you sent {said}",
        requirements_result={"score": 1.0, "finish_reason": said, "requirements": [{"name": f"req {said}", "is_mandatory": True, "score": 1.0, "reason": said}]},
        data_sources={"tool_calls": [{"tool_name": said, "tool_type": "mcp", "server_label": said, "parameters": {said: said}, "response": said, "status": "success"}]},
        error=None,
        **{said: said},
    )


# ------------------------------------------------------------ driving the commands


@dataclass
class Ran:
    """One command's run: exit code, output, time taken."""

    args: list[str]
    code: int
    stdout: str
    stderr: str
    seconds: float


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("AI21_API_HOST", "COLUMNS")}
    return {**env, "AI21_API_KEY": KEY, "MAESTRO_HOME": str(home), "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}


def maestro(args: list[str], home: Path, *, limit: float) -> Ran:
    """`maestro ARGS` as a process, killed after `limit` seconds (then code -9)."""
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "maestro_spec.cli", *args], env=_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        out, err = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    seconds = time.monotonic() - started
    return Ran(args, proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), seconds)


def run_maestro(server: HostileServer, mode: str, spec: str, home: Path, *, timeout: float = 3.0, extra=()) -> Ran:
    """`maestro run SPEC --base-url (mode) --timeout T` with the marker key."""
    args = ["run", spec, "--base-url", server.base_url(mode), "--timeout", str(timeout), *extra]
    return maestro(args, home, limit=timeout + 20)


def attach_maestro(home: Path, record_id: str, *, timeout: float = 3.0, extra=()) -> Ran:
    """`maestro runs attach RECORD --timeout T` (the recorded base URL is the mode's)."""
    return maestro(["runs", "attach", record_id, "--timeout", str(timeout), *extra], home, limit=timeout + 20)


# What the piped watch prints once it has decided about the comment-only save:
# nothing to submit (the same request), or, after a refusal, the retry.
_SAVE_DECIDED = re.compile(r"^--- .* · rebuild 1 · .*$(?:\n.*)*?\n(request unchanged|submitting run 2 )", re.M)


def watch_maestro(server: HostileServer, mode: str, spec: Path, home: Path, *, text: str, seconds: float = 4.0, settle_limit: float = 25.0) -> Ran:
    """`maestro watch SPEC --run --base-url (mode)` until its first run has
    left `submitting` (or `settle_limit`), then a comment-only save of `text`
    (the same request) and, once watch has said what it makes of that save,
    Ctrl-C. The steps wait for what they need, so a slow machine only makes
    them slower. The caller checks the result with `leaks()` and `records()`,
    the POSTs with `server.count(mode, "POST")`, and with `save_decided()`
    that the save was seen."""
    args = ["watch", str(spec), "--run", "--base-url", server.base_url(mode), "--timeout", str(seconds)]
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "maestro_spec.cli", *args], env=_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out_lines: list[bytes] = []
    err_chunks: list[bytes] = []

    def read_lines() -> None:
        for line in proc.stdout:
            out_lines.append(line)

    readers = [threading.Thread(target=read_lines), threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()))]
    for t in readers:
        t.start()

    def settled() -> bool:
        recs = records(home)
        return bool(recs) and all(r.get("status") != "submitting" for r in recs)

    while time.monotonic() - started < settle_limit and proc.poll() is None and not settled():
        time.sleep(0.1)
    spec.write_text("# a comment changes nothing\n" + text, encoding="utf-8")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and proc.poll() is None and not save_decided(b"".join(out_lines).decode("utf-8", "replace")):
        time.sleep(0.05)
    time.sleep(0.2)  # a POST the save would (wrongly) start has time to reach the server
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    for t in readers:
        t.join()
    out = b"".join(out_lines).decode("utf-8", "replace")
    err = b"".join(err_chunks).decode("utf-8", "replace")
    return Ran(args, proc.returncode, out, err, time.monotonic() - started)


def save_decided(stdout: str) -> bool:
    """Whether a piped watch's output says what it made of its first rebuild."""
    return _SAVE_DECIDED.search(stdout) is not None


def records(home: Path) -> list[dict]:
    """The run records under MAESTRO_HOME (oldest first)."""
    runs = home / "runs"
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(runs.glob("*.json"))] if runs.is_dir() else []


def files_text(home: Path) -> str:
    """Every file under MAESTRO_HOME, as text."""
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in home.rglob("*") if p.is_file())


# What a terminal must never receive from a server: ESC, BEL, C1 CSI, bidi overrides.
RAW_CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e")


def leaks(ran: Ran, home: Path, *secrets: str) -> list[str]:
    """What is wrong with a command's run, whatever the mode: a traceback, exit
    70, a secret in its output or in any file under MAESTRO_HOME, a raw control
    character on stdout or stderr."""
    found = []
    text = ran.stdout + ran.stderr
    if "Traceback" in text:
        found.append("a traceback")
    if ran.code == 70:
        found.append("exit 70")
    if ran.code < 0:
        found.append(f"killed by the test's limit after {ran.seconds:.1f} s")
    for secret in (KEY, *secrets):
        if secret in text:
            found.append(f"the secret {secret[:6]}... in the output")
        if secret in files_text(home):
            found.append(f"the secret {secret[:6]}... in a record file")
    for c in RAW_CONTROLS:
        if c in text:
            found.append(f"a raw {c!r} in the output")
    return found
