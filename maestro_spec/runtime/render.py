"""Show runs to a person: the result, the requirements, the data sources.

    render_outcome(outcome, console)     # onto any rich Console
    text = outcome_text(outcome)          # the same as plain text (watch mode, tests)

Results go to stdout; the live status line and problems go to stderr, and
the status line exists only when stderr is a terminal. When output is piped
there is no colour, no spinner and no box drawing: just aligned columns.

Every text that came from a server (result, names, reasons, finish reason,
ids, tool calls, error messages) passes through sanitize.for_terminal or
sanitize.one_line on its way here: no escape sequence of a server's reaches
the terminal. `_text` and `_line` are the only ways such text becomes a Text.
"""

from __future__ import annotations

import io
import json
import math
import os
import time
from collections.abc import Iterable

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..compiler.limits import COMPLETED, FAILED, IN_PROGRESS, REQUIRES_ACTION, TERMINAL_STATUSES
from .wire import Run
from .outcome import RETRYING, SUBMITTING, RunOutcome, StatusEvent, judge, outcome_from_record, unmet_mandatory
from .errors import stopped_lines
from .sanitize import for_terminal, one_line, shown_id
from .store import RunRecord

_EXCERPT_CHARS = 120
_CALL_PARAMETER_CHARS = 40  # a tool call's parameters, shown on one line ...
_CALL_RESPONSE_CHARS = 50  # ... and the start of its response
_NAME_CHARS = 200  # requirement names, tool names, finish reasons
_SPINNER = "dots"


def _text(text, style: str = "") -> Text:
    """Server text with its layout (newlines, tabs), every control escaped."""
    return Text(for_terminal(str(text)), style=style)


def _line(text, limit: int | None = _NAME_CHARS, style: str = "") -> Text:
    """Server text on one line, controls escaped, at most `limit` characters."""
    return Text(one_line(str(text), limit), style=style)


_PIPE_WIDTH = 160  # piped output is for reading later or for grep: do not fold it at 80


def make_console(*, stderr: bool = False, file=None, width: int | None = None) -> Console:
    """A console that colours only terminals (and respects NO_COLOR)."""
    console = Console(stderr=stderr, file=file, width=width, highlight=False, soft_wrap=False)
    if width is None and not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = _PIPE_WIDTH
    return console


_WIDE = 120  # below this width, tables show ids by a unique-enough prefix, as git does
_SHORT_ID = 8


def _id(run_id: str | None, console: Console) -> str:
    if not run_id:
        return "-"
    return shown_id(run_id) if console.width >= _WIDE else shown_id(run_id[:_SHORT_ID])


def _box(console: Console):
    return box.SIMPLE_HEAD if console.is_terminal else None


def print_table(console: Console, table: Table) -> None:
    """Tables pad every cell; in a pipe that leaves trailing blanks, so strip them."""
    if console.is_terminal:
        console.print(table)
        return
    with console.capture() as captured:
        console.print(table)
    console.out("\n".join(line.rstrip() for line in captured.get().splitlines()), highlight=False)


def _score(score) -> float | None:
    """A score that can be shown, or None (not a finite number: shown as '-')."""
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not math.isfinite(score):
        return None
    return float(score)


def _score_style(score) -> str:
    score = _score(score)
    if score is None:
        return ""
    return "green" if score >= 1.0 else "yellow" if score >= 0.5 else "red"


def _fmt_score(score) -> str:
    score = _score(score)
    return "-" if score is None else f"{score:.2f}"


def _excerpt(text, limit: int = _EXCERPT_CHARS) -> str:
    """Server text or a JSON value, on one safe line of at most `limit` characters."""
    if text is not None and not isinstance(text, str):
        text = json.dumps(text, ensure_ascii=False, default=str)
    return one_line(text or "", limit)


def _fmt_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes} min {secs:02d} s"


# ------------------------------------------------------------ one run


def result_text(run: Run) -> str:
    """The result as it is printed: a text as written (controls escaped), a
    JSON value (structured output) as indented JSON."""
    if run.result is None:
        return ""
    if isinstance(run.result, str):
        return for_terminal(run.result.rstrip("\n"))
    return for_terminal(json.dumps(run.result, indent=2, ensure_ascii=False))


