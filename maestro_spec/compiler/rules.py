"""The Maestro API's rules, applied to a request body (a plain dict).

This is the single judge of a request: `maestro check body.json`, the spec
compiler (on the body it emits) and the local server all call `check_request`.
Findings carry a JSON path; callers map paths to source spans.
"""

from __future__ import annotations

import json

from . import limits as L
from .diagnostics import Diagnostic, JsonPath, Related
from .suggest import closest


def _kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _maybe(word: str, choices) -> str | None:
    match = closest(word, choices) if isinstance(word, str) else None
    return f"did you mean '{match}'?" if match else None


class _Checker:
    def __init__(self) -> None:
        self.found: list[Diagnostic] = []
        # Unknown tool types already reported under tools, so tool_resources
        # does not report the same mistake twice (a spec's `tool x {...}`
        # produces both).
        self.unknown_tool_types: set[str] = set()

    def add(self, code: str, path: JsonPath, message: str, hint: str | None = None, related=()) -> None:
        self.found.append(Diagnostic(code, message, None, hint, tuple(path), tuple(related)))

    def type_is(self, value, expected: type, path: JsonPath, what: str, hint: str | None = None) -> bool:
        ok = isinstance(value, expected) and not (expected is not bool and isinstance(value, bool))
        if not ok:
            self.add("E203", path, f"{what} must be {_kind(expected())}, found {_kind(value)}", hint)
        return ok

    def unknown_keys(self, obj: dict, allowed, path: JsonPath, where: str, hint: str | None = None) -> None:
        for key in obj:
            if key not in allowed:
                self.add(
                    "E206",
                    (*path, key),
                    f"unknown field '{key}' in {where}; allowed: {', '.join(allowed)}",
                    _maybe(key, allowed) or hint,
                )

    def str_list(self, value, path: JsonPath, what: str) -> list[str]:
        hint = f"write a list: {what} [{json.dumps(value)}]" if isinstance(value, str) else None
        if not self.type_is(value, list, path, what, hint):
            return []
        good = []
        for i, item in enumerate(value):
            if self.type_is(item, str, (*path, i), f"each of {what}"):
                good.append(item)
        return good


def check_request(body) -> list[Diagnostic]:
    c = _Checker()
    if not isinstance(body, dict):
        c.add("E200", (), f"a request body must be a JSON object, found {_kind(body)}")
        return c.found
    c.unknown_keys(body, L.REQUEST_FIELDS, (), "the request")
    _input(c, body)
    has_requirements = _requirements(c, body.get("requirements"))
    enabled = _tools(c, body.get("tools"))
    _tool_resources(c, body.get("tool_resources"), enabled)
    if has_requirements and enabled:
        c.add(
            "E214",
            ("requirements",),
            "requirements are ignored when tools are enabled: the API only applies requirements to runs without tools",
            "drop the tools, or move the requirements into the input's instructions",
            [Related("tools are enabled here", path=("tools",))],
        )
    _models(c, body.get("models"))
    _enum(c, body, "budget", L.BUDGETS, "E240", "budget")
    _include(c, body.get("include"), bool(enabled), has_requirements)
    if body.get("response_language") is not None:
        _enum(c, body, "response_language", L.LANGUAGES, "E242", "response language")
    return c.found


