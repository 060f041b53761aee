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

Polling: the wait before the next GET depends on the run's age: the SDK's
1 s up to 5 s (short runs are noticed as soon as the SDK notices them, with
one GET fewer), then a fifth of the age up to 5 s (long runs cost few
requests). When earlier runs of the same request say how long it
takes (history.py), poll_delay_expected polls sparsely until just before that
and densely around it.
"""

from __future__ import annotations

import email.utils
import math
import sys
from collections.abc import Callable, Mapping

# httpx's __init__ imports its command-line tool (httpx._main) and with it
# pygments and rich's progress bars and syntax highlighting: ~60 ms of every
# start of `maestro run`. The runtime (policy is the first of its modules to
# import httpx) never runs that tool; a None in sys.modules makes that
# optional import fail at once, which httpx allows for (its `main` becomes a
# stub asking for httpx[cli]). The `httpx` command, its own process, is unaffected.
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)

import httpx  # noqa: E402

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

POLL_STEADY_DELAY = 1.0  # seconds: the SDK's interval, from the POST's answer ...
POLL_GROWTH_FROM = 5.0  # ... until 5 s of age; then ...
POLL_GROWTH = 0.2  # ... a fifth of the run's age ...
POLL_MAX_DELAY = 5.0  # ... but never more than this (reached at 25 s)

# With an expected duration E from earlier runs (poll_delay_expected):
POLL_MIN_DELAY = 0.25  # the densest polling: around E, and the retry-free floor of any wait
HISTORY_LEAD = 0.25  # the dense GETs start this long before E (E is learned from noticed ends)
HISTORY_CHECK_FRACTION = 0.25  # before that, a GET every quarter of E ...
HISTORY_CHECK_MIN = 2.0  # ... but at most one every 2 s (a run that fails early is noticed)
HISTORY_OVERRUN_GROWTH = 0.5  # past E, the wait grows by half the overrun, as poll_delay allows

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
    """Seconds to wait before the next GET of a run that has been going for
    `elapsed` s, when nothing says how long it will take.

        age       wait                 the end is noticed at most
        < 5 s     1 s (as the SDK)     1 s late
        5-25 s    a fifth of the age   20 % late
        > 25 s    5 s                  5 s late

    The SDK GETs right after the POST, then 1 s after each answer. Its first
    GET never finds a run done (the POST's answer would have said so), so we
    skip it: one GET fewer than the SDK for every run, and up to 5 s the rest
    on the same 1 s grid (ours does not drift by the answers' time), so a run
    is noticed as soon. From 5 s the waits grow: a 10 s run costs 9 GETs (the
    SDK 11), 30 s 15 (31), 2 min 33 (121, where the SDK gives up). The price is
    lateness past 5 s: up to a fifth of the run time, 5 s at most.
    """
    t = max(0.0, elapsed)
    if t < POLL_GROWTH_FROM:
        return POLL_STEADY_DELAY
    return min(POLL_MAX_DELAY, max(POLL_STEADY_DELAY, POLL_GROWTH * t))


def poll_delay_expected(elapsed: float, expected: float) -> float:
    """The wait before the next GET of a run expected to take `expected` s
    (history.expected_duration: earlier runs of the same request).

    Until HISTORY_LEAD before the expected end: one GET every quarter of it
    (at least 2 s apart), and one placed exactly at the start of the dense
    window. From there, GETs every POLL_MIN_DELAY, the wait growing with the
    overrun but never past poll_delay's. A run as long as the last ones costs
    two GETs around its end (plus one per quarter of it before) and is noticed
    within POLL_MIN_DELAY; one that takes longer falls back to poll_delay's
    bounds; one that ends sooner is noticed at the next check.
    """
    t = max(0.0, elapsed)
    aim = max(0.0, expected - HISTORY_LEAD)
    if t < aim:
        check = max(HISTORY_CHECK_MIN, HISTORY_CHECK_FRACTION * expected)
        return min(aim - t, check)
    dense = max(POLL_MIN_DELAY, HISTORY_OVERRUN_GROWTH * (t - aim))
    return min(dense, max(POLL_MIN_DELAY, poll_delay(t)))


def poll_schedule(elapsed: float, interval: float | None, expected: float | None = None) -> float:
    """The wait before the next GET: a fixed `interval` if the user chose one,
    else poll_delay_expected when earlier runs give an expected duration,
    else poll_delay."""
    if interval is not None:
        return interval
    if expected is not None and expected > 0:
        return poll_delay_expected(elapsed, expected)
    return poll_delay(elapsed)
