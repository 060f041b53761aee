"""The Maestro API's rules, applied to a request body (a plain dict).

This is the single judge of a request: `maestro check body.json`, the spec
compiler (on the body it emits) and the local server all call `check_request`.
Each value is judged by the kind limits.py gives it (field_rules.py); the
rules that span fields are written here (turns alternate, requirement names
are unique, one model, include values) and in tool_rules.py (one web_search,
unique labels, tool_resources). Findings carry a JSON path that names the
field itself, as pydantic and FastAPI do (`tools[0].server_url`); callers map
paths to source spans.
"""

from __future__ import annotations

from . import codes as C
from . import limits as L
from .diagnostics import Diagnostic, Related
from .field_rules import BodyChecker, kind_of, maybe
from .tool_rules import check_tool_resources, check_tools

_ROLE_CHOICE = " or ".join(L.ROLES)  # "user or assistant"


def check_request(body) -> list[Diagnostic]:
    c = BodyChecker()
    if not isinstance(body, dict):
        c.add(C.BODY_NOT_OBJECT, (), f"a request body must be a JSON object, found {kind_of(body)}")
        return c.found
    special = ("input", "models", "tools", "tool_resources", "requirements", "include")
    simple = [f for f in L.REQUEST_FIELDS if f.name not in special]
    for key in body:
        if key not in L.REQUEST_FIELD:
            known = [f.name for f in L.REQUEST_FIELDS if f.documented]
            c.add(C.UNKNOWN_FIELD, (key,), f"unknown field '{key}' in the request; allowed: {', '.join(known)}", maybe(key, known))
    c.fields({k: v for k, v in body.items() if k not in special and k in L.REQUEST_FIELD}, simple, (), "the request")
    _input(c, body)
    has_requirements = _requirements(c, body.get("requirements"))
    enabled = check_tools(c, body.get("tools"))
    check_tool_resources(c, body.get("tool_resources"), enabled)
    if has_requirements and enabled:
        c.add(
            C.REQUIREMENTS_WITH_TOOLS,
            ("requirements",),
            "requirements together with tools: the old API ignored requirements when tools were on; "
            "today's documentation no longer says so, so check that they are scored",
            "drop the tools, or read requirements_result to see the scores",
            [Related("tools are enabled here", path=("tools",))],
        )
    _models(c, body.get("models"))
    _include(c, body.get("include"), bool(enabled), has_requirements)
    return c.found


def _input(c: BodyChecker, body: dict) -> None:
    if "input" not in body:
        c.add(C.INPUT_MISSING, ("input",), "the request has no input: give an instruction string or a list of messages")
        return
    value = body["input"]
    if isinstance(value, str):
        if not value.strip():
            c.add(C.INPUT_EMPTY, ("input",), "the input is empty: the API needs an instruction")
        return
    if not isinstance(value, list):
        c.add(C.WRONG_TYPE, ("input",), f"input must be a string or a list of messages, found {kind_of(value)}")
        return
    if not value:
        c.add(C.INPUT_EMPTY, ("input",), "the input has no messages: give at least one user message")
        return
    previous = None
    for i, m in enumerate(value):
        path = ("input", i)
        if not c.type_is(m, dict, path, "a message"):
            previous = None
            continue
        for key in m:
            if key not in ("role", "content"):
                c.add(C.UNKNOWN_FIELD, (*path, key), f"unknown field '{key}' in a message; allowed: role, content", maybe(key, ("role", "content")))
        role = m.get("role")
        if "role" not in m:
            c.add(C.WRONG_TYPE, (*path, "role"), f"a message needs a role: {_ROLE_CHOICE}")
        elif role not in L.ROLES:
            c.add(C.UNKNOWN_ROLE, (*path, "role"), f"unknown role {role!r}: a message's role is {_ROLE_CHOICE}", maybe(role, L.ROLES))
            role = None
        if "content" not in m:
            c.add(C.WRONG_TYPE, (*path, "content"), "a message needs content")
        elif c.type_is(m["content"], str, (*path, "content"), "a message's content") and not m["content"].strip():
            c.add(C.INPUT_EMPTY, (*path, "content"), "this message is empty")
        if role is not None and role == previous:
            c.add(
                C.ROLES_DO_NOT_ALTERNATE,
                (*path, "role"),
                f"two {role} messages in a row: turns must alternate {'/'.join(L.ROLES)}",
                "merge the two messages, or put the other side's turn between them",
            )
        previous = role


