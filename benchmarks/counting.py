"""The local server, counting at the server what a client costs and how soon it notices.

    python benchmarks/counting.py RUN_SECONDS [RUN_SECONDS ...]

Starts one `maestro serve` app per RUN_SECONDS on 127.0.0.1 in this process
(each its own uvicorn server and thread), prints their base URLs as a JSON
list on one line, and serves until stdin closes. Each app is wrapped in an
ASGI middleware that, for every run:

- notes when the POST's answer starts (the run was created just before) and
  when the run ends by the server's clock (that time + its simulated length);
- counts the GETs of the run, and notes the first GET whose answer says the
  run has ended: its answer's start, minus the run's end, is the notice latency.

GET /bench/stats answers {"runs": {id: [gets, latency or null]}, "requests": N}
for the runs created since the last POST /bench/reset. Nothing is measured by a
client, so ours and the SDK are counted by the same code.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from maestro_spec.transport import RUNS_PATH  # noqa: E402
from maestro_spec.server import simulate  # noqa: E402
from maestro_spec.server.app import create_app  # noqa: E402
from maestro_spec.server.config import ServerConfig  # noqa: E402
from maestro_spec.server.net import bind, make_server  # noqa: E402

TERMINAL = {"completed", "failed", "requires_action"}


class Counting:
    """ASGI middleware: per-run GETs and notice latency, seen by the server."""

    def __init__(self, app, run_seconds: float) -> None:
        self.app = app
        self.run_seconds = run_seconds
        self.runs: dict[str, list] = {}  # id -> [ends, gets, latency]
        self.requests = 0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path, method = scope["path"], scope["method"]
        if path == "/bench/stats":
            return await _json(send, {"runs": {i: [g, lat] for i, (_, g, lat) in self.runs.items()}, "requests": self.requests})
        if path == "/bench/reset":
            self.runs.clear()
            self.requests = 0
            return await _json(send, {"ok": True})
        self.requests += 1
        is_post = method == "POST" and path.endswith(RUNS_PATH)
        is_get = method == "GET" and RUNS_PATH + "/" in path
        if not (is_post or is_get):
            return await self.app(scope, receive, send)
        body_in, body_out, started = [], [], [0.0]

        async def receive_counted():
            message = await receive()
            if is_post and message["type"] == "http.request":
                body_in.append(message.get("body", b""))
            return message

        async def send_counted(message):
            if message["type"] == "http.response.start":
                started[0] = time.monotonic()
            elif message["type"] == "http.response.body":
                body_out.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive_counted, send_counted)
        try:
            answer = json.loads(b"".join(body_out))
        except ValueError:
            return
        if not isinstance(answer, dict) or "id" not in answer:
            return
        if is_post:
            seconds = simulate.duration(json.loads(b"".join(body_in)), self.run_seconds)
            self.runs[answer["id"]] = [started[0] + seconds, 0, None]
            return
        run = self.runs.get(answer["id"])
        if run is None:
            return
        run[1] += 1
        if run[2] is None and answer.get("status") in TERMINAL:
            run[2] = started[0] - run[0]


async def _json(send, data) -> None:
    body = json.dumps(data).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


def serve(run_seconds: float) -> tuple[str, object]:
    config = ServerConfig(run_seconds=run_seconds, max_runs=1_000_000)
    sock = bind("127.0.0.1", 0)
    ready = threading.Event()
    server = make_server(Counting(create_app(config), run_seconds), on_ready=ready.set, header_timeout=config.header_timeout)
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    if not ready.wait(30):
        raise SystemExit("a counting server did not start")
    return f"http://127.0.0.1:{sock.getsockname()[1]}/studio/v1", server


def main() -> None:
    started = [serve(float(s)) for s in sys.argv[1:]]
    print(json.dumps([url for url, _ in started]), flush=True)
    sys.stdin.read()  # until the benchmark closes our stdin
    for _, server in started:
        server.should_exit = True


if __name__ == "__main__":
    main()
