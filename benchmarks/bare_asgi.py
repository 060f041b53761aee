"""A bare ASGI app answering the runs API with canned JSON: the floor for benchmarks/server_load.py.

    python benchmarks/bare_asgi.py [RUN_SECONDS]

Served exactly like `maestro serve` (the same uvicorn settings and h11
protocol, from maestro_spec.server.net), so a comparison measures the app
alone: routing, body checks, the simulation, fault injection and the run
store of the real server against a dict and three canned answers. Prints its
base URL (http://127.0.0.1:PORT/studio/v1) on one line, then serves until killed.
"""

from __future__ import annotations

import json
import secrets
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from maestro_spec.server.net import bind, make_server  # noqa: E402

PREFIX = "/studio/v1/maestro/runs"
HEADERS = [(b"content-type", b"application/json")]


def app_for(run_seconds: float):
    ends: dict[str, float] = {}

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        if method == "POST" and path == PREFIX:
            more = True
            while more:  # read the body whole, as any server must
                message = await receive()
                more = message.get("more_body", False)
            run_id = secrets.token_hex(16)
            ends[run_id] = time.monotonic() + run_seconds
            body = {"id": run_id, "status": "in_progress", "result": None}
        elif method == "GET" and path.startswith(PREFIX + "/"):
            run_id = path[len(PREFIX) + 1 :]
            if run_id not in ends:
                return await _answer(send, 404, {"detail": "no such run"})
            done = time.monotonic() >= ends[run_id]
            body = {"id": run_id, "status": "completed" if done else "in_progress", "result": "Canned answer." if done else None}
        elif method == "GET" and path == "/health":
            body = {"status": "ok", "runs": len(ends)}
        else:
            return await _answer(send, 404, {"detail": "no such endpoint"})
        await _answer(send, 200, body)

    return app


async def _answer(send, status: int, body: dict) -> None:
    await send({"type": "http.response.start", "status": status, "headers": HEADERS})
    await send({"type": "http.response.body", "body": json.dumps(body).encode()})


def main() -> None:
    sock = bind("127.0.0.1", 0)
    ready = threading.Event()
    server = make_server(app_for(float(sys.argv[1]) if len(sys.argv) > 1 else 0.5), on_ready=ready.set)
    threading.Thread(target=lambda: ready.wait(30) and print(f"http://127.0.0.1:{sock.getsockname()[1]}/studio/v1", flush=True), daemon=True).start()
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