def _requirements(c: BodyChecker, value) -> bool:
    if value is None:
        return False
    if not c.type_is(value, list, ("requirements",), "requirements"):
        return False
    if len(value) > L.MAX_REQUIREMENTS:
        c.add(
            C.TOO_MANY_REQUIREMENTS,
            ("requirements", L.MAX_REQUIREMENTS),
            f"{len(value)} requirements: the API takes at most {L.MAX_REQUIREMENTS}",
            "merge related requirements or drop the least important ones",
        )
    first_by_name: dict[str, int] = {}
    for i, r in enumerate(value):
        path = ("requirements", i)
        if not c.type_is(r, dict, path, "a requirement"):
            continue
        for key in r:
            if key not in L.REQUIREMENT_FIELDS:
                c.add(C.UNKNOWN_FIELD, (*path, key), f"unknown field '{key}' in a requirement; allowed: {', '.join(L.REQUIREMENT_FIELDS)}", maybe(key, L.REQUIREMENT_FIELDS))
        for key in ("name", "description"):
            if key not in r:
                c.add(C.EMPTY_REQUIREMENT, (*path, key), f"a requirement has no {key}")
            elif c.type_is(r[key], str, (*path, key), f"a requirement's {key}") and not r[key].strip():
                c.add(C.EMPTY_REQUIREMENT, (*path, key), f"this requirement's {key} is empty")
        description = r.get("description")
        if isinstance(description, str):
            words = len(description.split())
            if words > L.MAX_DESCRIPTION_WORDS:
                c.add(
                    C.DESCRIPTION_TOO_LONG,
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
                    C.DUPLICATE_REQUIREMENT,
                    (*path, "name"),
                    f"requirement name {name!r} is used twice: names identify requirements in the result",
                    "give each requirement its own name",
                    [Related("first used here", path=("requirements", first, "name"))],
                )
            else:
                first_by_name[name] = i
    return bool(value)


def _models(c: BodyChecker, value) -> None:
    if value is None:
        return
    if not c.type_is(value, list, ("models",), "models"):
        return
    if not value:
        c.add(C.WRONG_TYPE, ("models",), "models is an empty list: name one model, or leave models out")
    if len(value) > L.MAX_MODELS:
        c.add(
            C.MORE_THAN_ONE_MODEL,
            ("models", L.MAX_MODELS),
            f"{len(value)} models: the API takes a single model",
            "keep one model",
        )
    for i, model in enumerate(value):
        if not c.type_is(model, str, ("models", i), "a model") or model in L.KNOWN_MODELS:
            continue
        if model in L.LEGACY_MODELS:
            c.add(
                C.RETIRED_MODEL,
                ("models", i),
                f"{model!r} is no longer in AI21's list of models ({', '.join(L.KNOWN_MODELS)})",
                maybe(model, L.KNOWN_MODELS) or "choose one of today's models",
            )
            continue
        c.add(
            C.UNLISTED_MODEL,
            ("models", i),
            f"{model!r} is not one of AI21's models ({', '.join(L.KNOWN_MODELS)}); "
            "that is fine only for a bring-your-own-key model ID configured in your account",
            maybe(model, L.KNOWN_MODELS),
        )


def _include(c: BodyChecker, value, has_tools: bool, has_requirements: bool) -> None:
    if value is None:
        return
    seen: set[str] = set()
    for i, item in enumerate(c.str_list(value, ("include",), "include")):
        path = ("include", i)
        if item not in L.INCLUDE_FIELDS:
            c.add(C.BAD_INCLUDE, path, f"unknown include value {item!r}: allowed are {', '.join(L.INCLUDE_FIELDS)}", maybe(item, L.INCLUDE_FIELDS))
            continue
        if item in seen:
            c.add(C.INCLUDE_REPEATED, path, f"{item} is included twice")
        seen.add(item)
        if item == L.INCLUDE_DATA_SOURCES and not has_tools:
            c.add(C.DATA_SOURCES_WITHOUT_TOOLS, path, "data_sources lists what tools found, but no tool is enabled: it will be empty", "add a tool, or drop data_sources")
        if item == L.INCLUDE_REQUIREMENTS_RESULT and not has_requirements:
            c.add(C.REQUIREMENTS_RESULT_WITHOUT_REQUIREMENTS, path, "requirements_result scores requirements, but there are none", "add a requirement, or drop requirements_result")

