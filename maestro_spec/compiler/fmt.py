"""`maestro fmt`: one canonical layout for every spec, every comment kept.

The spec is parsed once; fmtprinter.py prints its AST, placing the comments
that parse returned beside it (fmtcomments.py) in lines laid out by
fmtlines.py. The result is re-parsed and compared with the input (meaning
and comments) before it is returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .diagnostics import Diagnostic
from .fmtprinter import INDENT, WIDTH, SpecPrinter
from .frozen import Frozen, fields
from .parse import parse

__all__ = ["INDENT", "WIDTH", "FormatError", "Formatted", "format_text"]


class FormatError(RuntimeError):
    """fmt would have changed what a spec means: a bug in fmt, never the user's."""


@dataclass
class Formatted:
    source: str
    text: str | None  # None when the source has syntax errors (see diagnostics)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.text is not None and self.text != self.source


def format_text(source: str) -> Formatted:
    """Format one spec. A spec that does not parse is returned untouched
    (text None) with its diagnostics; other findings do not stop fmt."""
    parsed = parse(source, comments=True)
    errors = [d for d in parsed.diagnostics if d.is_error]
    if parsed.spec is None or errors:
        return Formatted(source, None, parsed.diagnostics)
    text = SpecPrinter(source, parsed.comments).visit(parsed.spec)
    after = parse(text, comments=True)
    if after.spec is None or _shape(after.spec) != _shape(parsed.spec):
        raise FormatError("fmt would change the meaning of this spec; the file was left as it is")
    if [c.text for c in after.comments] != [c.text for c in parsed.comments]:
        raise FormatError("fmt would lose or reorder a comment; the file was left as it is")
    return Formatted(source, text)


def _shape(node):
    """An AST without positions: what fmt must preserve."""
    if isinstance(node, Frozen):
        return tuple(
            (name, bool(getattr(node, name)) if name in ("mandatory", "required") else _shape(getattr(node, name)))
            for name in fields(node)
            if name not in ("span", "placeholders")
        ) + (type(node).__name__,)
    if isinstance(node, tuple):
        return tuple(_shape(n) for n in node)
    return node
