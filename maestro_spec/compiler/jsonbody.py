"""Judge a request body written as JSON (by any client) with the same rules."""

from __future__ import annotations

import json

from lark import Token, Tree
from lark.exceptions import LarkError

from ..grammar import get_json_parser
from .check import Compiled
from .diagnostics import Diagnostic, JsonPath, Related, Span, sort_key
from .emit import Emitted
from .rules import check_request


def _span(node) -> Span:
    m = node if isinstance(node, Token) else node.meta
    return Span(m.line, m.column, m.end_line, m.end_column, m.start_pos, m.end_pos)


def _locate(text: str) -> dict[JsonPath, Span]:
    """JSON path -> span of the value there (object members: the key and value)."""
    spans: dict[JsonPath, Span] = {}
    try:
        tree = get_json_parser().parse(text)
    except LarkError:
        return spans

    def walk(node, path: JsonPath) -> None:
        spans[path] = _span(node)
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

    walk(tree, ())
    return spans


def check_json_text(text: str) -> Compiled:
    try:
        body = json.loads(text)
    except json.JSONDecodeError as e:
        line, col = e.lineno, e.colno
        span = Span(line, col, line, col + 1, e.pos, e.pos + 1)
        return Compiled(None, [Diagnostic("E005", f"invalid JSON: {e.msg}", span, "a request body is one JSON object")])
    located = Emitted(body, _locate(text))
    diagnostics = []
    for d in check_request(body):
        related = tuple(Related(r.message, located.span_for(r.path), r.path) for r in d.related)
        diagnostics.append(Diagnostic(d.code, d.message, located.span_for(d.path), d.hint, d.path, related))
    diagnostics.sort(key=sort_key)
    return Compiled(body, diagnostics)
