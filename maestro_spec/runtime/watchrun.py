"""Watch mode's runs: per build, submit, skip as unchanged, or abandon.

The rules (watch.py's docstring says why):
- a build with errors submits nothing and abandons nothing;
- a request equal to the one in flight, or to the last one submitted, is
  skipped as unchanged;
- a different request drops one still settling (nothing was sent) and
  abandons one in flight (polling stops; the runtime's record keeps the id);
- a new request waits `settle` seconds, then is submitted unless
  `max_runs` runs were already submitted this session;
- a POST that certainly created no run does not count as submitted, so a
  later save may try the same request again; one that may have created a
  run (no answer, a 5xx after the body was sent, an answer we could not
  read, a record saying `unknown` or naming a run id) counts as submitted,
  and the same request is never POSTed again blindly.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from .watchview import abandoned_line, held_line, plan_lines, run_name, unchanged_line

if TYPE_CHECKING:
    from .watch import Build


@dataclass(eq=False)
class RunJob:
    """One request on its way to becoming a run (or not)."""

    build: "Build"
    request: dict
    number: int = 0  # 1-based among this session's submissions
    task: asyncio.Task | None = None
    submitted: bool = False  # the POST was started: from here on it may cost money
    refused: bool = False  # the POST ended without creating a run
    abandoned: bool = False  # a different request replaced it while it ran
    dropped: bool = False  # replaced while settling: never sent
    held: bool = False  # not sent: --max-runs was reached
    plan: list[str] = field(default_factory=list)
    run_id: str | None = None
    announced: bool = False  # the view has said "submitted"
    outcome: object | None = None  # RunOutcome once it ended

    @property
    def in_flight(self) -> bool:
        return self.submitted and self.outcome is None


def created_no_run(outcome) -> bool:
    """Whether the POST of this outcome certainly created no run (so sending the
    same request again cannot pay for a second one).

    The decision is the runtime's one rule (outcome.submission, from
    policy.post_meaning): only a refusal before a run can exist says so. A
    record marked `unknown` or holding a run id counts as created too.
    """
    from . import policy as P
    from .outcome import submission
    from .store import UNKNOWN

    record = outcome.record
    if outcome.error is None or (record is not None and (record.run_id or record.status == UNKNOWN)):
        return False
    return submission(outcome) == P.NOT_CREATED


class Runner:
    """Decides, per build, whether to submit, skip, or abandon; and runs."""

    def __init__(self, session, settings, max_runs: int, settle: float) -> None:
        from .poll import make_client, make_store

        self.session = session
        self.view = session.view
        self.summary = session.summary
        self.settings = settings
        self.max_runs = max_runs
        self.settle = settle
        self.client = make_client(settings)
        self.store = make_store(settings)
        self.job: RunJob | None = None  # the latest: pending, in flight or ended
        self.last_request: dict | None = None  # of the last run submitted
        self.last_job: RunJob | None = None
        self.tasks: set[asyncio.Task] = set()
        self.failure: BaseException | None = None

    def consider(self, build: "Build") -> None:
        request, job = build.request, self.job
        if request is None:
            if job is not None and not job.submitted:
                self._drop(job)
            return
        if job is not None and job.submitted and not job.refused and job.request == request:
            self._unchanged(job)
            return
        if job is not None and not job.submitted:
            self._drop(job)
        elif job is not None and job.in_flight:
            self._abandon(job)
        if request == self.last_request and self.last_job is not None:
            self.job = self.last_job
            self._unchanged(self.last_job)
            return
        self._start(RunJob(build, request))

    def _unchanged(self, job: RunJob) -> None:
        self.summary.runs_unchanged += 1
        self.view.unchanged(job, unchanged_line(job))
        self.view.counters(self.summary)

    def _start(self, job: RunJob) -> None:
        self.job = job
        job.task = asyncio.create_task(self._run(job))
        self.tasks.add(job.task)
        job.task.add_done_callback(self._done)
        self.view.pending(job)

    def _done(self, task: asyncio.Task) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None and self.failure is None:
            # A bug, not a run's failure (execute() returns those): stop and let it surface.
            self.failure = task.exception()
            self.session.stop.set()

    def _drop(self, job: RunJob) -> None:
        """A job still settling is cancelled: nothing was sent."""
        job.dropped = True
        if job.task is not None:
            job.task.cancel()
        if self.job is job:
            self.job = None

    def _abandon(self, job: RunJob) -> None:
        job.abandoned = True
        self.summary.runs_abandoned += 1
        # Once the server has named the run, stop polling it. While the POST
        # is still out, let it finish so the id reaches the record: the task
        # cancels itself when the id arrives (see _on_status).
        if job.run_id is not None and job.task is not None:
            job.task.cancel()
        self.view.abandoned(job, abandoned_line(job, self.settings.local))

    def _on_status(self, job: RunJob, event) -> None:
        from .outcome import RUNNING

        if event.run_id and job.run_id is None:
            job.run_id = event.run_id
            self.summary.run_ids.append(event.run_id)
        if job.abandoned:
            if event.phase == RUNNING and event.run_id and job.task is not None:
                job.task.cancel()
            return
        self.view.status(job, event)

    async def _run(self, job: RunJob) -> None:
        from .poll import execute

        try:
            await asyncio.sleep(self.settle)
        except asyncio.CancelledError:
            return  # dropped while settling: nothing sent
        if self.summary.runs_submitted >= self.max_runs:
            job.held = True
            self.summary.runs_held += 1
            self.view.counters(self.summary)
            self.view.note(held_line(self.max_runs))
            return
        previous, previous_job = self.last_request, self.last_job
        job.plan = plan_lines(job, previous, run_name(previous_job) if previous_job else None)
        self.summary.runs_submitted += 1
        job.number, job.submitted = self.summary.runs_submitted, True
        self.last_request, self.last_job = job.request, job
        self.view.planned(job)
        self.view.counters(self.summary)
        try:
            outcome = await execute(
                job.request,
                settings=self.settings,
                on_status=partial(self._on_status, job),
                spec=self.session.spec,
                client=self.client,
                store=self.store,
            )
        except asyncio.CancelledError:
            return  # abandoned, or watch is stopping: the record names the run
        job.outcome = outcome
        if created_no_run(outcome):
            # No run exists: the same request may be tried again by a later save.
            job.refused = True
            if self.last_job is job:
                self.last_request, self.last_job = previous, previous_job
        if job.abandoned or self.job is not job:
            return
        if self.summary.runs_submitted >= self.max_runs and not job.refused:
            self.view.note(f"that was run {self.max_runs} of --max-runs {self.max_runs}: later changes are checked, not run")
        self.view.finished(job, outcome, self.session.last_build)

    async def close(self) -> list[str]:
        """Stop following runs; lines that say what was left behind."""
        left = []
        for task in list(self.tasks):
            task.cancel()
        job = self.job
        if job is not None and job.in_flight and not job.abandoned:
            if self.settings.local:
                left.append(f"{run_name(job)} was still running on the local server, which stops with watch")
            elif job.run_id:
                left.append(f"{run_name(job)} keeps going on the server; resume with: maestro runs attach {job.run_id}")
            else:
                left.append(f"{run_name(job)} was being submitted: a run may or may not exist; see `maestro runs list`")
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.client.aclose()
        return left
