"""Judge a request body written as JSON (by any client) with the same rules."""

from __future__ import annotations

import json
import re

from lark import Tree
from lark.exceptions import LarkError

from ..grammar import get_json_parser
from .check import Compiled
from .diagnostics import Diagnostic, JsonPath, Span, sort_key, span_at, span_of
from .emit import Emitted
from .rules import check_request


def _locate(text: str) -> dict[JsonPath, Span]:
    """JSON path -> span of the value there (object members: the key and value)."""
    spans: dict[JsonPath, Span] = {}
    try:
        tree = get_json_parser().parse(text)
    except LarkError:
        return spans

    def walk(node, path: JsonPath) -> None:
        spans[path] = span_of(node.meta if isinstance(node, Tree) else node)
        if not isinstance(node, Tree):
            return
        if node.data == "array":
            for i, child in enumerate(c for c in node.children if c is not None):
                walk(child, (*path, i))
        elif node.data == "object":
            for pair in (c for c in node.children if c is not None):
                key_tok, value = pair.children
                key = json.loads(str(key_tok))
                walk(value, (*path, key))

    try:
        walk(tree, ())
    except RecursionError:  # absurdly deep nesting: findings go unplaced
        pass
    return spans


# Outside strings JSON has no quotes, so this finds every string literal.
_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"')
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _lone_surrogate(text: str) -> int | None:
    """Where a string holding an unpaired surrogate escape starts: json.loads
    accepts it, but it cannot be encoded as UTF-8 (to print, or to send)."""
    for m in _STRING_RE.finditer(text):
        if "\\u" in m.group(0) and _SURROGATE_RE.search(json.loads(m.group(0))):
            return m.start()
    return None


class _NotJson(ValueError):
    def __init__(self, word: str):
        super().__init__(word)
        self.word = word


def _not_json(word: str):
    # json.loads takes NaN and Infinity by default; they are not JSON.
    raise _NotJson(word)


def _invalid(text: str, at: int, message: str, hint: str) -> Compiled:
    return Compiled(None, [Diagnostic("E005", message, span_at(text, at), hint)])


def check_json_text(text: str) -> Compiled:
    hint = "a request body is one JSON object"
    try:
        body = json.loads(text, parse_constant=_not_json)
    except _NotJson as e:
        at = _STRING_RE.sub(lambda m: " " * len(m.group(0)), text).find(e.word)
        return _invalid(text, max(at, 0), f"invalid JSON: {e.word} is not a JSON number", "JSON has no NaN or Infinity")
    except json.JSONDecodeError as e:
        return _invalid(text, e.pos, f"invalid JSON: {e.msg}", hint)
    except RecursionError:
        return _invalid(text, 0, "invalid JSON: nested too deeply to read", hint)
    at = _lone_surrogate(text) if "\\u" in text else None
    if at is not None:
        message = "invalid JSON: this string has half of a \\uD800-\\uDFFF surrogate pair, which is not text"
        return _invalid(text, at, message, "write the whole pair (\\ud83d\\ude00) or the character itself")
    located = Emitted(body, _locate(text))
    diagnostics = sorted((located.place(d) for d in check_request(body)), key=sort_key)
    return Compiled(body, diagnostics)