def _input(c: _Checker, body: dict) -> None:
    if "input" not in body:
        c.add("E201", (), "the request has no input: give an instruction string or a list of messages")
        return
    value = body["input"]
    if isinstance(value, str):
        if not value.strip():
            c.add("E202", ("input",), "the input is empty: the API needs an instruction")
        return
    if not isinstance(value, list):
        c.add("E203", ("input",), f"input must be a string or a list of messages, found {_kind(value)}")
        return
    if not value:
        c.add("E202", ("input",), "the input has no messages: give at least one user message")
        return
    previous = None
    for i, m in enumerate(value):
        path = ("input", i)
        if not c.type_is(m, dict, path, "a message"):
            previous = None
            continue
        c.unknown_keys(m, ("role", "content"), path, "a message")
        role = m.get("role")
        if "role" not in m:
            c.add("E203", path, "a message needs a role: user or assistant")
        elif role not in L.ROLES:
            c.add("E204", (*path, "role"), f"unknown role {role!r}: a message's role is user or assistant", _maybe(role, L.ROLES))
            role = None
        if "content" not in m:
            c.add("E203", path, "a message needs content")
        elif c.type_is(m["content"], str, (*path, "content"), "a message's content") and not m["content"].strip():
            c.add("E202", (*path, "content"), "this message is empty")
        if role is not None and role == previous:
            c.add(
                "E205",
                (*path, "role"),
                f"two {role} messages in a row: turns must alternate user/assistant",
                "merge the two messages, or put the other side's turn between them",
            )
        previous = role


def _requirements(c: _Checker, value) -> bool:
    if value is None:
        return False
    if not c.type_is(value, list, ("requirements",), "requirements"):
        return False
    if len(value) > L.MAX_REQUIREMENTS:
        c.add(
            "E210",
            ("requirements", L.MAX_REQUIREMENTS),
            f"{len(value)} requirements: the API takes at most {L.MAX_REQUIREMENTS}",
            "merge related requirements or drop the least important ones",
        )
    first_by_name: dict[str, int] = {}
    for i, r in enumerate(value):
        path = ("requirements", i)
        if not c.type_is(r, dict, path, "a requirement"):
            continue
        c.unknown_keys(r, L.REQUIREMENT_FIELDS, path, "a requirement")
        for key in ("name", "description"):
            if key not in r:
                c.add("E213", path, f"a requirement has no {key}")
            elif c.type_is(r[key], str, (*path, key), f"a requirement's {key}") and not r[key].strip():
                c.add("E213", (*path, key), f"this requirement's {key} is empty")
        description = r.get("description")
        if isinstance(description, str):
            words = len(description.split())
            if words > L.MAX_DESCRIPTION_WORDS:
                c.add(
                    "E211",
                    (*path, "description"),
                    f"this description has {words} words: the API allows at most {L.MAX_DESCRIPTION_WORDS}",
                    "split it into two requirements, or say it more briefly",
                )
        if "is_mandatory" in r:
            c.type_is(r["is_mandatory"], bool, (*path, "is_mandatory"), "is_mandatory")
        name = r.get("name")
        if isinstance(name, str) and name.strip():
            if name in first_by_name:
                first = first_by_name[name]
                c.add(
                    "E212",
                    (*path, "name"),
                    f"requirement name {name!r} is used twice: names identify requirements in the result",
                    "give each requirement its own name",
                    [Related("first used here", path=("requirements", first, "name"))],
                )
            else:
                first_by_name[name] = i
    return bool(value)


def _tools(c: _Checker, value) -> set[str]:
    enabled: set[str] = set()
    if value is None:
        return enabled
    if not c.type_is(value, list, ("tools",), "tools"):
        return enabled
    first_at: dict[str, int] = {}
    for i, t in enumerate(value):
        path = ("tools", i)
        if not c.type_is(t, dict, path, "a tool"):
            continue
        c.unknown_keys(t, ("type",), path, "a tool", "a tool's settings go in tool_resources")
        kind = t.get("type")
        if "type" not in t:
            c.add("E203", path, "a tool needs a type: file_search or web_search")
            continue
        if kind not in L.TOOL_TYPES:
            if isinstance(kind, str):
                c.unknown_tool_types.add(kind)
            c.add(
                "E220",
                (*path, "type"),
                f"unknown tool type {kind!r}: the API offers {' and '.join(L.TOOL_TYPES)}",
                _maybe(kind, L.TOOL_TYPES),
            )
            continue
        if kind in first_at:
            c.add(
                "E223",
                (*path, "type"),
                f"tool {kind} is listed twice",
                "declare each tool once, with all its resources",
                [Related("first listed here", path=("tools", first_at[kind]))],
            )
        first_at.setdefault(kind, i)
        enabled.add(kind)
    return enabled


