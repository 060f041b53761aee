"""When to retry, how long to wait, and how often to poll: constants and pure functions.

Nothing here does I/O or reads a clock; callers pass the numbers in (and a
random source for jitter), so every rule can be tested exactly.

Retries (see docs/runtime.md):
- a GET is retried on a connection error, a timeout, or HTTP 408/429/5xx;
- the POST that creates a run is retried only when the server cannot have
  created one: the connection was never established, or the server answered
  429 or 503 (it refused before doing anything). A dropped connection, a read
  timeout, a 500/502/504 after the body was sent are NOT retried: the run may
  exist, and a duplicate costs money.
- at most MAX_RETRIES retries (defaults.py, as --help shows it), or MAX_REFUSED_RETRIES when the connection is
  refused (nothing listening is usually a wrong URL, not a restart);
- the wait is exponential (0.5 s, 1 s, 2 s, 4 s, 8 s), less up to 25 % jitter
  so that many clients do not retry in step; a server's Retry-After wins when
  it is at most MAX_RETRY_AFTER (and is at least MIN_RETRY_AFTER); a negative,
  NaN or unreadable one is ignored (the backoff applies).

Polling: the wait before the next GET depends on the run's age: a quarter
second at first (short runs are noticed fast), the SDK's 1 s from 2 s to
10 s, then a tenth of the age up to 5 s (long runs cost few requests).
"""

from __future__ import annotations

import email.utils
import math
from collections.abc import Callable, Mapping

import httpx

# ---------------------------------------------------------------- retries

# A refused connection means nothing listens there (a dead server, a wrong
# URL) far more often than a server mid-restart: a few quick retries cover
# the restart without making a user wait ~15 s to hear the URL is wrong.
MAX_REFUSED_RETRIES = 3
INITIAL_RETRY_DELAY = 0.5  # seconds before the first retry
MAX_RETRY_DELAY = 8.0  # the exponential backoff stops growing here
RETRY_JITTER = 0.25  # a backoff wait is shortened by up to this fraction
MAX_RETRY_AFTER = 60.0  # a longer Retry-After is not waited out: we give up
MIN_RETRY_AFTER = 0.1  # a shorter one (0, a date just past) is waited this long
RETRY_AFTER_SPREAD = 0.1  # a Retry-After wait is lengthened by up to this fraction

RETRYABLE_GET_STATUSES = frozenset({408, 429})  # and every 5xx
# A status is only retryable for the POST if it means "refused before processing".
RETRYABLE_POST_STATUSES = frozenset({429, 503})

# Failures where the request never left this machine (no connection, or no
# free connection in the pool): safe to repeat even for the POST.
NOT_SENT_ERRORS: tuple[type[Exception], ...] = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Failures after the request may have reached the server.
IN_FLIGHT_ERRORS: tuple[type[Exception], ...] = (
    httpx.ReadTimeout,
    httpx.WriteTimeout,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)

# ---------------------------------------------------------------- polling
# See poll_delay() and docs/runtime.md#polling for the reasoning.

POLL_MIN_DELAY = 0.25  # seconds; also the wait before the first GET
POLL_RAMP = 0.5  # from 0.5 s of age, wait half the run's age ...
POLL_STEADY_DELAY = 1.0  # ... up to the SDK's 1 s, held from 2 s to 10 s of age;
POLL_GROWTH = 0.1  # from 10 s, wait a tenth of the run's age ...
POLL_MAX_DELAY = 5.0  # ... but never more than this (reached at 50 s)

DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 30.0  # also the most one call may take in all (a drip is cut off)
# A call begun before the deadline may take this much past it (the final GET
# at the deadline gets an answer); no call, wait or retry goes further.
DEADLINE_GRACE = 1.0


def should_retry_get(*, status: int | None = None, error: BaseException | None = None) -> bool:
    """May a GET that ended with this status (or raised this error) be repeated?"""
    if error is not None:
        return isinstance(error, NOT_SENT_ERRORS + IN_FLIGHT_ERRORS)
    return status is not None and (status in RETRYABLE_GET_STATUSES or 500 <= status <= 599)


def may_retry_post(*, status: int | None = None, error: BaseException | None = None) -> bool:
    """May the POST that creates a run be repeated without risking a second run?"""
    if error is not None:
        return isinstance(error, NOT_SENT_ERRORS)
    return status in RETRYABLE_POST_STATUSES


# What a POST that brought back no readable run means for the run: the one
# rule that execute() records (unknown or error), and that watch and batch
# obey before they send the same request again (outcome.submission()).
CREATED = "created"  # the server named the run
MAYBE_CREATED = "maybe_created"  # the body reached the server: a run may exist; never sent again blindly
NOT_CREATED = "not_created"  # certainly no run: the same request may be sent again


