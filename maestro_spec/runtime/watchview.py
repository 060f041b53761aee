"""What `maestro watch` shows: a frame redrawn in place on a terminal, a log when piped.

Both views are told the same events by the watch loop (watch.py) and differ
only in how they show them:

- LogView appends: every rebuild starts with a separator line carrying a
  timestamp, so a piped or logged session reads top to bottom.
- TerminalView keeps one frame (header, diagnostics, the run, a footer) and
  redraws it over itself: cursor home, each line followed by erase-to-end,
  then erase-below. It never clears with ESC[2J, which many terminals push
  into the scrollback, so ticking the run's elapsed time does not flood it;
  a frame taller than the window is cut so that it never scrolls.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import textwrap
import time
from typing import TYPE_CHECKING

from .requestdiff import diff_requests, render_plan, summarize
from ..sanitize import one_line, shown_id

if TYPE_CHECKING:
    from .outcome import RunOutcome, StatusEvent
    from .watch import Build, WatchSummary
    from .watchrun import RunJob

_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_RESULT_WIDTH = 100  # the plain-text width of results when piped


def clock(at: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at))


def counts(errors: int, warnings: int) -> str:
    def n(count: int, word: str) -> str:
        return f"{count} {word}{'' if count == 1 else 's'}"

    return f"{n(errors, 'error')}, {n(warnings, 'warning')}"


def build_status(build: "Build") -> str:
    """One line: how the rebuild went."""
    if build.problem:
        return f"cannot read the spec: {build.problem}"
    took = f" ({build.seconds * 1000:.0f} ms)"
    if not build.diagnostics:
        return "ok: no problems" + took
    return counts(build.errors, build.warnings) + took


def build_label(build: "Build") -> str:
    if build.number == 0:
        return "start"
    what = ", ".join(build.changed) if build.changed else "files"
    return f"rebuild {build.number} · {what} changed"


def plan_lines(job: "RunJob", previous: dict | None, since: str | None) -> list[str]:
    """What the run about to be submitted changes, against the last one submitted."""
    if previous is None:
        return [f"plan: first run of this session: {summarize(job.request)}"]
    changes = diff_requests(previous, job.request)
    since = since or "the last run"
    head = f"plan: {len(changes)} change{'' if len(changes) == 1 else 's'} since {since}"
    return [head] + ["  " + line for line in render_plan(changes)]


def run_name(job: "RunJob") -> str:
    return f"run {shown_id(job.run_id)}" if job.run_id else f"run #{job.number}"


def result_heading(job: "RunJob", latest: "Build | None") -> str:
    """Says so when the run is not for what the spec says now (only while the
    spec has errors: a different valid request replaces the run)."""
    tail = ""
    if latest is not None and latest.request != job.request:
        tail = " (earlier version: the spec has errors now)" if latest.request is None else " (earlier version)"
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
    outcome = job.outcome
    if outcome is not None and outcome.error is not None and not outcome.run_id:
        # Its POST ended in doubt (watchrun.created_no_run said so): say why it is not sent again.
        return f"request unchanged since {who}, whose POST may have created a run: nothing submitted, so none is paid for twice"
    return f"request unchanged since {who}: nothing submitted"


def held_line(max_runs: int) -> str:
    return f"not submitted: --max-runs {max_runs} runs spent this session; diagnostics go on (restart watch to run again)"


class View:
    """The events of a watch session; each view shows them its own way."""

    animated = False  # wants tick() while a run is in flight

    def started(self, what: str) -> None:
        """The first check is done and the files are being watched."""

    def built(self, build: "Build") -> None: ...
    def note(self, text: str) -> None: ...
    def unchanged(self, job: "RunJob", line: str) -> None: ...
    def pending(self, job: "RunJob") -> None: ...
    def planned(self, job: "RunJob") -> None: ...
    def status(self, job: "RunJob", event: "StatusEvent") -> None: ...
    def finished(self, job: "RunJob", outcome: "RunOutcome", latest: "Build") -> None: ...
    def abandoned(self, job: "RunJob", line: str) -> None: ...
    def counters(self, summary: "WatchSummary") -> None: ...
    def tick(self) -> None: ...
    def stopped(self, lines: list[str]) -> None: ...


# ---------------------------------------------------------------- piped


class LogView(View):
    def __init__(self, out) -> None:
        self.out = out

    def _write(self, text: str) -> None:
        self.out.write(text if text.endswith("\n") else text + "\n")
        self.out.flush()

    def started(self, what: str) -> None:
        self._write(what + " · Ctrl-C stops")

    def built(self, build: "Build") -> None:
        from ..compiler.report import render_text

        lines = [f"--- {clock(build.at)} · {build_label(build)} ---"]
        if build.diagnostics:
            lines.append(render_text(build.path, build.diagnostics, build.text))
        lines.append(build_status(build))
        self._write("\n".join(lines))

    def note(self, text: str) -> None:
        self._write(text)

    def unchanged(self, job: "RunJob", line: str) -> None:
        self._write(line)

    def planned(self, job: "RunJob") -> None:
        self._write("\n".join(job.plan + [f"submitting run {job.number} of this session (rebuild {job.build.number})"]))

    def status(self, job: "RunJob", event: "StatusEvent") -> None:
        from .outcome import RETRYING, RUNNING

        if event.phase == RUNNING and event.run_id and not job.announced:
            job.announced = True
            self._write(f"run {shown_id(event.run_id)} submitted: {one_line(event.status or '', 40)}")
        elif event.phase == RETRYING and event.detail:
            self._write(f"{run_name(job)}: {event.detail}")

    def finished(self, job: "RunJob", outcome: "RunOutcome", latest: "Build") -> None:
        from .render import outcome_text

        self._write(result_heading(job, latest) + "\n" + outcome_text(outcome, width=_RESULT_WIDTH).rstrip("\n"))

    def abandoned(self, job: "RunJob", line: str) -> None:
        self._write(line)

    def stopped(self, lines: list[str]) -> None:
        self._write("\n".join(lines))


# ---------------------------------------------------------------- terminal


class TerminalView(View):
    animated = True

    def __init__(self, out, *, color: bool | None = None) -> None:
        self.out = out
        self.color = (os.environ.get("NO_COLOR") is None) if color is None else color
        self.what = ""
        self.build: Build | None = None
        self.diag_lines: list[str] = []
        # The job whose run is shown; what is shown is derived from its state
        # at each draw, so a stale result cannot outlive its job.
        self.job: RunJob | None = None
        self.event: StatusEvent | None = None
        self.rendered: dict[int, list[str]] = {}  # id(job) -> its result, rendered once
        self.notes: list[str] = []
        self.footer = "Ctrl-C to stop"
        self._frame_count = 0
        self._cleared = False

    # -------------------------------------------------- events

    def started(self, what: str) -> None:
        self.what = what
        self.draw()

    def built(self, build: "Build") -> None:
        from ..compiler.report import render_text

        self.build = build
        self.diag_lines = render_text(build.path, build.diagnostics, build.text).splitlines() if build.diagnostics else []
        self.notes = []
        self.draw()

    def note(self, text: str) -> None:
        self.notes.append(f"{clock(time.time())} {text}")
        self.draw()

    def unchanged(self, job: "RunJob", line: str) -> None:
        # Not the log's line: "still running" would outlive the run on screen.
        self.job = job
        number = self.build.number if self.build else 0
        self.note(f"rebuild {number} left the request unchanged: nothing submitted")

    def pending(self, job: "RunJob") -> None:
        self.job, self.event = job, None
        self.draw()

    def planned(self, job: "RunJob") -> None:
        self.pending(job)

    def status(self, job: "RunJob", event: "StatusEvent") -> None:
        if job is self.job:
            self.event = event
            self.draw()

    def finished(self, job: "RunJob", outcome: "RunOutcome", latest: "Build") -> None:
        self.rendered[id(job)] = self._render_outcome(outcome).splitlines()
        if job is self.job:
            self.draw()

    def abandoned(self, job: "RunJob", line: str) -> None:
        self.rendered.pop(id(job), None)
        self.note(line)

    def counters(self, summary: "WatchSummary") -> None:
        self.footer = "Ctrl-C to stop · " + summary.line()

    def tick(self) -> None:
        if self.job is not None and self.job.in_flight:
            self.draw()

    def stopped(self, lines: list[str]) -> None:
        self.draw()
        self.out.write("\n".join(lines) + "\n")
        self.out.flush()

    def _run_section(self) -> list[str]:
        job = self.job
        if job is None or job.dropped or job.held or job.abandoned:
            return []
        if not job.submitted:
            return ["request changed: it is submitted once the saves settle"]
        lines = list(job.plan)
        result = self.rendered.get(id(job))
        if result is not None:
            lines += [self._style(result_heading(job, self.build), "1")] + result
        elif job.in_flight:
            lines.append(self._status_line())
        return lines

    # -------------------------------------------------- drawing

    def _render_outcome(self, outcome: "RunOutcome") -> str:
        from rich.console import Console

        from .render import print_problems, render_outcome

        buffer = io.StringIO()
        width = self._size().columns
        console = Console(file=buffer, width=width, force_terminal=True, no_color=not self.color, highlight=False, soft_wrap=False)
        render_outcome(outcome, console)
        print_problems(outcome, console)
        return buffer.getvalue()

    def _style(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text

    def frame(self, width: int = 10_000, height: int = 10_000) -> list[str]:
        """The frame's lines, folded to `width` and cut to `height`.

        When the window is too short, the run's result is cut first, then the
        diagnostics; the header, the latest notes and the footer always show.
        """
        b = self.build
        head = [self._style(self.what or "maestro watch: starting", "1")]
        diagnostics: list[str] = []
        if b is not None:
            ok = not b.problem and not b.errors
            status = self._style(build_status(b), "32" if ok and not b.warnings else "33" if ok else "31")
            head.append(f"{clock(b.at)} · {build_label(b)} · {status}")
            diagnostics = [self._color_diag(line) for line in self.diag_lines]
        footer = [self._style(self.footer, "2")]
        sections = [_fold(part, width) for part in (head, diagnostics, self._run_section(), self.notes[-3:], footer)]
        total = sum(len(part) + 1 for part in sections if part) - 1
        for index in (2, 1):  # the run, then the diagnostics
            excess = total - height
            part = sections[index]
            if excess <= 0 or len(part) <= 2:
                continue
            keep = max(1, len(part) - excess - 1)
            total -= len(part) - keep - 1
            sections[index] = part[:keep] + [f"… {len(part) - keep} more lines (a taller window shows them)"]
        lines = sections[0]
        for part in sections[1:]:
            if part:
                lines = lines + [""] + part
        return lines

    def _status_line(self) -> str:
        self._frame_count += 1
        e = self.event
        spin = _SPINNER[self._frame_count % len(_SPINNER)]
        started = e.started if e else time.monotonic()
        if e is None or not e.run_id:
            what = "submitting"
        else:
            what = f"run {shown_id(e.run_id)} · {one_line(e.status or 'waiting', 40)}"
        detail = f" · {e.detail}" if e is not None and e.detail else ""
        return f"{spin} {what} · {time.monotonic() - started:.1f} s{detail}"

    def _color_diag(self, line: str) -> str:
        if not self.color:
            return line

        def paint(m: re.Match) -> str:
            return self._style(m.group(0), "1;31" if m.group(1) == "error" else "1;33")

        return re.sub(r"\b(error|warning)(\[[EW]\d+\])", paint, line, count=1)

    def _size(self) -> os.terminal_size:
        try:
            return os.get_terminal_size(self.out.fileno())
        except (AttributeError, OSError, ValueError):
            return shutil.get_terminal_size()

    def draw(self) -> None:
        size = self._size()
        lines = self.frame(size.columns, size.lines - 1)[: size.lines - 1]
        prefix = "" if self._cleared else "\x1b[2J"
        self._cleared = True
        self.out.write(prefix + "\x1b[H" + "".join(line + "\x1b[K\n" for line in lines) + "\x1b[J")
        self.out.flush()


def _visible_len(line: str) -> int:
    return len(_ANSI_RE.sub("", line))


def _fold(lines: list[str], width: int) -> list[str]:
    """Fold long lines as the terminal would: a redraw must know its height."""
    out: list[str] = []
    for line in lines:
        if _visible_len(line) <= width:
            out.append(line)
            continue
        # Folding inside an escape sequence would garble the screen: fold plain text.
        plain = _ANSI_RE.sub("", line)
        indent = " " * min(len(plain) - len(plain.lstrip(" ")), width // 2)
        out += textwrap.wrap(plain, width, subsequent_indent=indent, break_on_hyphens=False) or [""]
    return out
