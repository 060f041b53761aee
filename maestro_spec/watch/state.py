"""What a watch session knows: its builds, its run jobs and its counters.

Plain dataclasses, written by the loop (loop.py) and the runner (runner.py),
read by the decisions (decide.py), the wording (wording.py) and the views
(view.py). Nothing here shows anything or decides anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..compiler.diagnostics import Diagnostic, count_errors


@dataclass
class Build:
    """One check of the spec, as read from disk at that moment."""

    number: int  # 0: the check at start
    path: str
    changed: tuple[str, ...]
    at: float  # time.time()
    seconds: float = 0.0
    text: str | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    request: dict | None = None  # set only when there are no errors
    problem: str | None = None  # why the spec (or a var file) cannot be read

    @property
    def errors(self) -> int:
        return count_errors(self.diagnostics)

    @property
    def warnings(self) -> int:
        return len(self.diagnostics) - self.errors


@dataclass(eq=False)
class RunJob:
    """One request on its way to becoming a run (or not). Compared, and
    hashed, by identity: the runner keys its tasks by job."""

    build: Build
    request: dict
    number: int = 0  # 1-based among this session's submissions
    submitted: bool = False  # the POST was started: from here on it may cost money
    refused: bool = False  # the POST ended without creating a run
    abandoned: bool = False  # a different request replaced it while it ran
    dropped: bool = False  # replaced while settling: never sent
    held: bool = False  # not sent: --max-runs was reached
    run_id: str | None = None
    outcome: object | None = None  # the runtime's RunOutcome once it ended

    @property
    def in_flight(self) -> bool:
        return self.submitted and self.outcome is None


@dataclass
class WatchSummary:
    """The session's counters; wording.tally() says them in one line."""

    run_mode: bool = False
    rebuilds: int = 0
    saves_ignored: int = 0  # events after which no watched file's bytes had changed
    runs_submitted: int = 0
    runs_unchanged: int = 0
    runs_abandoned: int = 0
    runs_held: int = 0  # changed requests not submitted because of --max-runs
    run_ids: list[str] = field(default_factory=list)
    seconds: float = 0.0
    terminated: bool = False  # stopped by SIGTERM rather than Ctrl-C
