"""The runtime's data: how to run (RunSettings), what it says while running
(StatusEvent), and how it ended (RunOutcome, judged into an exit code)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..exitcodes import EXIT_OK, EXIT_REQUIREMENTS_UNMET, EXIT_RUN_FAILED
from ..compiler.limits import COMPLETED, FAILED, REQUIRES_ACTION
from .wire import Run
from . import policy as P
from .defaults import DEFAULT_RUN_TIMEOUT, MAX_RETRIES
from .answer import read_run
from .errors import RuntimeFailure
from ..sanitize import one_line
from .record import ERROR, LOCAL_TARGET, UNKNOWN, RunRecord


@dataclass(frozen=True)
class RunSettings:
    """Everything a run needs besides the request. The key is never shown in repr."""

    base_url: str
    api_key: str | None = field(default=None, repr=False)
    local: bool = False  # the embedded server: records say "local", not its port
    timeout: float = DEFAULT_RUN_TIMEOUT
    poll_interval: float | None = None  # None: the adaptive schedule of policy.poll_delay
    max_retries: int = MAX_RETRIES
    initial_retry_delay: float = P.INITIAL_RETRY_DELAY
    read_timeout: float = P.DEFAULT_READ_TIMEOUT
    connect_timeout: float = P.DEFAULT_CONNECT_TIMEOUT
    min_score: float | None = None
    store_root: Path | None = None  # None: $MAESTRO_HOME or the user data dir
    record: bool = True
    use_cache: bool = False

    @property
    def target(self) -> str:
        return LOCAL_TARGET if self.local else self.base_url


# StatusEvent phases
SUBMITTING = "submitting"
RUNNING = "running"
RETRYING = "retrying"
DONE = "done"


@dataclass(frozen=True)
class StatusEvent:
    """Told to on_status callbacks as a run moves along.

    `started` is a time.monotonic() reading, so a display can tick the elapsed
    time between events without being told.
    """

    phase: str
    started: float
    spec: str | None = None
    run_id: str | None = None
    status: str | None = None
    detail: str | None = None  # "retry 1 in 0.5 s (503)", the error line, ...


@dataclass
class RunOutcome:
    """How one run ended. `error` is set when there is no finished run to judge."""

    request: dict
    spec: str | None = None
    run: Run | None = None
    run_id: str | None = None
    error: RuntimeFailure | None = None
    elapsed: float = 0.0
    gets: int = 0
    retries: int = 0
    cached_from: str | None = None  # the record id a --cache hit came from
    record: RunRecord | None = None
    local: bool = False
    min_score: float | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        """The run's status; without a Run, as the record says it: `unknown`
        when a run may exist (submission() is MAYBE_CREATED), else `error`."""
        if self.run is not None:
            return self.run.status
        return UNKNOWN if submission(self) == P.MAYBE_CREATED else ERROR

    @property
    def exit_code(self) -> int:
        return judge(self)[0]

    @property
    def verdict(self) -> str | None:
        """One line saying why the exit code is not 0, or None."""
        return judge(self)[1]


def outcome_from_record(record: RunRecord, *, min_score: float | None = None) -> RunOutcome:
    """A recorded run as an outcome, judged as when it ended (`runs show`, and
    `runs attach` of a run that had already ended). No network."""
    return RunOutcome(
        request=record.request,
        spec=record.spec,
        run=read_run(record.response).run if record.response else None,
        run_id=record.run_id,
        record=record,
        elapsed=record.elapsed or 0.0,
        local=record.is_local,
        min_score=min_score,
    )


def submission(outcome: RunOutcome) -> str:
    """What the run's POST left behind, for whoever might send the same request
    again (watch, batch): policy.CREATED (the server named a run),
    MAYBE_CREATED (a run may exist: never send it again blindly; the record
    says unknown) or NOT_CREATED (certainly no run: it may be sent again).

    The decision for each failure is policy.post_meaning's; the client puts it
    on the failure as `run_may_exist`. The run's record counts too: a run id
    in it is a created run, its status `unknown` a run that may exist."""
    record = outcome.record
    if outcome.run_id is not None or outcome.run is not None or outcome.cached_from is not None or (record is not None and record.run_id):
        return P.CREATED
    error = outcome.error
    if (error is not None and error.run_may_exist) or (record is not None and record.status == UNKNOWN):
        return P.MAYBE_CREATED
    return P.NOT_CREATED


def unmet_mandatory(run: Run) -> list[str]:
    """Mandatory requirements not fully met; a score that is not a number counts as unmet."""
    rr = run.requirements_result
    if rr is None:
        return []
    return [r.name for r in rr.requirements if r.is_mandatory and (r.score is None or r.score < 1.0)]


def judge(outcome: RunOutcome) -> tuple[int, str | None]:
    """The exit code for CI, and the reason when it is not 0.

    3: failed, requires_action, timed out, unreachable; 4: completed but a
    mandatory requirement is unmet or the score is below --min-score.
    """
    if outcome.error is not None:
        return outcome.error.exit_code, str(outcome.error)
    run = outcome.run
    if run is None:  # pragma: no cover - an outcome always has one or the other
        return EXIT_RUN_FAILED, "no run"
    if run.status == FAILED:
        why = one_line(run.error.message, 300) if run.error else "no reason given"
        return EXIT_RUN_FAILED, f"run {run.id} failed: {why}"
    if run.status == REQUIRES_ACTION:
        return EXIT_RUN_FAILED, f"run {run.id} stopped with status requires_action: it needs input this command cannot give"
    if run.status != COMPLETED:
        return EXIT_RUN_FAILED, f"run {run.id} is still {run.status}"
    unmet = unmet_mandatory(run)
    if unmet:
        names = ", ".join(repr(one_line(n, 80)) for n in unmet)
        return EXIT_REQUIREMENTS_UNMET, f"mandatory requirement{'s' if len(unmet) > 1 else ''} not met: {names}"
    if outcome.min_score is not None:
        rr = run.requirements_result
        if rr is None:
            return EXIT_REQUIREMENTS_UNMET, "the run has no requirements_result to compare with --min-score"
        if rr.score is None:
            return EXIT_REQUIREMENTS_UNMET, "the overall score is not a number (the server sent NaN, inf or nothing), so --min-score is not met"
        if rr.score < outcome.min_score:
            return EXIT_REQUIREMENTS_UNMET, f"score {rr.score:g} is below --min-score {outcome.min_score:g}"
    return EXIT_OK, None
