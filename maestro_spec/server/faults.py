"""Fault injection, deterministic under --seed.

Two independent random streams, both seeded from the config's seed:

- per call (every POST or GET on the API routes, never /health), in the order
  calls arrive: added latency, then at most one of a dropped connection, an
  HTTP 429 with Retry-After, or an HTTP 500/503. A faulted call has no effect:
  no run is created or read.
- per run (each run created), in creation order: the run ends `failed` or
  `requires_action` instead of `completed`.

Separate streams keep one kind of fault from shifting the other's sequence.
Given the seed and the order of calls, every outcome is reproducible.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from dataclasses import dataclass

from ..transport import API_PREFIX
from .config import ServerConfig
from .runs import COMPLETED, FAILED, REQUIRES_ACTION

DROP = "drop"
RATE_LIMIT = "rate_limit"
SERVER_ERROR = "server_error"
UNAVAILABLE = "unavailable"

_API_PATH = API_PREFIX + "/maestro/"


class FaultPlan:
    """Draws the next call's and the next run's fate; safe across threads."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self._calls = random.Random(f"{config.seed}:calls")
        self._runs = random.Random(f"{config.seed}:runs")
        self._lock = threading.Lock()

    def next_call(self) -> str | None:
        c = self.config
        with self._lock:
            u = self._calls.random()
            coin = self._calls.random()
        if u < c.drop_rate:
            return DROP
        u -= c.drop_rate
        if u < c.rate_limit_rate:
            return RATE_LIMIT
        u -= c.rate_limit_rate
        if u < c.error_rate:
            return SERVER_ERROR if coin < 0.5 else UNAVAILABLE
        return None

    def next_run(self) -> str:
        c = self.config
        with self._lock:
            u = self._runs.random()
        if u < c.fail_rate:
            return FAILED
        if u < c.fail_rate + c.requires_action_rate:
            return REQUIRES_ACTION
        return COMPLETED


def _seconds(value: float) -> str:
    # Whole seconds as RFC 9110 wants; fractions kept (most clients parse
    # them) so tests can ask for short waits.
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@dataclass(frozen=True, slots=True)
class _Canned:
    status: int
    detail: str
    retry_after: bool


_CANNED = {
    RATE_LIMIT: _Canned(429, "too many requests (simulated by --rate-limit-rate)", True),
    SERVER_ERROR: _Canned(500, "internal server error (simulated by --error-rate)", False),
    UNAVAILABLE: _Canned(503, "service unavailable (simulated by --error-rate)", True),
}


class FaultMiddleware:
    """Pure ASGI, outermost, so that it can drop the raw connection."""

    def __init__(self, app, plan: FaultPlan) -> None:
        self.app = app
        self.plan = plan
        self.latency = plan.config.latency
        self.retry_after = plan.config.retry_after
        c = plan.config
        self.active = bool(c.latency or c.drop_rate or c.rate_limit_rate or c.error_rate)

    async def __call__(self, scope, receive, send) -> None:
        if not self.active or scope["type"] != "http" or not scope["path"].startswith(_API_PATH):
            await self.app(scope, receive, send)
            return
        if self.latency:
            await asyncio.sleep(self.latency)
        fault = self.plan.next_call()
        if fault is None:
            await self.app(scope, receive, send)
        elif fault == DROP:
            await _drop(receive, send)
        else:
            await self._respond(send, _CANNED[fault])

    async def _respond(self, send, canned: _Canned) -> None:
        body = json.dumps({"detail": canned.detail}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        if canned.retry_after:
            headers.append((b"retry-after", _seconds(self.retry_after).encode()))
            headers.append((b"retry-after-ms", str(round(self.retry_after * 1000)).encode()))
        await send({"type": "http.response.start", "status": canned.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


async def _drop(receive, send) -> None:
    """Close the TCP connection without a byte of response.

    ASGI has no "drop" message, so this reaches for uvicorn's transport
    (`send` is a bound method of its request cycle). Once the connection is
    marked lost, uvicorn sends nothing more. Elsewhere (another ASGI server)
    we fall back to returning without a response, which that server turns
    into its own error.
    """
    # Read the body first: closing with unread bytes makes the kernel send a
    # reset instead of a plain close, and clients report that differently.
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body"):
            break
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        return
    transport.abort()
    for _ in range(10):  # connection_lost runs on a later loop iteration
        if getattr(cycle, "disconnected", True):
            return
        await asyncio.sleep(0)
