"""Many runs at once: a bounded pool over one connection pool, one record each.

One run's failure is its own outcome; it never stops the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..exitcodes import EXIT_INTERRUPTED, EXIT_OK, EXIT_REQUIREMENTS_UNMET, EXIT_RUN_FAILED, EXIT_SPEC_ERRORS, EXIT_USAGE
from .defaults import MAX_CONCURRENCY
from .errors import RuntimeFailure
from .history import RunHistory
from .outcome import DONE, RunOutcome, RunSettings, StatusEvent
from .poll import execute, make_client, make_store

# Connections shared by all runs of a batch. Polls are short requests, so a
# few connections serve many runs; and httpcore's pool scans every connection
# for every request, so a pool as large as -j 64 costs more CPU than it saves
# (200 runs of 2 s at -j 64 on loopback: 3.8 s of CPU with 8 connections, 6.6 s with 64).
MAX_POOL_CONNECTIONS = 16

# When runs end differently, the command exits with the most serious code.
_SEVERITY = (EXIT_INTERRUPTED, EXIT_USAGE, EXIT_RUN_FAILED, EXIT_SPEC_ERRORS, EXIT_REQUIREMENTS_UNMET, EXIT_OK)


@dataclass(frozen=True)
class Job:
    spec: str
    request: dict


class Tracker:
    """The last event of every run, so that Ctrl-C can name the runs it leaves behind."""

    def __init__(self, forward: Callable[[StatusEvent], None] | None = None) -> None:
        self._last: dict[tuple, StatusEvent] = {}
        self._forward = forward

    def __call__(self, event: StatusEvent) -> None:
        self._last[(event.started, event.spec)] = event
        if self._forward is not None:
            self._forward(event)

    def started_count(self) -> int:
        return len(self._last)

    def in_flight(self) -> list[StatusEvent]:
        return [e for e in self._last.values() if e.phase != DONE]


def batch_exit_code(outcomes: Sequence[RunOutcome]) -> int:
    codes = {o.exit_code for o in outcomes}
    for code in _SEVERITY:
        if code in codes:
            return code
    return max(codes, default=EXIT_OK)


async def run_batch(
    jobs: Sequence[Job],
    *,
    settings: RunSettings,
    concurrency: int,
    on_status: Callable[[StatusEvent], None] | None = None,
    on_done: Callable[[RunOutcome], None] | None = None,
) -> list[RunOutcome]:
    """Run every job, at most `concurrency` at a time; outcomes in job order."""
    concurrency = max(1, min(concurrency, MAX_CONCURRENCY))
    store = make_store(settings)
    # Read once for the batch: how long earlier runs of these requests took.
    history = RunHistory.load(store) if store is not None and settings.poll_interval is None else None
    semaphore = asyncio.Semaphore(concurrency)
    async with make_client(settings, max_connections=min(concurrency, MAX_POOL_CONNECTIONS)) as client:

        async def one(job: Job) -> RunOutcome:
            async with semaphore:
                try:
                    outcome = await execute(
                        job.request, settings=settings, spec=job.spec, client=client, store=store, on_status=on_status,
                        history=history,
                    )
                except Exception as e:  # a bug in one run must not sink the batch
                    outcome = RunOutcome(request=job.request, spec=job.spec, local=settings.local)
                    outcome.error = RuntimeFailure(f"internal error: {type(e).__name__}: {e}").redacted(settings.api_key)
            if on_done is not None:
                on_done(outcome)
            return outcome

        return list(await asyncio.gather(*(one(job) for job in jobs)))
