"""The rules of a request's tools: tools[] (a known type, each item's fields
by the API table, one web_search and one file_search at most, unique labels
and function names) and the deprecated tool_resources."""

from __future__ import annotations

import json

from . import codes as C
from . import limits as L
from .diagnostics import Related
from .field_rules import BodyChecker, maybe


def an(word: str) -> str:
    # "an mcp tool", "an http tool": the article follows the sound of the letters.
    return ("an " if word[:1] in "aeiou" or word.startswith((L.MCP, L.HTTP)) else "a ") + word


def _label(item: dict, path: tuple[str, ...]):
    for key in path:
        item = item.get(key) if isinstance(item, dict) else None
    return item


def _owner_hint(kind: str):
    """For an unknown key in one tool type's item: the tool type it belongs to."""

    def hint(key: str) -> str | None:
        for other, t in L.TOOLS.items():
            if other != kind and any(p[-1] == key or p[0] == key for p, _ in t.leaves()):
                return f"'{key}' is a setting of the {other} tool"
        return None

    return hint


def check_tools(c: BodyChecker, value) -> set[str]:
    """Judge tools[]; the tool types it enables."""
    enabled: set[str] = set()
    if value is None:
        return enabled
    if not c.type_is(value, list, ("tools",), "tools"):
        return enabled
    first_of_type: dict[str, int] = {}
    first_label: dict[tuple[str, str], int] = {}
    for i, t in enumerate(value):
        path = ("tools", i)
        if not c.type_is(t, dict, path, "a tool"):
            continue
        kind = t.get("type")
        if "type" not in t:
            c.add(C.REQUIRED_MISSING, (*path, "type"), f"a tool needs a type: {', '.join(L.TOOL_TYPES)}")
            continue
        if not isinstance(kind, str) or kind not in L.TOOLS:
            if isinstance(kind, str):
                c.unknown_tool_types.add(kind)
            c.add(
                C.UNKNOWN_TOOL_TYPE,
                (*path, "type"),
                f"unknown tool type {kind!r}: the API offers {', '.join(L.TOOL_TYPES)}",
                maybe(kind, L.TOOL_TYPES),
            )
            continue
        spec = L.TOOLS[kind]
        c.fields(t, spec.fields, path, an(kind) + " tool", skip=("type",), elsewhere=_owner_hint(kind))
        if spec.max_count == 1 and kind in first_of_type:
            c.add(
                C.SEARCH_TOOL_TWICE,
                (*path, "type"),
                f"tool {kind} is listed twice: a run takes at most one {kind} tool",
                "declare it once, with all its settings",
                [Related("first listed here", path=("tools", first_of_type[kind]))],
            )
        first_of_type.setdefault(kind, i)
        if spec.label is not None:
            label = _label(t, spec.label)
            if isinstance(label, str) and label.strip():
                key = (kind, label)
                if key in first_label:
                    c.add(
                        C.DUPLICATE_TOOL_NAME,
                        (*path, *spec.label),
                        f"two {kind} tools are named {label!r}: {spec.label_doc} must be unique in a run",
                        "rename one of them",
                        [Related("first named here", path=("tools", first_label[key], *spec.label))],
                    )
                first_label.setdefault(key, i)
        enabled.add(kind)
    return enabled


def check_tool_resources(c: BodyChecker, value, enabled: set[str]) -> None:
    """Judge the deprecated tool_resources, against the tool types tools[] enables."""
    if value is None:
        return
    if not c.type_is(value, dict, ("tool_resources",), "tool_resources"):
        return
    for kind, settings in value.items():
        path = ("tool_resources", kind)
        if kind not in L.TOOL_RESOURCE_FIELDS:
            if kind in c.unknown_tool_types:
                continue
            known = tuple(L.TOOL_RESOURCE_FIELDS)
            c.add(C.UNKNOWN_TOOL_TYPE, path, f"unknown tool type {kind!r} in tool_resources: it took {' and '.join(known)}", maybe(kind, known))
            continue
        if kind not in enabled:
            c.add(
                C.RESOURCES_WITHOUT_TOOL,
                path,
                f"resources for {kind}, but {kind} is not among the tools: the API would ignore them",
                f'enable it: "tools": [{{"type": "{kind}"}}]',
            )
        if settings is None or not c.type_is(settings, dict, path, f"tool_resources.{kind}"):
            continue
        spec = L.TOOLS[kind]
        c.fields(settings, spec.fields, path, f"{kind} resources")
        if settings:
            moved = json.dumps({"type": kind, **settings}, ensure_ascii=False)
            c.add(
                C.TOOL_RESOURCES_DEPRECATED,
                path,
                f"tool_resources is deprecated (October 2025) and today's API most likely ignores it: "
                f"the {kind} settings {', '.join(settings)} would be dropped",
                f"move them into the {kind} item of tools: {moved if len(moved) <= 160 else moved[:157] + '...'}; "
                "maestro decompile writes the body in today's shape",
            )
