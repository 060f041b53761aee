"""What `maestro watch` shows: a frame redrawn in place on a terminal, a log when piped.

Both views are told the same events by the loop (loop.py) and the runner
(runner.py), and differ only in which lines (wording.py) they show, and how:

- LogView appends: every rebuild starts with a separator line carrying a
  timestamp, so a piped or logged session reads top to bottom.
- TerminalView keeps one frame (header, diagnostics, the run, a footer) and
  redraws it over itself: cursor home, each line followed by erase-to-end,
  then erase-below. It clears with ESC[2J once, before the first frame, never
  on a redraw (many terminals push a clear into the scrollback), so ticking
  the run's elapsed time does not flood it;
  a frame taller than the window is cut so that it never scrolls.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import textwrap
import time
import weakref
from typing import TYPE_CHECKING

from . import wording as W

if TYPE_CHECKING:
    from ..runtime.outcome import RunOutcome, StatusEvent
    from .state import Build, RunJob, WatchSummary

_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_RESULT_WIDTH = 100  # the plain-text width of results when piped


class View:
    """The events of a watch session; each view shows them its own way.

    The runner (runner.py) is given a view and tells it only these events;
    it never reads a view's state, and a view never changes a job."""

    animated = False  # wants tick() while a run is in flight

    def started(self, what: str) -> None:
        """The first check is done and the files are being watched."""

    def built(self, build: "Build") -> None: ...
    def note(self, text: str) -> None: ...
    def counters(self, summary: "WatchSummary") -> None: ...
    def tick(self) -> None: ...
    def stopped(self, lines: list[str]) -> None: ...

    # the runs
    def unchanged(self, job: "RunJob") -> None: ...
    def pending(self, job: "RunJob") -> None: ...
    def planned(self, job: "RunJob", previous: "RunJob | None") -> None: ...
    def status(self, job: "RunJob", event: "StatusEvent") -> None: ...
    def finished(self, job: "RunJob", outcome: "RunOutcome") -> None: ...
    def abandoned(self, job: "RunJob", *, local: bool) -> None: ...

    def held(self, max_runs: int) -> None:
        self.note(W.held_line(max_runs))

    def last_run(self, max_runs: int) -> None:
        self.note(W.last_run_line(max_runs))


def diagnostics_text(build: "Build") -> str:
    """The build's diagnostics as `maestro check` prints them (compiler.report)."""
    from ..compiler.report import render_text

    return render_text(build.path, build.diagnostics, build.text)


# ---------------------------------------------------------------- piped


class LogView(View):
    def __init__(self, out) -> None:
        self.out = out
        self.latest: Build | None = None
        self.announced: weakref.WeakSet[RunJob] = weakref.WeakSet()  # the jobs whose "submitted" line is out

    def _write(self, text: str) -> None:
        self.out.write(text if text.endswith("\n") else text + "\n")
        self.out.flush()

    def started(self, what: str) -> None:
        self._write(W.log_started_line(what))

    def built(self, build: "Build") -> None:
        self.latest = build
        lines = [W.build_separator(build)]
        if build.diagnostics:
            lines.append(diagnostics_text(build))
        lines.append(W.build_status(build))
        self._write("\n".join(lines))

    def note(self, text: str) -> None:
        self._write(text)

    def unchanged(self, job: "RunJob") -> None:
        self._write(W.unchanged_line(job))

    def planned(self, job: "RunJob", previous: "RunJob | None") -> None:
        self._write("\n".join(W.plan_lines(job, previous) + [W.submitting_line(job)]))

    def status(self, job: "RunJob", event: "StatusEvent") -> None:
        from ..runtime.outcome import RETRYING, RUNNING

        if event.phase == RUNNING and event.run_id and job not in self.announced:
            self.announced.add(job)
            self._write(W.submitted_line(event))
        elif event.phase == RETRYING and event.detail:
            self._write(W.retrying_line(job, event))

    def finished(self, job: "RunJob", outcome: "RunOutcome") -> None:
        from ..runtime.render import outcome_text

        self._write(W.result_heading(job, self.latest) + "\n" + outcome_text(outcome, width=_RESULT_WIDTH).rstrip("\n"))

    def abandoned(self, job: "RunJob", *, local: bool) -> None:
        self._write(W.abandoned_line(job, local))

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
        # Per job, worded once: its plan when it was submitted, its result.
        self.plans: weakref.WeakKeyDictionary[RunJob, list[str]] = weakref.WeakKeyDictionary()
        self.rendered: weakref.WeakKeyDictionary[RunJob, list[str]] = weakref.WeakKeyDictionary()
        self.notes: list[str] = []
        self.footer = W.footer_line(None)
        self._frame_count = 0
        self._cleared = False

    # -------------------------------------------------- events

    def started(self, what: str) -> None:
        self.what = what
        self.draw()

    def built(self, build: "Build") -> None:
        self.build = build
        self.diag_lines = diagnostics_text(build).splitlines() if build.diagnostics else []
        self.notes = []
        self.draw()

    def note(self, text: str) -> None:
        self.notes.append(f"{W.clock(time.time())} {text}")
        self.draw()

    def unchanged(self, job: "RunJob") -> None:
        self.job = job
        self.note(W.unchanged_note(self.build.number if self.build else 0))

    def pending(self, job: "RunJob") -> None:
        self.job, self.event = job, None
        self.draw()

    def planned(self, job: "RunJob", previous: "RunJob | None") -> None:
        self.plans[job] = W.plan_lines(job, previous)
        self.pending(job)

    def status(self, job: "RunJob", event: "StatusEvent") -> None:
        if job is self.job:
            self.event = event
            self.draw()

    def finished(self, job: "RunJob", outcome: "RunOutcome") -> None:
        self.rendered[job] = self._render_outcome(outcome).splitlines()
        if job is self.job:
            self.draw()

    def abandoned(self, job: "RunJob", *, local: bool) -> None:
        self.rendered.pop(job, None)
        self.note(W.abandoned_line(job, local))

    def counters(self, summary: "WatchSummary") -> None:
        self.footer = W.footer_line(summary)

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
            return [W.pending_line()]
        lines = list(self.plans.get(job, []))
        result = self.rendered.get(job)
        if result is not None:
            lines += [self._style(W.result_heading(job, self.build), "1")] + result
        elif job.in_flight:
            lines.append(self._status_line())
        return lines

    # -------------------------------------------------- drawing

    def _render_outcome(self, outcome: "RunOutcome") -> str:
        from rich.console import Console

        from ..runtime.render import print_problems, render_outcome

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
        head = [self._style(self.what or W.STARTING, "1")]
        diagnostics: list[str] = []
        if b is not None:
            ok = not b.problem and not b.errors
            status = self._style(W.build_status(b), "32" if ok and not b.warnings else "33" if ok else "31")
            head.append(f"{W.clock(b.at)} · {W.build_label(b)} · {status}")
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
            sections[index] = part[:keep] + [W.cut_line(len(part) - keep)]
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
        return W.status_line(spin, e, time.monotonic() - started)

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
