"""Every line `maestro watch` says, from the state (state.py) and the
decisions (decide.py). The views (view.py) choose which lines to show and
where; nothing here writes anything."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ..runtime.errors import left_behind
from ..sanitize import one_line, shown_id
from . import decide
from .requestdiff import diff_requests, render_plan, summarize

if TYPE_CHECKING:
    from ..runtime.outcome import StatusEvent
    from .state import Build, RunJob, WatchSummary


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def clock(at: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at))


# ---------------------------------------------------------------- files


_UNREADABLE = {
    "directory": "is a directory, not a spec",
    "fifo": "is a named pipe (FIFO), not a file",
    "character device": "is a character device, not a file",
    "block device": "is a block device, not a file",
    "socket": "is a socket, not a file",
    "special": "is not a regular file",
}


def unreadable_line(path: str, kind: str, *, size: int = 0, limit: int = 0) -> str:
    """`PATH: is a named pipe (FIFO), not a file`, for inputs.input_problem."""
    if kind == "too large":
        return f"{path}: is {size / 2**20:.0f} MiB, larger than a spec can be ({limit >> 20} MiB)"
    return f"{path}: {_UNREADABLE[kind]}"


def watching_line(spec: str, others: list[str], *, target: str | None, max_runs: int) -> str:
    """What is watched, and what happens on a change (target None: no runs)."""
    also = f" (and {', '.join(others)})" if others else ""
    if target is None:
        mode = "diagnostics only (--run to run it too)"
    else:
        mode = f"runs on {target} when the request changes, at most {max_runs}"
    return f"watching {spec}{also} · {mode}"


def cannot_watch_line(directory: str) -> str:
    return f"cannot watch {directory}: no such directory; waiting for it to appear"


def restarting_line(error: OSError) -> str:
    return f"watching stopped ({error.strerror or error}); starting again"


# ---------------------------------------------------------------- builds


def counts(errors: int, warnings: int) -> str:
    return f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"


def build_status(build: "Build") -> str:
    """One line: how the rebuild went."""
    if build.problem:
        return f"cannot read the spec: {build.problem}; waiting for it to change"
    took = f" ({build.seconds * 1000:.0f} ms)"
    if not build.diagnostics:
        return "ok: no problems" + took
    return counts(build.errors, build.warnings) + took


def build_label(build: "Build") -> str:
    if build.number == 0:
        return "start"
    what = ", ".join(build.changed) if build.changed else "files"
    return f"rebuild {build.number} · {what} changed"


def build_separator(build: "Build") -> str:
    return f"--- {clock(build.at)} · {build_label(build)} ---"


# ---------------------------------------------------------------- runs


def run_name(job: "RunJob") -> str:
    return f"run {shown_id(job.run_id)}" if job.run_id else f"run #{job.number}"


def plan_lines(job: "RunJob", previous: "RunJob | None") -> list[str]:
    """What the run about to be submitted changes, against `previous`, the
    last one submitted (None: this is the session's first run)."""
    if previous is None:
        return [f"plan: first run of this session: {summarize(job.request)}"]
    changes = diff_requests(previous.request, job.request)
    head = f"plan: {_plural(len(changes), 'change')} since {run_name(previous)}"
    return [head] + ["  " + line for line in render_plan(changes)]


def submitting_line(job: "RunJob") -> str:
    return f"submitting run {job.number} of this session (rebuild {job.build.number})"


def submitted_line(event: "StatusEvent") -> str:
    return f"run {shown_id(event.run_id)} submitted: {one_line(event.status or '', 40)}"


def retrying_line(job: "RunJob", event: "StatusEvent") -> str:
    return f"{run_name(job)}: {event.detail}"


def pending_line() -> str:
    return "request changed: it is submitted once the saves settle"


def status_line(spinner: str, event: "StatusEvent | None", seconds: float) -> str:
    """The terminal's live line for a run in flight."""
    if event is None or not event.run_id:
        what = "submitting"
    else:
        what = f"run {shown_id(event.run_id)} · {one_line(event.status or 'waiting', 40)}"
    detail = f" · {event.detail}" if event is not None and event.detail else ""
    return f"{spinner} {what} · {seconds:.1f} s{detail}"


_VERSION_TAILS = {
    decide.CURRENT: "",
    decide.EARLIER: " (earlier version)",
    decide.EARLIER_INVALID: " (earlier version: the spec has errors now)",
}


def result_heading(job: "RunJob", latest: "Build | None") -> str:
    """Says so when the run is not for what the spec says now."""
    tail = _VERSION_TAILS[decide.result_version(job, latest)]
    return f"result of rebuild {job.build.number} · {run_name(job)}{tail}"


def abandoned_line(job: "RunJob", local: bool) -> str:
    where = "on the local server until watch stops" if local else "on the server"
    return (
        f"{run_name(job)} (rebuild {job.build.number}) abandoned: the request changed; "
        f"it keeps going {where}, recorded in `maestro runs list`"
    )


def unchanged_line(job: "RunJob") -> str:
    who = f"{run_name(job)} (rebuild {job.build.number})"
    if job.in_flight and job.run_id:
        return f"request unchanged: {who} is still running for it; nothing submitted"
    if job.in_flight:
        return f"request unchanged: {who} is still being submitted; nothing more submitted"
    if decide.post_in_doubt(job):
        # Say why it is not sent again.
        return f"request unchanged since {who}, whose POST may have created a run: nothing submitted, so none is paid for twice"
    return f"request unchanged since {who}: nothing submitted"


def unchanged_note(build_number: int) -> str:
    """The terminal's short form: "still running" would outlive the run on screen."""
    return f"rebuild {build_number} left the request unchanged: nothing submitted"


def held_line(max_runs: int) -> str:
    return f"not submitted: --max-runs {max_runs} runs spent this session; diagnostics go on (restart watch to run again)"


def last_run_line(max_runs: int) -> str:
    return f"that was run {max_runs} of --max-runs {max_runs}: later changes are checked, not run"


def left_behind_line(job: "RunJob", local: bool) -> str:
    """What becomes of a run still in flight when watch stops: the runtime's
    one wording of it (errors.left_behind, as `maestro run` says it)."""
    what, step = left_behind(job.run_id, local=local)
    if not job.run_id:
        what = f"{run_name(job)} stopped {what}"
    return f"{what}; {step}" if step else what


# ---------------------------------------------------------------- the session


def tally(summary: "WatchSummary") -> str:
    """The counters in one line: `3 rebuilds, 1 run submitted, 2 skipped as unchanged`."""
    parts = [_plural(summary.rebuilds, "rebuild")]
    if summary.run_mode:
        parts += [f"{_plural(summary.runs_submitted, 'run')} submitted", f"{summary.runs_unchanged} skipped as unchanged"]
        if summary.runs_abandoned:
            parts.append(f"{summary.runs_abandoned} abandoned")
        if summary.runs_held:
            parts.append(f"{summary.runs_held} held back by --max-runs")
    return ", ".join(parts)


def stopped_line(summary: "WatchSummary") -> str:
    return f"watch stopped: {tally(summary)}"


def footer_line(summary: "WatchSummary | None") -> str:
    return "Ctrl-C to stop" if summary is None else "Ctrl-C to stop · " + tally(summary)


def log_started_line(what: str) -> str:
    return what + " · Ctrl-C stops"


STARTING = "maestro watch: starting"


def cut_line(hidden: int) -> str:
    return f"… {hidden} more lines (a taller window shows them)"
