"""Judge a request body written as JSON (by any client) with the same rules."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from . import codes as C
from .pipeline import Compiled
from .diagnostics import Diagnostic, JsonPath, Span, sort_key, span_at
from .emit import Emitted
from .jsontext import JsonSyntaxError, loads, locate
from .rules import check_request
from .strings import offset_span


class _Spans(Mapping):
    """JSON path -> span of the value there, for the paths findings name:
    found by one linear scan, on first use, so a body without findings
    costs json.loads and the rules only."""

    def __init__(self, text: str, paths):
        self._text = text
        self._paths = paths
        self._offsets: dict[JsonPath, tuple[int, int]] | None = None

    def _all(self) -> dict[JsonPath, tuple[int, int]]:
        if self._offsets is None:
            wanted = {tuple(p[:i]) for p in self._paths for i in range(len(p) + 1)}
            self._offsets = locate(self._text, wanted)
        return self._offsets

    def __getitem__(self, path: JsonPath) -> Span:
        start, end = self._all()[path]
        return offset_span(self._text, _TEXT_START, start, end)

    def __iter__(self):
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


_TEXT_START = Span(1, 1, 1, 1, 0, 0)

# Outside strings JSON has no quotes, so this finds every string literal.
_STRING_RE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _lone_surrogate(text: str) -> int | None:
    """Where a string holding an unpaired surrogate escape starts: json.loads
    accepts it, but it cannot be encoded as UTF-8 (to print, or to send)."""
    for m in _STRING_RE.finditer(text):
        if "\\u" in m.group(0) and _SURROGATE_RE.search(json.loads(m.group(0))):
            return m.start()
    return None


def _invalid(text: str, at: int, message: str, hint: str) -> Compiled:
    return Compiled(None, [Diagnostic(C.INVALID_JSON, message, span_at(text, at), hint)])


HINT = "a request body is one JSON object"


def check_json_text(text: str) -> Compiled:
    try:
        body = loads(text)
    except JsonSyntaxError as e:
        return _invalid(text, e.pos, f"invalid JSON: {e.message}", e.hint or HINT)
    at = _lone_surrogate(text) if "\\u" in text else None
    if at is not None:
        message = "invalid JSON: this string has half of a \\uD800-\\uDFFF surrogate pair, which is not text"
        return _invalid(text, at, message, "write the whole pair (\\ud83d\\ude00) or the character itself")
    findings = check_request(body)
    if not findings:
        return Compiled(body, [])
    paths = [d.path or () for d in findings] + [r.path or () for d in findings for r in d.related]
    located = Emitted(body, _Spans(text, paths))
    return Compiled(body, sorted((located.place(d) for d in findings), key=sort_key))
