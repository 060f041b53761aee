"""The HTTP side of a run: one POST to create it, GETs to read it, safe retries.

    async with MaestroClient(base_url, api_key) as client:
        run = await client.create(request)          # POST {base}/maestro/runs
        run = await client.retrieve(run.id)         # GET  {base}/maestro/runs/{id}

Which failures are retried, and how long to wait, is decided by policy.py;
this module only applies it. Every failure leaves as a RuntimeFailure (see
errors.py) raised `from` the httpx cause, with the key redacted.
"""

from __future__ import annotations

import asyncio
import json
import random
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from pydantic import ValidationError

from .. import __version__
from ..compiler import endpoint
from ..compiler.endpoint import RUNS_PATH
from ..compiler.wire import Run
from . import errors as E
from . import policy as P
from .defaults import MAX_RETRIES

_DETAIL_CHARS = 300


@dataclass(frozen=True)
class RetryNotice:
    """Told to an on_retry callback before each wait."""

    method: str
    attempt: int  # 1 for the first retry
    delay: float
    reason: str  # "429", "503", "connection refused", ...


OnRetry = Callable[[RetryNotice], None]


@dataclass
class ClientStats:
    posts: int = 0
    gets: int = 0
    retries: int = 0
    by_status: dict[int, int] = field(default_factory=dict)


def check_base_url(url: str) -> str:
    """The base URL without a trailing slash, or a UsageFailure (the rule is endpoint.py's)."""
    try:
        return endpoint.check_base_url(url)
    except endpoint.BaseURLError as e:
        raise (E.InsecureURL(str(e)) if e.insecure else E.BadURL(str(e))) from None