def post_meaning(*, status: int | None = None, error: BaseException | None = None) -> str:
    """MAYBE_CREATED or NOT_CREATED, for a POST that ended with this HTTP
    status (and no readable run) or this error.

    Not created: the connection was never made, or the server refused before
    doing anything (4xx, 503). Maybe created: anything after the body was sent
    (a dropped connection, a read timeout, the deadline, 500/502/504, a 2xx
    whose body cannot be read, a 303 See Other).
    """
    if error is not None:
        return NOT_CREATED if isinstance(error, NOT_SENT_ERRORS) else MAYBE_CREATED
    if status is None:
        return MAYBE_CREATED
    if 400 <= status <= 499 or status == 503:
        return NOT_CREATED
    if 300 <= status <= 399:
        return MAYBE_CREATED if status == 303 else NOT_CREATED
    return MAYBE_CREATED


def parse_retry_after(headers: Mapping[str, str] | None, *, now: float | None = None) -> float | None:
    """Seconds the server asks us to wait: retry-after-ms, then Retry-After
    (seconds or an HTTP date, which needs `now` as a Unix time).

    None when absent or unusable (junk, negative, NaN: the normal backoff
    applies); math.inf for a wait too long to write down (`inf`, 1e400), which
    is above MAX_RETRY_AFTER like any huge one; a date in the past is 0. The
    result is never below MIN_RETRY_AFTER, so that "0" cannot make a burst."""
    if not headers:
        return None
    ms = _seconds(headers.get("retry-after-ms"))
    if ms is not None:
        return max(MIN_RETRY_AFTER, ms / 1000)
    raw = headers.get("retry-after")
    if raw is None:
        return None
    seconds = _seconds(raw)
    if seconds is not None:
        return max(MIN_RETRY_AFTER, seconds)
    if now is None or len(raw) > 64:
        return None
    try:
        parsed = email.utils.parsedate_tz(raw)
        when = email.utils.mktime_tz(parsed) if parsed is not None else None
    except (TypeError, ValueError, OverflowError):
        when = None
    if when is None:
        return None
    return max(MIN_RETRY_AFTER, when - now)


def _seconds(raw: str | None) -> float | None:
    """A non-negative number of seconds (inf for huge ones), or None if junk."""
    if raw is None or len(raw) > 64:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    if math.isnan(value) or value < 0:
        return None
    return value


def backoff_delay(
    attempt: int,
    rng: Callable[[], float],
    *,
    initial: float = INITIAL_RETRY_DELAY,
    cap: float = MAX_RETRY_DELAY,
) -> float:
    """The wait before retry number `attempt` (0 for the first retry) without a Retry-After."""
    base = min(initial * 2.0**attempt, cap)
    return base * (1.0 - RETRY_JITTER * rng())


def retry_delay(
    attempt: int,
    headers: Mapping[str, str] | None = None,
    *,
    rng: Callable[[], float],
    now: float | None = None,
    initial: float = INITIAL_RETRY_DELAY,
    cap: float = MAX_RETRY_DELAY,
) -> float | None:
    """Seconds to wait before retry number `attempt`, or None when the server
    asked for a wait longer than MAX_RETRY_AFTER (then we give up instead).

    A Retry-After is never shortened (the server said when it can take us),
    only spread a little later so that clients told the same number do not
    all come back in the same instant.
    """
    asked = parse_retry_after(headers, now=now)
    if asked is None:
        return backoff_delay(attempt, rng, initial=initial, cap=cap)
    if asked > MAX_RETRY_AFTER:
        return None
    return asked * (1.0 + RETRY_AFTER_SPREAD * rng())


def poll_delay(elapsed: float) -> float:
    """Seconds to wait before the next GET of a run that has been going for `elapsed` s.

        age       wait                 the end is noticed at most
        < 0.5 s   0.25 s               0.25 s late
        0.5-2 s   half the age         1 s late
        2-10 s    1 s (as the SDK)     1 s late
        10-50 s   a tenth of the age   10 % late
        > 50 s    5 s                  5 s late

    A short run is noticed four times sooner than with the SDK's fixed 1 s,
    a 2-10 s run exactly as soon, and a long run with a fraction of the GETs
    (about 25 for 30 s, 45 for 2 min, 1 more per 5 s after that; the SDK
    makes one a second). The price: about 3 more GETs in a run's first
    2 seconds.
    """
    t = max(0.0, elapsed)
    return min(POLL_MAX_DELAY, max(POLL_MIN_DELAY, min(POLL_STEADY_DELAY, POLL_RAMP * t), POLL_GROWTH * t))


def poll_schedule(elapsed: float, interval: float | None) -> float:
    """The wait before the next GET: a fixed `interval` if the user chose one, else poll_delay."""
    return interval if interval is not None else poll_delay(elapsed)
