"""The HTTP side of a run: one POST to create it, GETs to read it, safe retries.

    async with MaestroClient(base_url, api_key) as client:
        run = await client.create(request)          # POST {base}/maestro/runs
        run = await client.retrieve(run.id)         # GET  {base}/maestro/runs/{id}

Which failures are retried, and how long to wait, is decided by policy.py;
this module only applies it; answer.py reads what comes back. Every failure
leaves as a RuntimeFailure (see errors.py) raised `from` the httpx cause,
with the key and the caller's other secrets redacted. Each call is bounded:
by the run's deadline and the call timeout for every byte of it, and by
answer.MAX_RESPONSE_BYTES for its decompressed size.
"""

from __future__ import annotations

import asyncio
import importlib.util
import random
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import quote

import httpx

from .. import __version__
from ..transport import RUNS_PATH
from .wire import Run
from . import errors as E
from . import policy as P
from .answer import MAX_ID_CHARS, MAX_RESPONSE_BYTES, UnreadableAnswer, parse_json, read_run, salvage_id
from .connections import Lanes
from .defaults import MAX_RETRIES
from .reasons import error_detail, transport_reason
from ..sanitize import one_line, scrub, scrub_text
from .target import usable_base_url

def _skip_sniffio_lookups() -> None:
    """httpcore tries `import sniffio` several times per request (to tell trio
    from asyncio). When it is not installed, each failed try searches sys.path
    again: about 0.5 ms, most of a request's CPU on loopback. A None in
    sys.modules makes the import fail at once (the documented "import halted"
    marker), with the same result: httpcore assumes asyncio, which is what we
    run. Only done when sniffio is truly absent."""
    if "sniffio" not in sys.modules and importlib.util.find_spec("sniffio") is None:
        sys.modules["sniffio"] = None