class MaestroClient:
    """An async client for the Maestro runs API, shared by any number of runs."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        max_retries: int = MAX_RETRIES,
        initial_retry_delay: float = P.INITIAL_RETRY_DELAY,
        max_retry_delay: float = P.MAX_RETRY_DELAY,
        connect_timeout: float = P.DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = P.DEFAULT_READ_TIMEOUT,
        max_connections: int = 100,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.base_url = check_base_url(base_url)
        self._key = api_key or None
        self.max_retries = max_retries
        self._initial_delay = initial_retry_delay
        self._max_delay = max_retry_delay
        self._rng = rng
        self.stats = ClientStats()
        headers = {"Accept": "application/json", "User-Agent": f"maestro-spec/{__version__}"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        self._http = httpx.AsyncClient(
            headers=headers,
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            # A redirect could lead the Authorization header somewhere else.
            follow_redirects=False,
            # Plain http (loopback only) never uses TLS: skip loading the CA bundle.
            verify=httpx.URL(self.base_url).scheme == "https",
        )

    async def __aenter__(self) -> "MaestroClient":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # ------------------------------------------------------------ the two calls

    async def create(self, request: dict, *, on_retry: OnRetry | None = None, deadline: float | None = None) -> Run:
        """POST the request; the Run the server created (usually in_progress)."""
        url = self.base_url + RUNS_PATH
        response = await self._send("POST", url, request, P.may_retry_post, on_retry, deadline)
        return self._run_from(response, url)

    async def retrieve(self, run_id: str, *, on_retry: OnRetry | None = None, deadline: float | None = None) -> Run:
        """GET the run as it is now."""
        url = f"{self.base_url}{RUNS_PATH}/{run_id}"
        response = await self._send("GET", url, None, P.should_retry_get, on_retry, deadline, run_id=run_id)
        return self._run_from(response, url)

    # ------------------------------------------------------------ internals

    async def _send(self, method, url, body, may_retry, on_retry, deadline, *, run_id=None) -> httpx.Response:
        attempt = 0
        while True:
            if method == "POST":
                self.stats.posts += 1
            else:
                self.stats.gets += 1
            try:
                response = await self._http.request(method, url, json=body)
            except httpx.TransportError as e:
                delay = self._delay(attempt, None) if may_retry(error=e) else None
                limit = min(self.max_retries, P.MAX_REFUSED_RETRIES) if isinstance(e, httpx.ConnectError) else self.max_retries
                if not self._may_wait(attempt, delay, deadline, limit):
                    raise self._transport_failure(method, e).redacted(self._key) from e
                reason = transport_reason(e)
            else:
                status = response.status_code
                self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1
                if status < 400:
                    return response
                delay = self._delay(attempt, response.headers) if may_retry(status=status) else None
                if not self._may_wait(attempt, delay, deadline, self.max_retries):
                    raise self._status_failure(method, response, attempt, run_id).redacted(self._key)
                reason = str(status)
                await response.aclose()
            attempt += 1
            self.stats.retries += 1
            if on_retry is not None:
                on_retry(RetryNotice(method, attempt, delay, reason))
            await asyncio.sleep(delay)

    def _delay(self, attempt: int, headers) -> float | None:
        return P.retry_delay(
            attempt, headers, rng=self._rng, now=time.time(), initial=self._initial_delay, cap=self._max_delay
        )

    def _may_wait(self, attempt: int, delay: float | None, deadline: float | None, limit: int) -> bool:
        if delay is None or attempt >= limit:
            return False
        return deadline is None or time.monotonic() + delay < deadline

    def _transport_failure(self, method: str, e: httpx.TransportError) -> E.RuntimeFailure:
        reason = transport_reason(e)
        if method == "POST" and not P.may_retry_post(error=e):
            return E.MaybeSubmitted(self.base_url, reason)
        hint = None
        if reason == "host not found":
            hint = "check the host name in --base-url or AI21_API_HOST (and this machine's network)"
        elif isinstance(e, httpx.ConnectError):
            hint = "is a server listening there? check --base-url or AI21_API_HOST, or use --local for the built-in server"
        return E.Unreachable(self.base_url, reason, hint=hint)

    def _status_failure(self, method: str, response: httpx.Response, retries: int, run_id: str | None) -> E.RuntimeFailure:
        status = response.status_code
        detail = error_detail(response)
        if status == 401:
            return E.AuthRejected(status, key_sent=self._key is not None)
        if status == 403:
            return E.HTTPFailure(403, "the API key is not allowed to use the Maestro API", detail=detail)
        if status in (400, 422):
            return E.RequestRejected(status, detail or response.reason_phrase)
        if status == 404:
            return E.RunNotFound(run_id, self.base_url) if run_id else E.NoAPIHere(self.base_url + RUNS_PATH)
        if status == 429:
            return E.RateLimited(retries, P.parse_retry_after(response.headers, now=time.time()))
        if status >= 500:
            return E.ServerError(status, retries, detail)
        return E.HTTPFailure(status, detail or response.reason_phrase or "unexpected answer", detail=detail)

    def _run_from(self, response: httpx.Response, url: str) -> Run:
        try:
            data = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise E.BadResponse(url, f"HTTP {response.status_code} and no JSON") from None
        try:
            return Run.model_validate(data)
        except ValidationError as e:
            raise E.BadResponse(url, f"JSON of another shape ({e.error_count()} mismatches)") from None


def _causes(e: BaseException):
    seen = set()
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        yield e
        e = e.__cause__ or e.__context__


def transport_reason(e: httpx.TransportError) -> str:
    """A few words for why a call got no answer: 'connection refused', 'host not found'..."""
    # anyio sums up failed attempts as "All connection attempts failed"; the
    # OS's reason is further down the chain.
    for cause in _causes(e):
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "host not found"
    text = " ".join(str(c) for c in _causes(e)).lower()
    if isinstance(e, httpx.ConnectTimeout):
        return "connection timed out"
    if isinstance(e, httpx.ReadTimeout):
        return "no answer within the read timeout"
    if isinstance(e, httpx.TimeoutException):
        return "timed out"
    if isinstance(e, httpx.ConnectError):
        if "refused" in text:
            return "connection refused"
        if "name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
            return "host not found"
        if "certificate" in text or "ssl" in text:
            return "TLS handshake failed (" + str(e).strip()[:120] + ")"
        if "unreachable" in text:
            return "network unreachable"
        return "cannot connect (" + (str(e).strip()[:120] or type(e).__name__) + ")"
    if isinstance(e, httpx.RemoteProtocolError):
        return "the server closed the connection without an answer"
    if isinstance(e, (httpx.ReadError, httpx.WriteError)):
        return "the connection dropped"
    return str(e).strip()[:120] or type(e).__name__


def error_detail(response: httpx.Response) -> str | None:
    """The server's explanation, on one line: FastAPI-style detail, AI21's, or text."""
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        text = response.text.strip()
        return _one_line(text) if text else None
    detail = data.get("detail", data.get("error", data.get("message"))) if isinstance(data, dict) else data
    if isinstance(detail, dict):
        detail = detail.get("message") or json.dumps(detail)
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if isinstance(item, dict):
                path = item.get("path", item.get("loc"))
                if isinstance(path, (list, tuple)):
                    path = ".".join(map(str, path))
                message = item.get("message", item.get("msg", ""))
                parts.append(f"{path}: {message}" if path else str(message))
            else:
                parts.append(str(item))
        detail = "; ".join(parts)
    return _one_line(str(detail)) if detail else None


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _DETAIL_CHARS else text[: _DETAIL_CHARS - 3] + "..."
