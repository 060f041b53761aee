"""Render diagnostics: text (with the source line and a caret), JSON, GitHub."""

from __future__ import annotations

import json
import re

from .diagnostics import Diagnostic, format_path

FORMATS = ("text", "json", "github")


def _where(path: str, d: Diagnostic) -> str:
    if d.span is None:
        return path
    return f"{path}:{d.span.line}:{d.span.column}"


# An excerpt shows at most this many characters of the line, around the
# caret, so one finding on a 10 MB line prints a line, not 10 MB.
EXCERPT_WIDTH = 120
_EXCERPT_LEAD = 40  # characters kept before the caret when the line is cut
_ELLIPSIS = "\u2026"
# Control characters (a NUL, an ESC starting a terminal sequence) are shown,
# never sent: one visible character each, so the caret stays aligned.
_SHOWN = {c: "\ufffd" for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]}
_SHOWN[ord("\t")] = " "


# A message quotes what the author wrote ('xxxx...'): a quoted value longer
# than this shows its start and end around an ellipsis, so a 10 MB word
# makes a short message; the span still says exactly where it is.
_QUOTED_MAX = 60
_QUOTED_RE = re.compile("'([^'\\n]{%d,})'" % (_QUOTED_MAX + 1))
_MESSAGE_MAX = 1000


def clip(message: str) -> str:
    """A message or hint as printed: long quoted values shortened, control
    characters shown as \ufffd, and at most _MESSAGE_MAX characters."""
    if len(message) > 20 * _MESSAGE_MAX:  # bounds the regex's work below
        message = message[: 10 * _MESSAGE_MAX] + _ELLIPSIS + message[-10 * _MESSAGE_MAX :]
    if len(message) > _QUOTED_MAX:
        message = _QUOTED_RE.sub(lambda m: f"'{m.group(1)[:44]}{_ELLIPSIS}{m.group(1)[-12:]}'", message)
    if len(message) > _MESSAGE_MAX:
        message = message[: _MESSAGE_MAX - 1] + _ELLIPSIS
    return message if message.isprintable() else message.translate(_SHOWN)


def _window(text: str, start: int, end: int) -> tuple[str, int, int]:
    """The part of a line to show for columns [start, end): (text, caret offset, caret width)."""
    if len(text) <= EXCERPT_WIDTH:
        left, right = 0, len(text)
    else:
        left = max(0, start - _EXCERPT_LEAD)
        right = min(len(text), left + EXCERPT_WIDTH)
        left = max(0, right - EXCERPT_WIDTH)
    shown = text[left:right]
    if not shown.isprintable():
        shown = shown.translate(_SHOWN)
    caret = start - left
    width = max(1, min(end, right) - start)
    if left > 0:
        shown, caret = _ELLIPSIS + shown, caret + 1
    if right < len(text):
        shown += _ELLIPSIS
    return shown, caret, width


class _SourceLines:
    """A source's lines, looked up one finding at a time: a span's line is
    cut out around its offset (start_pos) when the offset agrees with its
    column, so showing three findings of a 1 MB spec reads three lines
    instead of splitting the whole text (~2 ms on every save in watch). A
    span without offsets (start_pos 0 past line 1) or one that disagrees
    is looked up in the source split once."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._split: list[str] | None = None

    def line(self, line: int, column: int, pos: int) -> str | None:
        text = self.source
        if (pos > 0 or line == 1) and pos <= len(text):
            start = text.rfind("\n", 0, pos) + 1
            if pos - start + 1 == column:
                end = text.find("\n", pos)
                return text[start : end if end != -1 else len(text)]
        if self._split is None:
            self._split = text.split("\n")
        return self._split[line - 1] if 1 <= line <= len(self._split) else None


def _excerpt(lines: _SourceLines, d: Diagnostic, indent: str = "  ") -> list[str]:
    """The source line of a finding with a caret under its span (spans count lines by "\n" only)."""
    found = None if d.span is None or d.span.line < 1 else lines.line(d.span.line, d.span.column, d.span.start_pos)
    if found is None:
        return []
    text = found.removesuffix("\r")
    start = d.span.column - 1
    end = d.span.end_column - 1 if d.span.end_line == d.span.line else len(text)
    shown, caret, width = _window(text, start, end)
    gutter = f"{d.span.line} | "
    return [
        f"{indent}{gutter}{shown}",
        f"{indent}{' ' * (len(gutter) - 2)}| {' ' * caret}^{'~' * (width - 1)}",
    ]


def render_text(path: str, diagnostics: list[Diagnostic], source: str | None = None) -> str:
    out: list[str] = []
    lines = _SourceLines(source) if source is not None else None
    for d in diagnostics:
        # A JSON body's findings name their JSON path; a spec's point at text.
        at = f"{format_path(d.path)}: " if d.path and path.endswith(".json") else ""
        out.append(f"{_where(path, d)}: {d.severity}[{d.code}]: {at}{clip(d.message)}")
        if lines is not None and d.span is not None:
            out += _excerpt(lines, d)
        for r in d.related:
            out.append(f"  note: {_where(path, r) if r.span else path}: {clip(r.message)}")
        if d.hint:
            out.append(f"  hint: {clip(d.hint)}")
    return "\n".join(out)


def to_json(path: str, d: Diagnostic) -> dict:
    s = d.span
    return {
        "path": path,
        "range": None
        if s is None
        else {"start": {"line": s.line, "column": s.column}, "end": {"line": s.end_line, "column": s.end_column}},
        "severity": d.severity,
        "code": d.code,
        "message": clip(d.message),
        "hint": clip(d.hint) if d.hint else d.hint,
        "json_path": format_path(d.path) if d.path else None,
        "related": [
            {
                "message": clip(r.message),
                "range": None
                if r.span is None
                else {"start": {"line": r.span.line, "column": r.span.column}, "end": {"line": r.span.end_line, "column": r.span.end_column}},
            }
            for r in d.related
        ],
    }


# json.dumps(d, ensure_ascii=False) makes an encoder per call: a third of the
# time of 10,000 findings' lines.
_LINE_ENCODER = json.JSONEncoder(ensure_ascii=False)


def render_json(path: str, diagnostics: list[Diagnostic]) -> str:
    encode = _LINE_ENCODER.encode
    return "\n".join(encode(to_json(path, d)) for d in diagnostics)


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(path: str, diagnostics: list[Diagnostic]) -> str:
    out = []
    for d in diagnostics:
        props = [f"file={_gh_escape(path, True)}"]
        if d.span:
            props += [f"line={d.span.line}", f"col={d.span.column}", f"endLine={d.span.end_line}", f"endColumn={d.span.end_column}"]
        props.append(f"title={_gh_escape(d.code, True)}")
        message = clip(d.message) + (f" (hint: {clip(d.hint)})" if d.hint else "")
        out.append(f"::{d.severity} {','.join(props)}::{_gh_escape(message)}")
    return "\n".join(out)


def render(fmt: str, path: str, diagnostics: list[Diagnostic], source: str | None = None) -> str:
    if fmt == "json":
        return render_json(path, diagnostics)
    if fmt == "github":
        return render_github(path, diagnostics)
    return render_text(path, diagnostics, source)
