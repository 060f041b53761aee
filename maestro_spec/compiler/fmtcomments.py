"""Where fmt puts each comment: the gaps between the tokens it prints.

The AST has no comments and no punctuation; parse() gives the comments with
their spans, and the punctuation between two nodes is found in the source
between their spans (a gap there holds only whitespace, comments and the
punctuation, since strings are nodes). Tokens are printed in source order,
so the gap before a token runs from the end of the one printed before it.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from . import ast

# What may lie between two tokens besides punctuation (Lark's WS, COMMENT).
_SKIP_RE = re.compile(r"(?:[ \t\f\r\n]+|#[^\n]*)*")


@dataclass
class PlacedComment:
    text: str
    trailing: bool  # on the same source line as the token before it
    blank_before: bool  # a blank line separated it from what came before


@dataclass
class Gap:
    """What lies between a token and the one before it."""

    comments: list[PlacedComment] = field(default_factory=list)
    blank_before: bool = False  # a blank line just before the token


class Gaps:
    """The gaps before the tokens of one source, taken in source order."""

    def __init__(self, source: str, comments: tuple[ast.Comment, ...]) -> None:
        self.source = source
        self.comments = comments
        self.starts = [c.span.start_pos for c in comments]
        self.prev_end = 0  # where the last token taken ended
        self.started = False  # a token was taken (a comment before none is not trailing)
        self.carried: list[PlacedComment] = []

    def before(self, start: int, end: int) -> Gap:
        """The gap before the token at source[start:end], which is taken."""
        gap = self._gap(start)
        self.prev_end, self.started = end, True
        return gap

    def carry(self, start: int, end: int) -> None:
        """Take a comma or colon, passing the comments before it to the next
        token: a comment written before a comma is printed after it (the comma
        stays with its item, the comment with the line), and a block's colons
        are dropped, so a comment before one goes with the value after it."""
        self.carried = self._gap(start).comments
        self.prev_end, self.started = end, True

    def end(self) -> Gap:
        """What follows the last token, to the end of the file."""
        return self._gap(len(self.source))

    def any_inside(self, start: int, end: int) -> bool:
        """A comment starts in source[start:end]."""
        i = bisect.bisect_left(self.starts, start)
        return i < len(self.starts) and self.starts[i] < end

    def next_mark(self, pos: int) -> int:
        """Where the next token at or after pos starts (past whitespace and comments)."""
        return _SKIP_RE.match(self.source, pos).end()

    def mark_after(self, pos: int, char: str) -> int | None:
        """Where `char` (',' or ':') is, if it is the next token after pos."""
        at = self.next_mark(pos)
        return at if self.source.startswith(char, at) else None

    def _gap(self, start: int) -> Gap:
        source, prev_end = self.source, self.prev_end
        gap = Gap(self.carried)
        self.carried = []
        at = prev_end
        i = bisect.bisect_left(self.starts, prev_end)
        while i < len(self.starts) and self.starts[i] < start:
            c = self.comments[i]
            begin = c.span.start_pos
            trailing = self.started and source.count("\n", prev_end, begin) == 0
            gap.comments.append(PlacedComment(c.text, trailing, source.count("\n", at, begin) >= 2))
            at = c.span.end_pos
            i += 1
        gap.blank_before = source.count("\n", at, start) >= 2
        return gap