def _tool_resources(c: _Checker, value, enabled: set[str]) -> None:
    if value is None:
        return
    if not c.type_is(value, dict, ("tool_resources",), "tool_resources"):
        return
    for kind, fields in value.items():
        path = ("tool_resources", kind)
        if kind not in L.TOOL_TYPES:
            if kind in c.unknown_tool_types:
                continue
            c.add("E220", path, f"unknown tool type {kind!r} in tool_resources: the API offers {' and '.join(L.TOOL_TYPES)}", _maybe(kind, L.TOOL_TYPES))
            continue
        if kind not in enabled:
            c.add(
                "E221",
                path,
                f"resources for {kind}, but {kind} is not among the tools: the API would ignore them",
                f'enable it: "tools": [{{"type": "{kind}"}}]',
            )
        if fields is None or not c.type_is(fields, dict, path, f"tool_resources.{kind}"):
            continue
        allowed = L.TOOL_RESOURCE_FIELDS[kind]
        c.unknown_keys(fields, allowed, path, f"{kind} resources")
        for key in allowed:
            if key in fields and fields[key] is not None:
                c.str_list(fields[key], (*path, key), key)
                if key == "urls" and isinstance(fields[key], list):
                    for j, url in enumerate(fields[key]):
                        if isinstance(url, str) and not L.URL_PREFIX_RE.match(url):
                            c.add(
                                "E222",
                                (*path, key, j),
                                f"{url!r} is not a URL prefix the API accepts",
                                "use one of the forms " + ", ".join(L.URL_PREFIX_FORMS),
                            )


def _models(c: _Checker, value) -> None:
    if value is None:
        return
    if not c.type_is(value, list, ("models",), "models"):
        return
    if not value:
        c.add("E203", ("models",), "models is an empty list: name one model, or leave models out")
    if len(value) > L.MAX_MODELS:
        c.add(
            "E230",
            ("models", L.MAX_MODELS),
            f"{len(value)} models: the API takes a single model",
            "keep one model",
        )
    for i, model in enumerate(value):
        if c.type_is(model, str, ("models", i), "a model") and model not in L.KNOWN_MODELS:
            suggestion = _maybe(model, L.KNOWN_MODELS)
            c.add(
                "W231",
                ("models", i),
                f"{model!r} is not one of AI21's models ({', '.join(L.KNOWN_MODELS)}); "
                "that is fine only for a bring-your-own-key model ID configured in your account",
                suggestion,
            )


def _enum(c: _Checker, body: dict, key: str, allowed, code: str, what: str) -> None:
    if key not in body:
        return
    value = body[key]
    if not isinstance(value, str):
        c.add("E203", (key,), f"{what} must be a string, found {_kind(value)}")
    elif value not in allowed:
        c.add(code, (key,), f"unknown {what} {value!r}: allowed are {', '.join(allowed)}", _maybe(value, allowed))


def _include(c: _Checker, value, has_tools: bool, has_requirements: bool) -> None:
    if value is None:
        return
    seen: set[str] = set()
    for i, item in enumerate(c.str_list(value, ("include",), "include")):
        path = ("include", i)
        if item not in L.INCLUDE_FIELDS:
            c.add("E241", path, f"unknown include value {item!r}: allowed are {', '.join(L.INCLUDE_FIELDS)}", _maybe(item, L.INCLUDE_FIELDS))
            continue
        if item in seen:
            c.add("W243", path, f"{item} is included twice")
        seen.add(item)
        if item == L.INCLUDE_DATA_SOURCES and not has_tools:
            c.add("W244", path, "data_sources lists what tools found, but no tool is enabled: it will be empty", "add a tool, or drop data_sources")
        if item == L.INCLUDE_REQUIREMENTS_RESULT and not has_requirements:
            c.add("W245", path, "requirements_result scores requirements, but there are none", "add a requirement, or drop requirements_result")
