"""What a person sees while runs are going: the live status line of one run
(a spinner on a terminal, nothing when piped); for a batch, a progress bar on
a terminal, else a plain line per finished run, for logs."""

from __future__ import annotations

import contextlib
import time

from rich.console import Console
from rich.text import Text

from .console import format_seconds, print_line
from .outcome import RETRYING, SUBMITTING, RunOutcome, StatusEvent
from ..sanitize import one_line, shown_id

SPINNER = "dots"


class StatusLine:
    """A spinner line whose elapsed time ticks between events (rich re-renders it)."""

    def __init__(self, label: str = "") -> None:
        self.label = label
        self.event: StatusEvent | None = None
        self._started = time.monotonic()

    def update(self, event: StatusEvent) -> None:
        self.event = event

    def __rich__(self) -> Text:
        e = self.event
        started = e.started if e else self._started
        parts = [self.label] if self.label else []
        if e is None or e.phase == SUBMITTING:
            parts.append("submitting")
        else:
            parts.append(one_line(e.status or "waiting", 40))
            if e.run_id:
                parts.append(f"run {shown_id(e.run_id)}")
        parts.append(format_seconds(time.monotonic() - started))
        if e is not None and e.phase == RETRYING and e.detail:
            parts.append(one_line(e.detail, 200))
        return Text(" · ".join(parts))


def live_status(err: Console, line: StatusLine):
    """A transient spinner on a terminal; a do-nothing context when piped."""
    if not err.is_terminal:
        return contextlib.nullcontext()
    return err.status(line, spinner=SPINNER)


def finished_line(outcome: RunOutcome, done: int, total: int) -> str:
    """A plain progress line per finished run, for logs when stderr is not a terminal.

    Why a run is not ok is not repeated here: print_problems says it once,
    with its hint, after the batch.
    """
    run = f" (run {shown_id(outcome.run_id)})" if outcome.run_id else ""
    code = f", exit {outcome.exit_code}" if outcome.exit_code else ""
    status = one_line(outcome.status, 40)
    return f"[{done}/{total}] {outcome.spec or '-'}: {status} in {format_seconds(outcome.elapsed)}{run}{code}"


def batch_progress(err: Console, total: int):
    """(a context to run the batch in, the on_done callback for each outcome):
    a progress bar on a terminal; a plain line per finished run otherwise."""
    done = {"n": 0}
    if not err.is_terminal:

        def on_done(outcome):
            done["n"] += 1
            print_line(err, Text(finished_line(outcome, done["n"], total)))

        return contextlib.nullcontext(), on_done

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )
    task = bar.add_task("running", total=total)
    failed = {"n": 0}

    def on_done(outcome):
        done["n"] += 1
        if outcome.exit_code:
            failed["n"] += 1
        bar.update(task, advance=1, description=f"running · {failed['n']} not ok" if failed["n"] else "running")

    return bar, on_done
