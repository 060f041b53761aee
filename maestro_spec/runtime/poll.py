"""Run a request to the end: record, submit, poll, record again.

The reusable entry points (the CLI's `run`, `runs attach` and the watch mode
all go through them):

    outcome = await execute(request, settings=settings, on_status=print)
    outcome = await attach(record, settings=settings)

Both return a RunOutcome and do not raise for anything that can go wrong with
a run (the failure is in `outcome.error`, and `outcome.exit_code` says what a
command should exit with). They do let asyncio.CancelledError through (Ctrl-C,
or a watcher cancelling a stale run) after writing the record, which then
names the run id so that `maestro runs attach` can pick it up.

Pass a shared MaestroClient to run many requests over one connection pool
(batch.py does); without one, each call opens and closes its own. Likewise a
RunHistory (the durations of earlier runs, which the poll schedule aims at):
without one, execute() reads it from the store.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from ..compiler.credentials import redact_request, secret_values
from .wire import Run
from . import errors as E
from .client import MaestroClient, RetryNotice
from .history import RunHistory
from .outcome import DONE, RETRYING, RUNNING, SUBMITTING, RunOutcome, RunSettings, StatusEvent
from .policy import poll_schedule
from .record import ERROR, UNKNOWN, RunRecord, now_iso, parse_time
from .store import RunStore, StoreError

OnStatus = Callable[[StatusEvent], None]

# Failures while polling that retrying or `maestro runs attach` cannot help
# (the run is not there, the key is refused, the setup is wrong): reported as
# they are. Any other failure is wrapped in LostContact, whose hint says to attach.
_POLL_TERMINAL = (E.RunNotFound, E.AuthRejected, E.UsageFailure)


def make_client(settings: RunSettings, *, max_connections: int = 100) -> MaestroClient:
    return MaestroClient(
        settings.base_url,
        settings.api_key,
        max_retries=settings.max_retries,
        initial_retry_delay=settings.initial_retry_delay,
        connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout,
        max_connections=max_connections,
    )


def make_store(settings: RunSettings) -> RunStore | None:
    # The store scrubs the key out of every value it writes (values, not the
    # serialized text): a second guard behind the client's own scrubbing.
    return RunStore(settings.store_root, secrets=(settings.api_key,)) if settings.record else None


class _Run:
    """One run's bookkeeping while it is followed."""

    def __init__(self, outcome: RunOutcome, settings: RunSettings, store: RunStore | None, on_status: OnStatus | None, started: float):
        self.outcome = outcome
        self.settings = settings
        self.store = store
        self.on_status = on_status
        self.started = started
        # Scrubbed from everything the server says: the key and every tool header value.
        self.secrets = tuple(s for s in (settings.api_key, *secret_values(outcome.request)) if s)

    def calls(self, deadline: float) -> dict:
        """The keyword arguments of every client call of this run."""
        return dict(on_retry=self.on_retry, deadline=deadline, secrets=self.secrets, on_warning=self.warn)

    def warn(self, text: str) -> None:
        if text not in self.outcome.warnings:
            self.outcome.warnings.append(text)

    def emit(self, phase: str, status: str | None = None, detail: str | None = None) -> None:
        if self.on_status is not None:
            o = self.outcome
            self.on_status(StatusEvent(phase, self.started, o.spec, o.run_id, status, detail))

    def on_retry(self, notice: RetryNotice) -> None:
        self.outcome.retries += 1
        status = self.outcome.run.status if self.outcome.run else None
        self.emit(RETRYING, status, f"retry {notice.attempt} in {notice.delay:.1f} s ({notice.reason})")

    def save(self, **changes) -> None:
        record = self.outcome.record
        if record is None or self.store is None:
            return
        for name, value in changes.items():
            setattr(record, name, value)
        record.polls = self.outcome.gets
        record.retries = self.outcome.retries
        try:
            self.store.save(record)
        except StoreError as e:
            # The run goes on; the result is still shown. Say it once.
            self.warn(str(e))

    def finish(self, failure: E.RuntimeFailure | None = None, **changes) -> RunOutcome:
        o = self.outcome
        o.elapsed = time.monotonic() - self.started
        o.error = failure
        if failure is not None:
            changes.setdefault("error", str(failure))
        self.save(elapsed=round(o.elapsed, 3), **changes)
        if not isinstance(failure, E.Interrupted):  # an interrupted run has not ended
            self.emit(DONE, o.run.status if o.run else None, str(failure) if failure else None)
        return o


