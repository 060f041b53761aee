"""Show runs to a person: one run's result, requirements, data sources and
tool calls; its problems; a recorded run; a batch's summary; the records list.

    render_outcome(outcome, console)     # onto any rich Console
    text = outcome_text(outcome)          # the same as plain text (watch mode, tests)

Results go to stdout; the live status line (progress.py) and problems go to
stderr. When output is piped there is no colour, no spinner and no box
drawing: just aligned columns. The cells and consoles are console.py's, which
keeps server text safe for a terminal.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..compiler.limits import COMPLETED, FAILED, IN_PROGRESS, REQUIRES_ACTION, TERMINAL_STATUSES, TOOL_CALL_FAILURE, TOOL_CALL_SUCCESS
from .console import (
    NAME_CHARS,
    excerpt,
    format_score,
    format_seconds,
    make_console,
    print_error,
    print_line,
    print_table,
    safe_line,
    safe_text,
    score_style,
    table_box,
    table_id,
)
from .errors import stopped_lines
from .outcome import RunOutcome, judge, outcome_from_record, unmet_mandatory
from ..sanitize import for_terminal, one_line, shown_id
from .record import RunRecord
from .wire import Run

_CALL_PARAMETER_CHARS = 40  # a tool call's parameters, shown on one line ...
_CALL_RESPONSE_CHARS = 50  # ... and the start of its response


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
    table = Table(box=table_box(console), show_edge=False, pad_edge=False, title=None, expand=False)
    table.add_column("requirement", overflow="fold")
    table.add_column("mandatory", justify="center")
    table.add_column("score", justify="right")
    table.add_column("reason", overflow="fold", ratio=1)
    for r in rr.requirements:
        mark = "yes" if r.is_mandatory else ""
        table.add_row(
            safe_line(r.name),
            Text(mark, style="bold" if r.is_mandatory and (r.score is None or r.score < 1) else ""),
            Text(format_score(r.score), style=score_style(r.score)),
            safe_text(r.reason or ""),
        )
    return table


def data_sources_table(run: Run, console: Console) -> Table | None:
    ds = run.data_sources
    if ds is None or not (ds.web_search or ds.file_search):
        return None
    table = Table(box=table_box(console), show_edge=False, pad_edge=False)
    table.add_column("source", overflow="fold")
    table.add_column("score", justify="right")
    table.add_column("excerpt", overflow="fold", ratio=1)
    for s in ds.web_search or ():
        table.add_row(safe_line(s.url, 300), Text(format_score(s.score)), Text(excerpt(s.text)))
    for f in ds.file_search or ():
        name = f"{f.file_name} ({f.file_id})" if f.file_name else f.file_id
        table.add_row(safe_line(name, 300), Text(format_score(f.score)), Text(excerpt(f.text)))
    return table


def tool_calls_table(run: Run, console: Console) -> Table | None:
    """The run's calls of http and mcp tools: which tool, how it went, with
    what, and the start of what it answered."""
    calls = run.data_sources.tool_calls if run.data_sources is not None else None
    if not calls:
        return None
    table = Table(box=table_box(console), show_edge=False, pad_edge=False)
    names = [one_line(tool_call_name(call), NAME_CHARS) for call in calls]
    table.add_column("tool", overflow="fold", min_width=min(40, max(len(n) for n in names)))
    table.add_column("status", no_wrap=True, min_width=7)
    # The parameters and the start of the response, cut short (`runs show --json` has them whole).
    table.add_column("parameters", overflow="fold")
    table.add_column("response", overflow="fold")
    for name, call in zip(names, calls):
        table.add_row(
            Text(name),
            safe_line(call.status or "-", 40, style=_CALL_STYLES.get(call.status or "", "")),
            Text(excerpt(call.parameters, _CALL_PARAMETER_CHARS) if call.parameters not in (None, {}, "") else "-"),
            Text(excerpt(call.response, _CALL_RESPONSE_CHARS) if call.response not in (None, "") else "-"),
        )
    return table


_CALL_STYLES = {TOOL_CALL_SUCCESS: "green", TOOL_CALL_FAILURE: "red"}


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
        parts.append(f"cached (record {outcome.cached_from}, took {format_seconds(outcome.elapsed)})")
    else:
        parts.append(format_seconds(outcome.elapsed))
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
            overall.append(format_score(rr.score), style=score_style(rr.score))
            if rr.finish_reason:
                overall.append(f" · finish reason {one_line(rr.finish_reason, NAME_CHARS)}")
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
        console.print(Text("the run failed: ").append_text(safe_text(run.error.message)))
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
        console.print(safe_line(f"status {record.status}" + (f" · {record.error}" if record.error else ""), None))
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
        details.add_row(label, safe_line(value, 300))
    print_table(err, details)  # no padding blanks when piped


def summary_table(outcomes: Iterable[RunOutcome], console: Console) -> Table:
    outcomes = list(outcomes)
    verdicts = [judge(o) for o in outcomes]
    table = Table(box=table_box(console), show_edge=False, pad_edge=False)
    # Ids stay whole (they are copied into `maestro runs show`); the reason folds.
    def widest(values) -> int:
        return max((len(v) for v in values), default=1)

    table.add_column("spec", overflow="fold")
    table.add_column("run", no_wrap=True, min_width=widest(table_id(o.run_id, console) for o in outcomes))
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
            Text(table_id(o.run_id, console)),
            safe_line(o.status, 40, style="green" if code == 0 else "red"),
            Text(format_score(rr.score) if rr else "-", style=score_style(rr.score) if rr else ""),
            Text("cached" if o.cached_from else format_seconds(o.elapsed)),
            Text(str(code)),
        ]
        if len(table.columns) > len(cells):
            cells.append(safe_line(why or "", 300))
        table.add_row(*cells)
    return table


def records_table(records: Iterable[RunRecord], console: Console) -> Table:
    """`maestro runs list`: newest first."""
    table = Table(box=table_box(console), show_edge=False, pad_edge=False)
    records = list(records)
    table.add_column("id", no_wrap=True, min_width=max((len(table_id(r.display_id, console)) for r in records), default=2))
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
            Text(table_id(r.display_id, console)),
            safe_line(status, 60, style=_status_style(r.status)),
            safe_line(r.spec or "-", 300),
            Text((r.created_at or "").replace("T", " ")[:16]),
            Text(format_seconds(r.elapsed)),
            Text(format_score(rr.get("score"))),
        )
    return table


_STATUS_STYLES = {COMPLETED: "green", FAILED: "red", REQUIRES_ACTION: "yellow", IN_PROGRESS: "cyan"}


def _status_style(status: str) -> str:
    return _STATUS_STYLES.get(status, "red")


__all__ = [
    "data_sources_table",
    "outcome_text",
    "print_problems",
    "print_stopped",
    "problems",
    "records_table",
    "render_outcome",
    "render_record",
    "requirements_table",
    "result_text",
    "summary_table",
    "tool_call_name",
    "tool_calls_table",
]
