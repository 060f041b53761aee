"""Watch mode's runs: acts on each build's Decision (decide.py) through the runtime.

The runner is given everything it uses: the run settings, the view it tells
events to (view.View), the summary it counts in, and a callback for a bug
in a run's task. It reads no other object's state.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, Callable

from .decide import created_no_run, decision_for, runs_left
from .state import Build, RunJob, WatchSummary

if TYPE_CHECKING:
    from .view import View


class Runner:
    """Per build: submit, skip as unchanged, drop or abandon; and follow the runs."""

    def __init__(
        self,
        settings,
        *,
        spec: str,
        max_runs: int,
        settle: float,
        view: "View",
        summary: WatchSummary,
        on_failure: Callable[[BaseException], None],
    ) -> None:
        from ..runtime.poll import make_client, make_store

        self.settings = settings
        self.spec = spec
        self.max_runs = max_runs
        self.settle = settle
        self.view = view
        self.summary = summary
        self.on_failure = on_failure
        self.client = make_client(settings)
        self.store = make_store(settings)
        self.current: RunJob | None = None  # the latest: pending, in flight or ended
        self.last: RunJob | None = None  # the last one submitted
        self.tasks: dict[RunJob, asyncio.Task] = {}
        self._failed = False

    def consider(self, build: Build) -> None:
        decision = decision_for(build.request, self.current, self.last)
        if decision.drop is not None:
            self._drop(decision.drop)
        if decision.abandon is not None:
            self._abandon(decision.abandon)
        if decision.unchanged is not None:
            self.current = decision.unchanged
            self._unchanged(decision.unchanged)
        elif decision.submit:
            self._start(RunJob(build, build.request))

    def _unchanged(self, job: RunJob) -> None:
        self.summary.runs_unchanged += 1
        self.view.unchanged(job)
        self.view.counters(self.summary)

    def _start(self, job: RunJob) -> None:
        self.current = job
        task = asyncio.create_task(self._run(job))
        self.tasks[job] = task
        task.add_done_callback(partial(self._done, job))
        self.view.pending(job)

    def _done(self, job: RunJob, task: asyncio.Task) -> None:
        self.tasks.pop(job, None)
        if not task.cancelled() and task.exception() is not None and not self._failed:
            # A bug, not a run's failure (execute() returns those): stop and let it surface.
            self._failed = True
            self.on_failure(task.exception())

    def _cancel(self, job: RunJob) -> None:
        task = self.tasks.get(job)
        if task is not None:
            task.cancel()

    def _drop(self, job: RunJob) -> None:
        """A job still settling is cancelled: nothing was sent."""
        job.dropped = True
        self._cancel(job)
        if self.current is job:
            self.current = None

    def _abandon(self, job: RunJob) -> None:
        job.abandoned = True
        self.summary.runs_abandoned += 1
        # Once the server has named the run, stop polling it. While the POST
        # is still out, let it finish so the id reaches the record: the task
        # cancels itself when the id arrives (see _on_status).
        if job.run_id is not None:
            self._cancel(job)
        self.view.abandoned(job, local=self.settings.local)

    def _on_status(self, job: RunJob, event) -> None:
        from ..runtime.outcome import RUNNING

        if event.run_id and job.run_id is None:
            job.run_id = event.run_id
            self.summary.run_ids.append(event.run_id)
        if job.abandoned:
            if event.phase == RUNNING and event.run_id:
                self._cancel(job)
            return
        self.view.status(job, event)

    async def _run(self, job: RunJob) -> None:
        from ..runtime.poll import execute

        try:
            await asyncio.sleep(self.settle)
        except asyncio.CancelledError:
            return  # dropped while settling: nothing sent
        if not runs_left(self.summary.runs_submitted, self.max_runs):
            job.held = True
            self.summary.runs_held += 1
            self.view.counters(self.summary)
            self.view.held(self.max_runs)
            return
        previous = self.last
        self.summary.runs_submitted += 1
        job.number, job.submitted = self.summary.runs_submitted, True
        self.last = job
        self.view.planned(job, previous)
        self.view.counters(self.summary)
        try:
            outcome = await execute(
                job.request,
                settings=self.settings,
                on_status=partial(self._on_status, job),
                spec=self.spec,
                client=self.client,
                store=self.store,
            )
        except asyncio.CancelledError:
            return  # abandoned, or watch is stopping: the record names the run
        job.outcome = outcome
        if created_no_run(outcome):
            # No run exists: the same request may be tried again by a later save.
            job.refused = True
            if self.last is job:
                self.last = previous
        if job.abandoned or self.current is not job:
            return
        if not runs_left(self.summary.runs_submitted, self.max_runs) and not job.refused:
            self.view.last_run(self.max_runs)
        self.view.finished(job, outcome)

    async def close(self) -> RunJob | None:
        """Stop following runs; the run left going, if one was (in flight and
        not abandoned), for the session to say what becomes of it."""
        tasks = list(self.tasks.values())
        for task in tasks:
            task.cancel()
        job = self.current
        left = job if job is not None and job.in_flight and not job.abandoned else None
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.client.aclose()
        return left
