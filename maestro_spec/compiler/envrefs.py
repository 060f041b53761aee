"""Credentials in a spec: the fields that carry them, and {{env.NAME}}.

A tool field the API table marks secret (headers) is the only place a
credential belongs; there, `{{env.NAME}}` is read from the environment when
the spec is compiled (check.py resolves it and reports what is missing), and
exports reference the variable instead of the value (Compiled.secrets).
"""

from __future__ import annotations

import functools
import re

from . import ast
from . import limits as L
from .strings import substitute

ENV_PREFIX = "env."  # {{env.NAME}}: a credential read from the environment


@functools.cache
def _token_re() -> re.Pattern:
    # Compiled on first use (1.4 ms): most specs have no header to judge.
    return re.compile(r"^(?:(?:Bearer|Basic|Token)\s+\S{8,}|(?=[^\s]*[0-9])(?=[^\s]*[A-Za-z])[A-Za-z0-9_\-.=+/]{20,})$", re.I)


def looks_like_token(value: str) -> bool:
    """A header value that reads like a literal credential: a scheme and a
    token, or one long run of token characters mixing letters and digits (W113)."""
    return _token_re().match(value) is not None


def credential_fields(spec: ast.Spec):
    """(tool index, wire path, field) for every credential field of the spec's tools."""
    for i, tool in enumerate(spec.of(ast.Tool)):
        t = L.TOOLS.get(tool.type.value)
        keywords = t.by_keyword() if t else {}
        for f in tool.fields:
            found = keywords.get(f.key.value)
            if found is not None and found[1].secret:
                yield i, found[0], f


def credential_strings(spec: ast.Spec):
    """Every string written inside a credential field."""
    for _, _, f in credential_fields(spec):
        stack = [f.value]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Str):
                yield node
            elif isinstance(node, ast.Block):
                stack += [e.value for e in node.entries]
            elif isinstance(node, ast.List):
                stack += node.items


def templates(spec: ast.Spec, values: dict[str, str]) -> dict[tuple, str]:
    """JSON path of each header value -> its text with params filled in and
    its {{env.NAME}} references kept."""
    params = {k: v for k, v in values.items() if not k.startswith(ENV_PREFIX)}
    out = {}
    for i, wire, f in credential_fields(spec):
        if isinstance(f.value, ast.Block):
            for e in f.value.entries:
                if isinstance(e.value, ast.Str):
                    out[("tools", i, *wire, e.key.value)] = substitute(e.value.value, params)
    return out