def requirements_table(run: Run, console: Console) -> Table | None:
    rr = run.requirements_result
    if rr is None:
        return None
    table = Table(box=_box(console), show_edge=False, pad_edge=False, title=None, expand=False)
    table.add_column("requirement", overflow="fold")
    table.add_column("mandatory", justify="center")
    table.add_column("score", justify="right")
    table.add_column("reason", overflow="fold", ratio=1)
    for r in rr.requirements:
        mark = "yes" if r.is_mandatory else ""
        table.add_row(
            _line(r.name),
            Text(mark, style="bold" if r.is_mandatory and (r.score is None or r.score < 1) else ""),
            Text(_fmt_score(r.score), style=_score_style(r.score)),
            _text(r.reason or ""),
        )
    return table


def data_sources_table(run: Run, console: Console) -> Table | None:
    ds = run.data_sources
    if ds is None or not (ds.web_search or ds.file_search):
        return None
    table = Table(box=_box(console), show_edge=False, pad_edge=False)
    table.add_column("source", overflow="fold")
    table.add_column("score", justify="right")
    table.add_column("excerpt", overflow="fold", ratio=1)
    for s in ds.web_search or ():
        table.add_row(_line(s.url, 300), Text(_fmt_score(s.score)), Text(_excerpt(s.text)))
    for f in ds.file_search or ():
        name = f"{f.file_name} ({f.file_id})" if f.file_name else f.file_id
        table.add_row(_line(name, 300), Text(_fmt_score(f.score)), Text(_excerpt(f.text)))
    return table


def tool_calls_table(run: Run, console: Console) -> Table | None:
    """The run's calls of http and mcp tools: which tool, how it went, with
    what, and the start of what it answered."""
    calls = run.data_sources.tool_calls if run.data_sources is not None else None
    if not calls:
        return None
    table = Table(box=_box(console), show_edge=False, pad_edge=False)
    names = [one_line(tool_call_name(call), _NAME_CHARS) for call in calls]
    table.add_column("tool", overflow="fold", min_width=min(40, max(len(n) for n in names)))
    table.add_column("status", no_wrap=True, min_width=7)
    # The parameters and the start of the response, cut short (`runs show --json` has them whole).
    table.add_column("parameters", overflow="fold")
    table.add_column("response", overflow="fold")
    for name, call in zip(names, calls):
        table.add_row(
            Text(name),
            _line(call.status or "-", 40, style=_CALL_STYLES.get(call.status or "", "")),
            Text(_excerpt(call.parameters, _CALL_PARAMETER_CHARS) if call.parameters not in (None, {}, "") else "-"),
            Text(_excerpt(call.response, _CALL_RESPONSE_CHARS) if call.response not in (None, "") else "-"),
        )
    return table


_CALL_STYLES = {"success": "green", "failure": "red"}


def tool_call_name(call) -> str:
    """`get_weather (http)`, `files.search (mcp: files)`: the tool as its spec names it."""
    kind = call.tool_type or "tool"
    name = call.tool_name or call.server_label or "?"
    if call.server_label and call.tool_name and call.server_label != call.tool_name:
        return f"{name} ({kind}: {call.server_label})"
    return f"{name} ({kind})"


def footer(outcome: RunOutcome) -> Text:
    parts = []
    run_id = outcome.run_id or (outcome.run.id if outcome.run else None)
    if run_id:
        parts.append(f"run {shown_id(run_id)}")
    parts.append(one_line(outcome.status, 40))
    if outcome.cached_from:
        parts.append(f"cached (record {outcome.cached_from}, took {_fmt_seconds(outcome.elapsed)})")
    else:
        parts.append(_fmt_seconds(outcome.elapsed))
    if outcome.spec:
        parts.append(outcome.spec)
    if outcome.local:
        parts.append("local simulation")
    return Text(" · ".join(parts), style="dim")


def render_outcome(outcome: RunOutcome, console: Console) -> None:
    """The result, requirements, data sources and a footer line, onto `console`.

    Problems (the error or the verdict) are not printed here; see problems().
    """
    run = outcome.run
    if run is not None and run.status == COMPLETED:
        text = result_text(run)
        if text:
            # soft_wrap: the terminal folds long lines; no newline is added to the text
            console.print(Text(text), soft_wrap=True)
            console.print()
        table = requirements_table(run, console)
        if table is not None:
            rr = run.requirements_result
            console.print(Text("requirements", style="bold"))
            print_table(console, table)
            overall = Text("overall score ")
            overall.append(_fmt_score(rr.score), style=_score_style(rr.score))
            if rr.finish_reason:
                overall.append(f" · finish reason {one_line(rr.finish_reason, _NAME_CHARS)}")
            unmet = unmet_mandatory(run)
            if unmet:
                overall.append(f" · {len(unmet)} mandatory unmet", style="red")
            console.print(overall)
            console.print()
        sources = data_sources_table(run, console)
        if sources is not None:
            console.print(Text("data sources", style="bold"))
            print_table(console, sources)
            console.print()
    if run is not None and run.is_terminal:
        calls = tool_calls_table(run, console)
        if calls is not None:
            console.print(Text("tool calls", style="bold"))
            print_table(console, calls)
            console.print()
    if run is not None and run.status == FAILED and run.error is not None:
        console.print(Text("the run failed: ").append_text(_text(run.error.message)))
    console.print(footer(outcome))