async def execute(
    request: dict,
    *,
    settings: RunSettings,
    on_status: OnStatus | None = None,
    spec: str | None = None,
    client: MaestroClient | None = None,
    store: RunStore | None = None,
    history: RunHistory | None = None,
) -> RunOutcome:
    """Submit one request and follow it to the end (or the timeout).

    The record is written before the POST, when the run id arrives, and with
    the final response, always before this returns.
    """
    store = store if store is not None else make_store(settings)
    outcome = RunOutcome(request=request, spec=spec, local=settings.local, min_score=settings.min_score)
    started = time.monotonic()
    tracker = _Run(outcome, settings, store, on_status, started)
    recorded = redact_request(request)  # tool header values never reach a record

    if settings.use_cache and store is not None:
        hit = store.cached(recorded, settings.target)
        if hit is not None:
            outcome.run = Run.model_validate(hit.response)
            outcome.run_id = hit.run_id
            outcome.cached_from = hit.id
            outcome.record = hit
            outcome.elapsed = hit.elapsed or 0.0
            return outcome

    expected = None
    if store is not None:
        if settings.poll_interval is None:
            history = history if history is not None else RunHistory.load(store)
        try:
            outcome.record = store.new(recorded, spec=spec, target=settings.target, base_url=settings.base_url)
        except StoreError as e:
            # Nothing is sent that could not be recorded.
            return tracker.finish(e)
        if history is not None:
            expected = history.expected(recorded, target=settings.target, spec=spec, request_hash=outcome.record.request_hash)

    own_client = client is None
    client = client or make_client(settings)
    try:
        deadline = started + settings.timeout
        tracker.emit(SUBMITTING)
        try:
            run = await client.create(request, **tracker.calls(deadline))
        except E.RuntimeFailure as e:
            # What the failed POST means (policy.post_meaning): a run may
            # exist (unknown, with the id if the answer gave one) or not (error).
            outcome.run_id = getattr(e, "run_id", None)
            return tracker.finish(e, status=UNKNOWN if e.run_may_exist else ERROR, run_id=outcome.run_id)
        except asyncio.CancelledError:
            tracker.finish(E.Interrupted(None), status=UNKNOWN)
            raise
        outcome.run, outcome.run_id = run, run.id
        tracker.save(run_id=run.id, status=run.status, submitted_at=now_iso(), response=run.model_dump(mode="json"))
        tracker.emit(RUNNING, run.status)
        # The run's age counts from its creation, which the POST's answer marks.
        return await _follow(tracker, client, time.monotonic(), deadline, expected)
    finally:
        if own_client:
            await client.aclose()


async def attach(
    record: RunRecord,
    *,
    settings: RunSettings,
    on_status: OnStatus | None = None,
    client: MaestroClient | None = None,
    store: RunStore | None = None,
) -> RunOutcome:
    """Resume following a recorded run (one an interrupted command left).

    The poll schedule continues from the run's age, so a run submitted an
    hour ago is polled at the slow end of the schedule, after one GET now.
    """
    store = store if store is not None else make_store(settings)
    outcome = RunOutcome(
        request=record.request,
        spec=record.spec,
        run_id=record.run_id,
        record=record,
        local=settings.local,
        min_score=settings.min_score,
        gets=record.polls,
        retries=record.retries,
    )
    started = time.monotonic()
    tracker = _Run(outcome, settings, store, on_status, started)
    age = _age(record.submitted_at or record.created_at)
    own_client = client is None
    client = client or make_client(settings)
    try:
        tracker.emit(RUNNING, record.status)
        deadline = started + settings.timeout
        try:
            run = await client.retrieve(record.run_id, **tracker.calls(deadline))
        except E.DeadlineReached:
            return tracker.finish(E.PollTimeout(record.run_id, settings.timeout))
        except E.RuntimeFailure as e:
            return tracker.finish(e)
        outcome.gets += 1
        outcome.run = run
        tracker.save(status=run.status, response=run.model_dump(mode="json"), error=None)
        return await _follow(tracker, client, started - age, deadline)
    finally:
        if own_client:
            await client.aclose()


async def _follow(tracker: _Run, client: MaestroClient, origin: float, deadline: float, expected: float | None = None) -> RunOutcome:
    """GET the run on the poll schedule until it ends or the deadline passes.

    `origin` is when the run was created (time.monotonic()); `expected` how
    long earlier runs of the request took (None: not known); waits are
    measured from the start of the previous GET, so slow answers do not
    stretch the schedule.
    """
    outcome = tracker.outcome
    run = outcome.run
    # The id the run was created (or recorded) with: an answer naming another
    # run does not send the polling elsewhere.
    run_id = outcome.run_id or run.id
    interval = tracker.settings.poll_interval
    last = time.monotonic()
    ran_until = None  # when the last GET that found the run going was sent, from origin
    try:
        while not run.is_terminal:
            now = time.monotonic()
            if now >= deadline:
                return tracker.finish(E.PollTimeout(run_id, tracker.settings.timeout))
            due = min(last + poll_schedule(last - origin, interval, expected), deadline)
            await asyncio.sleep(max(0.0, due - now))
            last = time.monotonic()
            try:
                run = await client.retrieve(run_id, **tracker.calls(deadline))
            except E.DeadlineReached:
                return tracker.finish(E.PollTimeout(run_id, tracker.settings.timeout))
            except _POLL_TERMINAL as e:
                return tracker.finish(e)
            except E.RuntimeFailure as e:
                return tracker.finish(E.LostContact(run_id, e))
            outcome.gets += 1
            if not run.is_terminal:
                ran_until = last - origin
            if run.status != outcome.run.status and not run.is_terminal:  # the end is saved by finish()
                tracker.save(status=run.status, response=run.model_dump(mode="json"))
            outcome.run = run
            tracker.emit(RUNNING, run.status)
    except asyncio.CancelledError:
        tracker.finish(E.Interrupted(run_id))
        raise
    bound = {} if ran_until is None else {"ran_until": round(max(0.0, ran_until), 3)}
    return tracker.finish(None, status=run.status, response=run.model_dump(mode="json"), finished_at=now_iso(), error=None, **bound)


def _age(iso: str | None) -> float:
    """Seconds since an ISO time written by the store (0 if unreadable)."""
    then = parse_time(iso)
    return 0.0 if then is None else max(0.0, time.time() - then)
