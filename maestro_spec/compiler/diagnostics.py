"""Diagnostics as data: every finding of the compiler, with a stable code.

Rendering lives in report.py; this module only says what a finding is and
reads every code from codes.py (CODES), so docs and tests can enumerate them.
"""

from __future__ import annotations

from .codes import ALL, Severity
from .frozen import Frozen

JsonPath = tuple  # ("requirements", 3, "description")


class Span(Frozen):
    """A 1-based, end-exclusive text range (columns count characters)."""

    line: int
    column: int
    end_line: int
    end_column: int
    start_pos: int = 0
    end_pos: int = 0


def span_of(node) -> Span:
    """The span of a Lark token, or of a tree node's meta."""
    return Span(node.line, node.column, node.end_line, node.end_column, node.start_pos, node.end_pos)


def span_at(text: str, pos: int, length: int = 1) -> Span:
    """A span of `length` characters from offset `pos`, kept on its line."""
    pos = max(0, min(pos, len(text)))
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    end = min(pos + max(length, 1), len(text)) if text else 0
    if "\n" in text[pos:end]:
        end = pos + text[pos:end].index("\n")
    return Span(line, col, line, col + max(end - pos, 1), pos, max(end, pos + 1))


class Related(Frozen):
    message: str
    span: Span | None = None
    path: JsonPath | None = None


class Diagnostic(Frozen):
    code: str
    message: str
    span: Span | None = None
    hint: str | None = None
    path: JsonPath | None = None
    related: tuple[Related, ...] = ()

    @property
    def severity(self) -> Severity:
        return CODES[self.code][0]

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def format_path(path: JsonPath | None) -> str:
    """("requirements", 3, "description") -> requirements[3].description"""
    out = ""
    for part in path or ():
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# code -> (severity, what it means), read from codes.py (where each code is declared).
CODES: dict[str, tuple[Severity, str]] = {c: (c.severity, c.summary) for c in ALL.values()}


def sort_key(d: Diagnostic):
    """File-level findings first, then by position."""
    s = d.span
    return (s is not None, s.line if s else 0, s.column if s else 0, d.code)


def count_errors(diagnostics) -> int:
    return sum(1 for d in diagnostics if d.is_error)