def problems(outcome: RunOutcome) -> list[tuple[str, str | None]]:
    """(line, hint) pairs for stderr: the error or the verdict, and warnings."""
    out: list[tuple[str, str | None]] = [(w, None) for w in outcome.warnings]
    if outcome.error is not None:
        hint = outcome.error.hint
        if outcome.local and outcome.run_id and "runs attach" in (hint or ""):
            hint = "the run was on the built-in local server, which stopped with this command"
        out.append((str(outcome.error), hint))
    else:
        verdict = outcome.verdict
        if verdict:
            out.append((verdict, None))
        elif outcome.run is not None and outcome.run.requirements_result is None and outcome.request.get("requirements"):
            out.append(("note: add 'include requirements_result' to see whether the requirements were met", None))
    return out


def print_line(err: Console, text: Text) -> None:
    """One message line. Piped, it is never folded: a log reader or grep sees
    it whole (ids, URLs and `maestro runs attach ID` included); on a terminal
    rich wraps it at word boundaries. A control character that reached the
    line (a run id of a server's, say) is shown escaped, never sent."""
    safe = for_terminal(text.plain)
    if safe != text.plain:
        text = Text(safe, style=text.style)
    err.print(text, soft_wrap=not err.is_terminal)


def print_error(err: Console, line: str, hint: str | None = None) -> None:
    """`error: LINE` and `  hint: HINT`; both may quote a server, so both are made one safe line."""
    print_line(err, Text.assemble(("error: ", "bold red"), one_line(line)))
    if hint:
        print_line(err, Text(f"  hint: {one_line(hint)}"))


def print_stopped(err: Console, tracker, *, local: bool, total: int, word: str = "interrupted") -> None:
    """What Ctrl-C (word "interrupted") or SIGTERM ("terminated") left behind,
    from a batch.Tracker of the runs (the wording is errors.stopped_lines')."""
    for line in stopped_lines(tracker.in_flight(), total=total, started=tracker.started_count(), local=local, word=word):
        print_line(err, Text(line))


def print_problems(outcome: RunOutcome, err: Console, *, prefix: str | None = None) -> None:
    """The outcome's problems, one line each (and its hint); with `prefix`
    (the spec, when several ran) each line names it."""
    lead = f"{prefix}: " if prefix else ""
    for line, hint in problems(outcome):
        if line.startswith("note: "):
            print_line(err, Text(one_line(f"note: {lead}{line[len('note: '):]}"), style="dim"))
        else:
            print_error(err, lead + line, hint)


def outcome_text(outcome: RunOutcome, *, width: int = 100, problems_too: bool = True) -> str:
    """Everything a person would see for this outcome, as plain text."""
    buffer = io.StringIO()
    console = make_console(file=buffer, width=width)
    render_outcome(outcome, console)
    if problems_too:
        print_problems(outcome, console)
    return buffer.getvalue()


def render_record(record: RunRecord, console: Console, err: Console) -> None:
    """`maestro runs show`: a recorded run as it was last seen."""
    outcome = outcome_from_record(record)
    run = outcome.run
    if run is not None and run.is_terminal:
        render_outcome(outcome, console)
    else:
        console.print(_line(f"status {record.status}" + (f" · {record.error}" if record.error else ""), None))
        console.print(footer(outcome))
    details = Table.grid(padding=(0, 2))
    details.add_column(style="dim")
    details.add_column()
    for label, value in (
        ("record", record.id),
        ("target", record.target),
        ("created", record.created_at),
        ("finished", record.finished_at or "-"),
        ("polls", f"{record.polls} GETs, {record.retries} retries"),
    ):
        details.add_row(label, _line(value, 300))
    print_table(err, details)  # no padding blanks when piped


