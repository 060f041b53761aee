"""What changed between two compiled requests: a short field-level "plan".

Watch mode shows it (wording.plan_lines) before it spends money on a run, so the author sees that
the save they just made changes what they meant, and nothing else:

    ~ budget: "low" -> "high"
    ~ requirements["length"].description: "Use at most 150 words." -> "Use at most 100 words."
    + include[data_sources]

Lists of objects that each carry a unique identity are matched by it, so
inserting a requirement reads as one addition, not as every later one
changing: a requirement by its `name`, an mcp tool by its `server_label`
(`tools["github"]`), an http tool by its `function.name`
(`tools["get_weather"]`), any other tool by its `type` (`tools["web_search"]`).
Other lists of objects (messages) are compared by position; lists of strings
(include, urls, models) as sets, and as "order changed" when only their order
differs.

Tool header values (credentials) never show: both requests are diffed in
their redacted form (compiler.credentials), where a value that differs from
every value of the previous request reads "<redacted: changed>", so a changed
token is a visible change without being visible itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..compiler.credentials import REDACTED, redact_request, secret_values

ADDED, REMOVED, CHANGED = "+", "-", "~"

# A shown value longer than this is cut; a changed string keeps this much
# context on each side of the part that changed.
VALUE_CHARS = 60
CONTEXT_CHARS = 16
MAX_PLAN_LINES = 12

_MISSING: Any = object()
CHANGED_SECRET = "<redacted: changed>"


@dataclass(frozen=True)
class Change:
    op: str  # ADDED, REMOVED or CHANGED
    path: str  # requirements["length"].description
    old: Any = _MISSING
    new: Any = _MISSING

    def render(self) -> str:
        if self.op == ADDED:
            return f"+ {self.path}" + ("" if self.new is _MISSING else f": {_show(self.new)}")
        if self.op == REMOVED:
            return f"- {self.path}" + ("" if self.old is _MISSING else f": {_show(self.old)}")
        if self.old is _MISSING or self.new is _MISSING:
            return f"~ {self.path}"
        if isinstance(self.old, str) and isinstance(self.new, str):
            old, new = _elide_common(self.old, self.new)
            return f"~ {self.path}: {old} -> {new}"
        return f"~ {self.path}: {_show(self.old)} -> {_show(self.new)}"


def diff_requests(old: dict | None, new: dict) -> list[Change]:
    """The changes that turn `old` into `new` (old None: everything is added),
    with every credential value redacted."""
    out: list[Change] = []
    known = set(secret_values(old or {}))
    _diff(redact_request(old or {}), _redacted_marking_changes(new, known), "", out)
    return out


def _redacted_marking_changes(request: dict, known: set[str]) -> Any:
    """redact_request(request), but a credential not among `known` (the previous
    request's) reads CHANGED_SECRET instead of REDACTED."""

    def walk(original: Any, redacted: Any) -> Any:
        if redacted == REDACTED and isinstance(original, str) and original != REDACTED:
            return REDACTED if original in known else CHANGED_SECRET
        if isinstance(original, dict) and isinstance(redacted, dict):
            return {k: walk(original[k], redacted[k]) for k in redacted}
        if isinstance(original, list) and isinstance(redacted, list):
            return [walk(o, r) for o, r in zip(original, redacted)]
        return redacted

    redacted = redact_request(request)
    return redacted if redacted is request else walk(request, redacted)


def render_plan(changes: list[Change], *, max_lines: int = MAX_PLAN_LINES) -> list[str]:
    lines = [c.render() for c in changes[:max_lines]]
    if len(changes) > max_lines:
        lines.append(f"... and {len(changes) - max_lines} more")
    return lines


def summarize(request: dict) -> str:
    """One line naming what a request holds, for the first run of a session."""
    parts = []
    for key, value in redact_request(request).items():
        if isinstance(value, list) and key != "input":
            parts.append(f"{len(value)} {key}" if key in ("requirements", "tools") else f"{key} {_show(value)}")
        elif key == "input":
            parts.append(f"{len(value)} messages" if isinstance(value, list) else f"input of {len(value)} chars")
        else:
            parts.append(f"{key} {_show(value)}")
    return ", ".join(parts)


# ------------------------------------------------------------------ diffing


def _diff(old: Any, new: Any, path: str, out: list[Change]) -> None:
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in new:
            sub = f"{path}.{key}" if path else key
            if key not in old:
                out.append(Change(ADDED, sub, new=new[key]))
            else:
                _diff(old[key], new[key], sub, out)
        for key in old:
            if key not in new:
                out.append(Change(REMOVED, f"{path}.{key}" if path else key, old=old[key]))
        return
    if isinstance(old, list) and isinstance(new, list):
        _diff_list(old, new, path, out)
        return
    out.append(Change(CHANGED, path, old, new))


# Where an object's identity is, in order of preference (see the docstring).
_IDENTITY_PATHS = (("name",), ("server_label",), ("function", "name"), ("type",))


def _key(item: Any) -> str | None:
    """What names this object among its siblings: a requirement's name, a tool's
    server_label, function name or type."""
    for path in _IDENTITY_PATHS:
        node = item
        for step in path:
            node = node.get(step) if isinstance(node, dict) else None
        if isinstance(node, str) and node:
            return node
    return None


def _all_keyed(items: list) -> bool:
    """Whether every object of the list has an identity, and no two the same."""
    keys = [_key(i) for i in items]
    return bool(keys) and None not in keys and len(set(keys)) == len(keys)


def _diff_list(old: list, new: list, path: str, out: list[Change]) -> None:
    if all(isinstance(v, (str, int, float, bool)) for v in old + new):
        if sorted(map(str, old)) == sorted(map(str, new)):
            out.append(Change(CHANGED, f"{path} order", old, new))
            return
        if len(old) <= 1 and len(new) <= 1:
            out.append(Change(CHANGED, path, old, new))
            return
        for v in new:
            if v not in old:
                out.append(Change(ADDED, f"{path}[{v}]"))
        for v in old:
            if v not in new:
                out.append(Change(REMOVED, f"{path}[{v}]"))
        return
    keyed = _all_keyed(new) if not old else _all_keyed(old) if not new else _all_keyed(old) and _all_keyed(new)
    if not keyed:
        for i in range(max(len(old), len(new))):
            sub = f"{path}[{i}]"
            if i >= len(old):
                out.append(Change(ADDED, sub, new=new[i]))
            elif i >= len(new):
                out.append(Change(REMOVED, sub, old=old[i]))
            else:
                _diff(old[i], new[i], sub, out)
        return
    before = {_key(i): i for i in old}
    after = {_key(i): i for i in new}
    for key, item in after.items():
        sub = f"{path}[{json.dumps(key, ensure_ascii=False)}]"
        if key not in before:
            out.append(Change(ADDED, sub, new=_without(item, key)))
        else:
            _diff(before[key], item, sub, out)
    for key, item in before.items():
        if key not in after:
            out.append(Change(REMOVED, f"{path}[{json.dumps(key, ensure_ascii=False)}]"))
    common_old = [k for k in before if k in after]
    common_new = [k for k in after if k in before]
    if common_old != common_new:
        out.append(Change(CHANGED, f"{path} order", common_old, common_new))


def _without(item: dict, key: str) -> Any:
    """The item less the top-level field whose value its path already shows."""
    shown = next((path[0] for path in _IDENTITY_PATHS if len(path) == 1 and item.get(path[0]) == key), None)
    rest = {k: v for k, v in item.items() if k != shown}
    return rest if rest else _MISSING


# ------------------------------------------------------------------ showing values


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    if len(text) > VALUE_CHARS:
        text = text[: VALUE_CHARS - 1] + "…"
    return text


def _elide_common(old: str, new: str) -> tuple[str, str]:
    """Both strings cut down to the part that differs, with a little context."""
    # A JSON string is at least its length plus quotes: long ones skip the dumps.
    short = len(old) + len(new) <= 2 * VALUE_CHARS
    if short and len(json.dumps(old, ensure_ascii=False)) + len(json.dumps(new, ensure_ascii=False)) <= 2 * VALUE_CHARS:
        return _show(old), _show(new)
    limit = min(len(old), len(new))
    start = _common_prefix(old, new, limit)
    end = _common_suffix(old, new, limit - start)
    return _window(old, start, end), _window(new, start, end)


# The common ends are found a chunk at a time (one C compare each), then a
# character at a time within the first chunk that differs: a change at the
# end of a 1 MB input costs about a millisecond, not the half second of a
# character-by-character loop.
_CHUNK = 4096


def _common_prefix(a: str, b: str, limit: int) -> int:
    """How many leading characters a and b share, at most `limit`."""
    at = 0
    while at + _CHUNK <= limit and a[at : at + _CHUNK] == b[at : at + _CHUNK]:
        at += _CHUNK
    while at < limit and a[at] == b[at]:
        at += 1
    return at


def _common_suffix(a: str, b: str, limit: int) -> int:
    """How many trailing characters a and b share, at most `limit`."""
    at = 0
    while at + _CHUNK <= limit and a[len(a) - at - _CHUNK : len(a) - at] == b[len(b) - at - _CHUNK : len(b) - at]:
        at += _CHUNK
    while at < limit and a[-1 - at] == b[-1 - at]:
        at += 1
    return at


def _window(text: str, start: int, end: int) -> str:
    # Show a short remainder whole rather than cut it off a few chars early.
    lo = max(0, start - CONTEXT_CHARS)
    lo = 0 if lo < CONTEXT_CHARS // 2 else lo
    hi = min(len(text), len(text) - end + CONTEXT_CHARS)
    hi = len(text) if len(text) - hi < CONTEXT_CHARS // 2 else hi
    middle = json.dumps(text[lo:hi], ensure_ascii=False)[1:-1]
    if len(middle) > VALUE_CHARS:
        middle = middle[: VALUE_CHARS - 1] + "…"
    return '"' + ("…" if lo > 0 else "") + middle + ("…" if hi < len(text) else "") + '"'