_skip_sniffio_lookups()


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
        self.base_url = usable_base_url(base_url)
        self._key = api_key or None
        self.max_retries = max_retries
        self._initial_delay = initial_retry_delay
        self._max_delay = max_retry_delay
        self._rng = rng
        self.stats = ClientStats()
        # One call, every byte of it, takes at most this long (a drip is cut off).
        self._call_timeout = read_timeout
        headers = {"Accept": "application/json", "User-Agent": f"maestro-spec/{__version__}"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        # Plain http (loopback only) never uses TLS: skip loading the CA bundle.
        # Over https every lane shares one context (loading it costs ~10 ms).
        verify = httpx.create_ssl_context() if httpx.URL(self.base_url).scheme == "https" else False

        def lane() -> httpx.AsyncClient:
            return httpx.AsyncClient(
                headers=headers,
                timeout=timeout,
                limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
                # A redirect could lead the Authorization header somewhere else.
                follow_redirects=False,
                verify=verify,
            )

        # Calls wait for a free connection in Lanes, never in httpcore's pool (connections.py says why).
        self._lanes = Lanes(max_connections, lane)

    async def __aenter__(self) -> "MaestroClient":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._lanes.aclose()

    # ------------------------------------------------------------ the two calls

    async def create(
        self, request: dict, *, on_retry: OnRetry | None = None, deadline: float | None = None, secrets: Iterable[str] = (),
        on_warning: Callable[[str], None] | None = None,
    ) -> Run:
        """POST the request; the Run the server created (usually in_progress).

        Whatever fails after the body may have reached the server raises a
        failure with run_may_exist (policy.post_meaning): MaybeSubmitted, or
        UnreadableRun when the answer named the run (its id is kept)."""
        url = self.base_url + RUNS_PATH
        secrets = self._secrets(secrets)
        try:
            response, body = await self._send("POST", url, request, P.may_retry_post, on_retry, deadline, secrets)
        except E.DeadlineReached:
            raise E.MaybeSubmitted(self.base_url, "no complete answer before the deadline") from None
        return self._run_from(response, body, url, secrets, post=True, on_warning=on_warning)

    async def retrieve(
        self, run_id: str, *, on_retry: OnRetry | None = None, deadline: float | None = None, secrets: Iterable[str] = (),
        on_warning: Callable[[str], None] | None = None,
    ) -> Run:
        """GET the run as it is now. The id is percent-encoded whole: whatever
        the server called it, it cannot change the path or add a query."""
        if len(run_id) > MAX_ID_CHARS:
            raise E.RuntimeFailure(
                f"the run id is {len(run_id)} characters long, too long to ask {self.base_url} about",
                hint="the server named the run so; check it in your AI21 account",
            )
        url = f"{self.base_url}{RUNS_PATH}/{quote(run_id.encode('utf-8', 'surrogatepass'), safe='')}"
        secrets = self._secrets(secrets)
        response, body = await self._send("GET", url, None, P.should_retry_get, on_retry, deadline, secrets, run_id=run_id)
        return self._run_from(response, body, url, secrets, post=False, on_warning=on_warning)

    # ------------------------------------------------------------ internals

    def _secrets(self, extra: Iterable[str]) -> tuple[str, ...]:
        return tuple(s for s in (self._key, *extra) if s)

    async def _attempt(self, method: str, url: str, body, deadline: float | None) -> tuple[httpx.Response, bytes]:
        """One call, its answer read whole: within the deadline (every byte of
        it, however slowly it drips; a call begun in time may run
        DEADLINE_GRACE past it), within the call timeout, and within
        MAX_RESPONSE_BYTES once decompressed."""
        budget = self._call_timeout
        if deadline is not None:
            if time.monotonic() > deadline:
                raise E.DeadlineReached(method)
            budget = min(budget, deadline + P.DEADLINE_GRACE - time.monotonic())
        sending = False
        try:
            async with asyncio.timeout(budget):
                http = await self._lanes.acquire()
                sending = True
                try:
                    response = await http.send(http.build_request(method, url, json=body), stream=True)
                    try:
                        chunks, size = [], 0
                        async for chunk in response.aiter_bytes():
                            size += len(chunk)
                            if size > MAX_RESPONSE_BYTES:
                                raise _TooLarge()
                            chunks.append(chunk)
                    finally:
                        await response.aclose()
                finally:
                    self._lanes.release(http)
        except TimeoutError:
            if deadline is not None and time.monotonic() >= deadline:
                raise E.DeadlineReached(method) from None
            if not sending:  # still waiting for a free connection: nothing was sent
                raise httpx.PoolTimeout(f"no free connection within {self._call_timeout:g} s") from None
            # The whole call took too long (a drip, headers that never come):
            # as a read timeout, it may be retried for a GET, never for the POST.
            raise httpx.ReadTimeout(f"no complete answer within {self._call_timeout:g} s") from None
        except httpx.DecodingError as e:
            raise _Undecodable(str(e)) from None
        return response, b"".join(chunks)

    async def _send(self, method, url, body, may_retry, on_retry, deadline, secrets, *, run_id=None):
        attempt = 0
        while True:
            if method == "POST":
                self.stats.posts += 1
            else:
                self.stats.gets += 1
            try:
                response, content = await self._attempt(method, url, body, deadline)
            except (_TooLarge, _Undecodable) as e:
                what = e.what if isinstance(e, _Undecodable) else f"more than {MAX_RESPONSE_BYTES // (1024 * 1024)} MiB"
                if method == "POST":
                    raise E.MaybeSubmitted(self.base_url, f"an answer of {what}", answered=True).redacted(*secrets) from None
                raise E.BadResponse(url, what).redacted(*secrets) from None
            except httpx.TransportError as e:
                delay = self._delay(attempt, None) if may_retry(error=e) else None
                limit = min(self.max_retries, P.MAX_REFUSED_RETRIES) if isinstance(e, httpx.ConnectError) else self.max_retries
                if not self._may_wait(attempt, delay, deadline, limit):
                    raise self._transport_failure(method, e).redacted(*secrets) from e
                reason = transport_reason(e)
            else:
                status = response.status_code
                self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1
                if status < 300:
                    return response, content
                delay = self._delay(attempt, response.headers) if status >= 400 and may_retry(status=status) else None
                if not self._may_wait(attempt, delay, deadline, self.max_retries):
                    raise self._status_failure(method, response, content, attempt, run_id).redacted(*secrets)
                reason = str(status)
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
        if method == "POST" and P.post_meaning(error=e) == P.MAYBE_CREATED:
            return E.MaybeSubmitted(self.base_url, reason)
        hint = None
        if reason == "host not found":
            hint = "check the host name in --base-url or AI21_API_HOST (and this machine's network)"
        elif isinstance(e, httpx.ConnectError):
            hint = "is a server listening there? check --base-url or AI21_API_HOST, or use --local for the built-in server"
        return E.Unreachable(self.base_url, reason, hint=hint)

    def _status_failure(
        self, method: str, response: httpx.Response, content: bytes, retries: int, run_id: str | None
    ) -> E.RuntimeFailure:
        status = response.status_code
        detail = error_detail(content)
        maybe = method == "POST" and P.post_meaning(status=status) == P.MAYBE_CREATED
        if 300 <= status <= 399:
            location = response.headers.get("location")
            return E.Redirected(status, one_line(location, 200) if location else None, run_may_exist=maybe)
        if maybe:  # 500, 502, 504... after the body was sent
            said = f": {detail}" if detail else ""
            tail = f" after {retries} retries" if retries else ""
            return E.MaybeSubmitted(self.base_url, f"HTTP {status}{tail}{said}", answered=True)
        if status == 401:
            return E.AuthRejected(status, key_sent=self._key is not None)
        if status == 403:
            return E.HTTPFailure(403, "the API key is not allowed to use the Maestro API", detail=detail)
        if status in (400, 422):
            return E.RequestRejected(status, detail or one_line(response.reason_phrase or "", 80))
        if status == 404:
            return E.RunNotFound(one_line(run_id, 200), self.base_url) if run_id else E.NoAPIHere(self.base_url + RUNS_PATH)
        if status == 429:
            return E.RateLimited(retries, P.parse_retry_after(response.headers, now=time.time()))
        if status >= 500:
            return E.ServerError(status, retries, detail)
        reason = one_line(response.reason_phrase or "", 80)
        return E.HTTPFailure(status, detail or reason or "unexpected answer", detail=detail)

    def _run_from(self, response: httpx.Response, content: bytes, url: str, secrets, *, post: bool, on_warning=None) -> Run:
        """The Run in a 2xx answer, secrets scrubbed from its values; else the
        failure that fits (see answer.py)."""
        try:
            data = parse_json(content)
        except UnreadableAnswer as e:
            run_id = salvage_id(content)
            if run_id is not None:
                raise E.UnreadableRun(scrub_text(run_id, secrets), self.base_url, str(e)).redacted(*secrets) from None
            if post:
                raise E.MaybeSubmitted(self.base_url, f"HTTP {response.status_code} and {e}", answered=True).redacted(*secrets) from None
            raise E.BadResponse(url, f"HTTP {response.status_code} and {e}").redacted(*secrets) from None
        reading = read_run(scrub(data, secrets))
        if reading.run is not None:
            if on_warning is not None:
                for warning in reading.warnings:
                    on_warning(warning)
            return reading.run
        if reading.run_id is not None:
            raise E.UnreadableRun(reading.run_id, self.base_url, reading.problem).redacted(*secrets)
        if post:
            raise E.MaybeSubmitted(self.base_url, reading.problem, answered=True).redacted(*secrets)
        raise E.BadResponse(url, reading.problem).redacted(*secrets)


class _TooLarge(Exception):
    pass


class _Undecodable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.what = "a body that cannot be decompressed"
