"""Positions: the compiler's 1-based character spans <-> LSP's 0-based ranges.

The compiler counts columns in characters; LSP clients count in the
negotiated position encoding (UTF-16 code units unless they said otherwise).
`to_range` is the one place a Span becomes an LSP Range.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable

from lsprotocol import types as lsp

from ..compiler.diagnostics import Span


def utf16_units(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


class Text:
    """A document's text with its line starts, for converting positions.

    units: how many client code units a string is (UTF-16 by default)."""

    def __init__(self, text: str, units: Callable[[str], int] = utf16_units):
        self.text = text
        self.units = units
        starts = [0]
        find = text.find
        at = find("\n")
        while at >= 0:
            starts.append(at + 1)
            at = find("\n", at + 1)
        self.starts = starts

    def line_text(self, line0: int) -> str:
        if line0 >= len(self.starts):
            return ""
        start = self.starts[line0]
        end = self.starts[line0 + 1] - 1 if line0 + 1 < len(self.starts) else len(self.text)
        return self.text[start:end]

    def _client_col(self, line0: int, col0: int) -> int:
        prefix = self.line_text(line0)[:col0]
        return col0 if prefix.isascii() else self.units(prefix)

    def position(self, offset: int) -> lsp.Position:
        """A character offset -> an LSP position."""
        offset = max(0, min(offset, len(self.text)))
        line0 = bisect.bisect_right(self.starts, offset) - 1
        return lsp.Position(line0, self._client_col(line0, offset - self.starts[line0]))

    def offset(self, pos: lsp.Position) -> int:
        """An LSP position -> a character offset (clamped to the text)."""
        if pos.line >= len(self.starts):
            return len(self.text)
        line = self.line_text(pos.line)
        start = self.starts[pos.line]
        if line.isascii():
            return start + min(pos.character, len(line))
        units = 0
        for i, ch in enumerate(line):
            if units >= pos.character:
                return start + i
            units += self.units(ch)
        return start + len(line)

    def range(self, start: int, end: int) -> lsp.Range:
        return lsp.Range(self.position(start), self.position(end))


def to_range(text: Text, span: Span | None) -> lsp.Range:
    """The one conversion of a compiler Span (1-based lines and character
    columns, end-exclusive) to an LSP Range. A file-level finding (no span)
    is shown on the first line."""
    if span is None:
        return lsp.Range(lsp.Position(0, 0), lsp.Position(0, text._client_col(0, len(text.line_text(0)))))
    start = lsp.Position(span.line - 1, text._client_col(span.line - 1, span.column - 1))
    end = lsp.Position(span.end_line - 1, text._client_col(span.end_line - 1, span.end_column - 1))
    return lsp.Range(start, end)
