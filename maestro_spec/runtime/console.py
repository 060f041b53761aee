"""The console and the cells every view of a run is made of (render.py,
progress.py, the watch mode): consoles that colour only terminals, tables
without trailing blanks when piped, scores, durations, ids, message lines.

Every text that came from a server (result, names, reasons, finish reason,
ids, tool calls, error messages) passes through sanitize.for_terminal or
sanitize.one_line on its way to a console: no escape sequence of a server's
reaches the terminal. `safe_text` and `safe_line` are the only ways such
text becomes a Text.
"""

from __future__ import annotations

import json
import math
import os

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..sanitize import for_terminal, one_line, shown_id

_EXCERPT_CHARS = 120
NAME_CHARS = 200  # requirement names, tool names, finish reasons


def safe_text(text, style: str = "") -> Text:
    """Server text with its layout (newlines, tabs), every control escaped."""
    return Text(for_terminal(str(text)), style=style)


def safe_line(text, limit: int | None = NAME_CHARS, style: str = "") -> Text:
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


def table_id(run_id: str | None, console: Console) -> str:
    if not run_id:
        return "-"
    return shown_id(run_id) if console.width >= _WIDE else shown_id(run_id[:_SHORT_ID])


def table_box(console: Console):
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


def score_style(score) -> str:
    score = _score(score)
    if score is None:
        return ""
    return "green" if score >= 1.0 else "yellow" if score >= 0.5 else "red"


def format_score(score) -> str:
    score = _score(score)
    return "-" if score is None else f"{score:.2f}"


def excerpt(text, limit: int = _EXCERPT_CHARS) -> str:
    """Server text or a JSON value, on one safe line of at most `limit` characters."""
    if text is not None and not isinstance(text, str):
        text = json.dumps(text, ensure_ascii=False, default=str)
    return one_line(text or "", limit)


def format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes} min {secs:02d} s"


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