# ------------------------------------------------------------ while running


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
        parts.append(_fmt_seconds(time.monotonic() - started))
        if e is not None and e.phase == RETRYING and e.detail:
            parts.append(one_line(e.detail, 200))
        return Text(" · ".join(parts))


def live_status(err: Console, line: StatusLine):
    """A transient spinner on a terminal; a do-nothing context when piped."""
    if not err.is_terminal:
        import contextlib

        return contextlib.nullcontext()
    return err.status(line, spinner=_SPINNER)


def summary_table(outcomes: Iterable[RunOutcome], console: Console) -> Table:
    outcomes = list(outcomes)
    verdicts = [judge(o) for o in outcomes]
    table = Table(box=_box(console), show_edge=False, pad_edge=False)
    # Ids stay whole (they are copied into `maestro runs show`); the reason folds.
    def widest(values) -> int:
        return max((len(v) for v in values), default=1)

    table.add_column("spec", overflow="fold")
    table.add_column("run", no_wrap=True, min_width=widest(_id(o.run_id, console) for o in outcomes))
    table.add_column("status", no_wrap=True, min_width=widest(o.status for o in outcomes))
    table.add_column("score", justify="right", no_wrap=True, min_width=5)
    table.add_column("time", justify="right", no_wrap=True, min_width=6)
    table.add_column("exit", justify="right", no_wrap=True, min_width=4)
    if any(why for _, why in verdicts):
        table.add_column("why", overflow="fold", ratio=1)
    for o, (code, why) in zip(outcomes, verdicts):
        rr = o.run.requirements_result if o.run else None
        cells = [
            Text(o.spec or "-"),
            Text(_id(o.run_id, console)),
            _line(o.status, 40, style="green" if code == 0 else "red"),
            Text(_fmt_score(rr.score) if rr else "-", style=_score_style(rr.score) if rr else ""),
            Text("cached" if o.cached_from else _fmt_seconds(o.elapsed)),
            Text(str(code)),
        ]
        if len(table.columns) > len(cells):
            cells.append(_line(why or "", 300))
        table.add_row(*cells)
    return table


def records_table(records: Iterable[RunRecord], console: Console) -> Table:
    """`maestro runs list`: newest first."""
    table = Table(box=_box(console), show_edge=False, pad_edge=False)
    records = list(records)
    table.add_column("id", no_wrap=True, min_width=max((len(_id(r.display_id, console)) for r in records), default=2))
    table.add_column("status", no_wrap=True, min_width=9)
    table.add_column("spec", overflow="fold")
    table.add_column("created", no_wrap=True, min_width=16)
    table.add_column("time", justify="right", no_wrap=True, min_width=6)
    table.add_column("score", justify="right", no_wrap=True, min_width=5)
    for r in records:
        rr = (r.response or {}).get("requirements_result") or {}
        status = r.status
        if r.error and r.status not in TERMINAL_STATUSES:
            status += " (interrupted)" if "interrupted" in r.error else " (see show)"
        table.add_row(
            Text(_id(r.display_id, console)),
            _line(status, 60, style=_status_style(r.status)),
            _line(r.spec or "-", 300),
            Text((r.created_at or "").replace("T", " ")[:16]),
            Text(_fmt_seconds(r.elapsed)),
            Text(_fmt_score(rr.get("score"))),
        )
    return table


_STATUS_STYLES = {COMPLETED: "green", FAILED: "red", REQUIRES_ACTION: "yellow", IN_PROGRESS: "cyan"}


def _status_style(status: str) -> str:
    return _STATUS_STYLES.get(status, "red")


def finished_line(outcome: RunOutcome, done: int, total: int) -> str:
    """A plain progress line per finished run, for logs when stderr is not a terminal.

    Why a run is not ok is not repeated here: print_problems says it once,
    with its hint, after the batch.
    """
    run = f" (run {shown_id(outcome.run_id)})" if outcome.run_id else ""
    code = f", exit {outcome.exit_code}" if outcome.exit_code else ""
    status = one_line(outcome.status, 40)
    return f"[{done}/{total}] {outcome.spec or '-'}: {status} in {_fmt_seconds(outcome.elapsed)}{run}{code}"


__all__ = [
    "StatusLine",
    "data_sources_table",
    "finished_line",
    "live_status",
    "make_console",
    "outcome_text",
    "print_error",
    "print_line",
    "print_problems",
    "print_table",
    "records_table",
    "problems",
    "render_outcome",
    "render_record",
    "requirements_table",
    "result_text",
    "shown_id",
    "summary_table",
    "tool_call_name",
    "tool_calls_table",
]
