"""The Maestro API's rules, applied to a request body (a plain dict).

This is the single judge of a request: `maestro check body.json`, the spec
compiler (on the body it emits) and the local server all call `check_request`.
Fields are judged by the kinds limits.py gives them; the rules that span
fields (turns alternate, one web_search, unique labels...) are written here.
Findings carry a JSON path that names the field itself, as pydantic and
FastAPI do (`tools[0].server_url`); callers map paths to source spans.
"""

from __future__ import annotations

import json
import math
from urllib.parse import urlsplit

from . import codes as C
from . import limits as L
from .diagnostics import Diagnostic, JsonPath, Related
from ..transport import is_loopback
from .suggest import closest

# Codes for an enum outside its list, where the field has one of its own.
_ENUM_CODES = {("budget",): C.BAD_BUDGET, ("response_language",): C.BAD_LANGUAGE}
_ROLE_CHOICE = " or ".join(L.ROLES)  # "user or assistant"
_SDK_SPELLING = {"additional_properties": "additionalProperties"}


def _kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _maybe(word, choices) -> str | None:
    match = closest(word, choices) if isinstance(word, str) else None
    return f"did you mean '{match}'?" if match else None


def an(word: str) -> str:
    # "an mcp tool", "an http tool": the article follows the sound of the letters.
    return ("an " if word[:1] in "aeiou" or word.startswith((L.MCP, L.HTTP)) else "a ") + word


class _Checker:
    def __init__(self) -> None:
        self.found: list[Diagnostic] = []
        # Unknown tool types already reported under tools, so tool_resources
        # does not report the same mistake twice.
        self.unknown_tool_types: set[str] = set()

    def add(self, code: str, path: JsonPath, message: str, hint: str | None = None, related=()) -> None:
        self.found.append(Diagnostic(code, message, None, hint, tuple(path), tuple(related)))

    def type_is(self, value, expected: type, path: JsonPath, what: str, hint: str | None = None) -> bool:
        ok = isinstance(value, expected) and not (expected is not bool and isinstance(value, bool))
        if not ok:
            self.add(C.WRONG_TYPE, path, f"{what} must be {_kind(expected())}, found {_kind(value)}", hint)
        return ok

    def str_list(self, value, path: JsonPath, what: str) -> list[str]:
        hint = f"write a list: {what} [{json.dumps(value)}]" if isinstance(value, str) else None
        if not self.type_is(value, list, path, what, hint):
            return []
        good = []
        for i, item in enumerate(value):
            if self.type_is(item, str, (*path, i), f"each of {what}"):
                good.append(item)
        return good

    # -- fields judged by the table

    def fields(self, obj: dict, fields, path: JsonPath, where: str, *, skip=(), elsewhere=None) -> None:
        """Unknown keys, missing required fields, and each value by its kind."""
        by_name = {f.name: f for f in fields}
        for key in obj:
            if key in skip:
                continue
            f = by_name.get(key)
            if f is None:
                known = [f.name for f in fields if f.documented]
                hint = _maybe(key, known) or (elsewhere(key) if elsewhere else None)
                self.add(C.UNKNOWN_FIELD, (*path, key), f"unknown field '{key}' in {where}; allowed: {', '.join([*skip, *known])}", hint)
            elif not f.documented:
                self.add(
                    C.OAS_ONLY_FIELD,
                    (*path, key),
                    f"'{key}' is in AI21's OpenAPI document but not in its documentation: it may change or be ignored",
                )
        for f in fields:
            value = obj.get(f.name)
            if value is None:
                if f.required:
                    self.add(C.REQUIRED_MISSING, (*path, f.name), f"{where} needs '{f.name}'" + (f": {f.doc[0].lower()}{f.doc[1:].rstrip('.')}" if f.doc else ""))
                elif f.name in obj and not f.nullable:
                    self.add(C.WRONG_TYPE, (*path, f.name), f"{f.name} must not be null; leave it out for the default")
                continue
            self.value(value, f, (*path, f.name))

    def value(self, value, f: L.Field, path: JsonPath) -> None:
        kind, what = f.kind, f.name
        if isinstance(kind, L.Str):
            if self.type_is(value, str, path, what):
                if kind.nonblank and not value.strip():
                    self.add(C.REQUIRED_MISSING, path, f"{what} is empty")
                elif kind.form == "absolute_url":
                    self.url(value, path, what)
        elif isinstance(kind, L.Bool):
            self.type_is(value, bool, path, what)
        elif isinstance(kind, (L.Int, L.Num)):
            self.number(value, kind, path, what)
        elif isinstance(kind, L.Enum):
            if self.type_is(value, str, path, what) and value not in kind.choices:
                code = _ENUM_CODES.get(tuple(path), C.OUT_OF_RANGE)
                label = "response language" if code == C.BAD_LANGUAGE else what
                self.add(code, path, f"unknown {label} {value!r}: allowed are {', '.join(kind.choices)}", _maybe(value, kind.choices))
        elif isinstance(kind, L.StrList):
            for i, item in enumerate(self.str_list(value, path, what)):
                if kind.form == "url_prefix" and not L.URL_PREFIX_RE.match(item):
                    self.add(
                        C.BAD_URL_PREFIX,
                        (*path, i),
                        f"{item!r} is not a URL prefix the API accepts",
                        "use one of the forms " + ", ".join(L.URL_PREFIX_FORMS),
                    )
        elif isinstance(kind, L.StrMap):
            if self.type_is(value, dict, path, what):
                for key, item in value.items():
                    self.type_is(item, str, (*path, key), f"each value of {what}")
        elif isinstance(kind, L.Obj):
            self.type_is(value, dict, path, what)
        elif isinstance(kind, L.Schema):
            self.schema(value, path)
        elif isinstance(kind, L.Params):
            self.params(value, path)
        elif isinstance(kind, L.Block):
            if self.type_is(value, dict, path, what):
                self.fields(value, kind.fields, path, f"{what}")

    def number(self, value, kind, path: JsonPath, what: str) -> None:
        want = int if isinstance(kind, L.Int) else (int, float)
        if isinstance(value, bool) or not isinstance(value, want) or (isinstance(value, float) and not math.isfinite(value)):
            self.add(C.WRONG_TYPE, path, f"{what} must be {'an integer' if want is int else 'a number'}, found {_kind(value)}")
            return
        low, high = kind.min, kind.max
        if (low is not None and value < low) or (high is not None and value > high):
            span = f"from {low} to {high}" if low is not None and high is not None else (f"at least {low}" if low is not None else f"at most {high}")
            self.add(C.OUT_OF_RANGE, path, f"{what} is {value}: it must be {span}")

    def url(self, value: str, path: JsonPath, what: str) -> None:
        try:
            parts = urlsplit(value.strip())
            host = parts.hostname
        except ValueError:
            parts, host = None, None
        if parts is None or parts.scheme not in ("https", "http") or not host:
            self.add(C.NOT_ABSOLUTE_URL, path, f"{what} {value!r} is not an absolute URL", "write it in full, like https://tools.example.com/mcp")
            return
        if is_loopback(host) or _is_private(host):
            self.add(
                C.UNREACHABLE_TOOL_URL,
                path,
                f"{what} points at {host}, which AI21's cloud cannot reach: the run calls it from AI21's machines, not yours",
                "use a public https URL; a loopback URL works only with the local server (maestro serve --call-tools)",
            )
        elif parts.scheme == "http":
            self.add(
                C.UNREACHABLE_TOOL_URL,
                path,
                f"{what} is plain http: the call and its headers would cross the network unencrypted",
                "use https://",
            )

    def schema(self, value, path: JsonPath) -> None:
        if not isinstance(value, dict):
            self.add(C.BAD_OUTPUT_TYPE, path, f"output_type must be a JSON Schema object, found {_kind(value)}", 'for example {"type": "object", "properties": {...}}')
            return
        kind = value.get("type")
        kinds = kind if isinstance(kind, list) else [kind]
        for k in kinds:
            if kind is not None and k not in L.JSON_SCHEMA_TYPES:
                self.add(C.BAD_OUTPUT_TYPE, (*path, "type"), f"{k!r} is not a JSON Schema type: allowed are {', '.join(L.JSON_SCHEMA_TYPES)}", _maybe(k, L.JSON_SCHEMA_TYPES))
        if "properties" in value and not isinstance(value["properties"], dict):
            self.add(C.BAD_OUTPUT_TYPE, (*path, "properties"), f"properties must be an object of property schemas, found {_kind(value['properties'])}")
        if "required" in value:
            self.str_list(value["required"], (*path, "required"), "required")

    def params(self, value, path: JsonPath) -> None:
        if not self.type_is(value, dict, path, "parameters"):
            return
        allowed = ("type", "properties", "required", "additionalProperties")
        for key in value:
            if key in _SDK_SPELLING:
                self.add(
                    C.SDK_SPELLING,
                    (*path, key),
                    f"'{key}' is the SDK's type-hint spelling; the API's field is '{_SDK_SPELLING[key]}'",
                    f"write \"{_SDK_SPELLING[key]}\"",
                )
            elif key not in allowed:
                self.add(C.UNKNOWN_FIELD, (*path, key), f"unknown field '{key}' in parameters; allowed: {', '.join(allowed)}", _maybe(key, allowed))
        if "type" in value and value["type"] != "object":
            self.add(C.MALFORMED_PARAMETER, (*path, "type"), f"parameters must be of type \"object\", found {value['type']!r}")
        props = value.get("properties", {})
        if not self.type_is(props, dict, (*path, "properties"), "properties"):
            props = {}
        for name, prop in props.items():
            at = (*path, "properties", name)
            if not self.type_is(prop, dict, at, f"parameter {name!r}"):
                continue
            for key in ("type", "description"):
                if key not in prop:
                    self.add(C.MALFORMED_PARAMETER, (*at, key), f"parameter {name!r} has no {key}: each parameter needs a type and a description")
            if "type" in prop and self.type_is(prop["type"], str, (*at, "type"), "a parameter's type") and prop["type"] not in L.PARAMETER_TYPES:
                self.add(C.OUT_OF_RANGE, (*at, "type"), f"unknown parameter type {prop['type']!r}: allowed are {', '.join(L.PARAMETER_TYPES)}", _maybe(prop["type"], L.PARAMETER_TYPES))
            if "description" in prop:
                self.type_is(prop["description"], str, (*at, "description"), "a parameter's description")
            for key in prop:
                if key not in ("type", "description"):
                    self.add(C.UNDOCUMENTED_PARAMETER_KEY, (*at, key), f"only type and description are documented for a parameter: AI21 may ignore '{key}'")
        if "required" in value:
            for i, name in enumerate(self.str_list(value["required"], (*path, "required"), "required")):
                if name not in props:
                    self.add(C.UNDECLARED_REQUIRED, (*path, "required", i), f"required names {name!r}, which is not a declared parameter", _maybe(name, props) or f"declare it under properties, or drop it from required")
        if "additionalProperties" in value:
            self.type_is(value["additionalProperties"], bool, (*path, "additionalProperties"), "additionalProperties")


def _is_private(host: str) -> bool:
    import ipaddress

    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host.lower().endswith((".local", ".internal", ".localhost"))
    return address.is_private or address.is_link_local or address.is_unspecified


def check_request(body) -> list[Diagnostic]:
    c = _Checker()
    if not isinstance(body, dict):
        c.add(C.BODY_NOT_OBJECT, (), f"a request body must be a JSON object, found {_kind(body)}")
        return c.found
    special = ("input", "models", "tools", "tool_resources", "requirements", "include")
    simple = [f for f in L.REQUEST_FIELDS if f.name not in special]
    for key in body:
        if key not in L.REQUEST_FIELD:
            known = [f.name for f in L.REQUEST_FIELDS if f.documented]
            c.add(C.UNKNOWN_FIELD, (key,), f"unknown field '{key}' in the request; allowed: {', '.join(known)}", _maybe(key, known))
    c.fields({k: v for k, v in body.items() if k not in special and k in L.REQUEST_FIELD}, simple, (), "the request")
    _input(c, body)
    has_requirements = _requirements(c, body.get("requirements"))
    enabled = _tools(c, body.get("tools"))
    _tool_resources(c, body.get("tool_resources"), enabled)
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


def _input(c: _Checker, body: dict) -> None:
    if "input" not in body:
        c.add(C.INPUT_MISSING, ("input",), "the request has no input: give an instruction string or a list of messages")
        return
    value = body["input"]
    if isinstance(value, str):
        if not value.strip():
            c.add(C.INPUT_EMPTY, ("input",), "the input is empty: the API needs an instruction")
        return
    if not isinstance(value, list):
        c.add(C.WRONG_TYPE, ("input",), f"input must be a string or a list of messages, found {_kind(value)}")
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
                c.add(C.UNKNOWN_FIELD, (*path, key), f"unknown field '{key}' in a message; allowed: role, content", _maybe(key, ("role", "content")))
        role = m.get("role")
        if "role" not in m:
            c.add(C.WRONG_TYPE, (*path, "role"), f"a message needs a role: {_ROLE_CHOICE}")
        elif role not in L.ROLES:
            c.add(C.UNKNOWN_ROLE, (*path, "role"), f"unknown role {role!r}: a message's role is {_ROLE_CHOICE}", _maybe(role, L.ROLES))
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


def _requirements(c: _Checker, value) -> bool:
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
                c.add(C.UNKNOWN_FIELD, (*path, key), f"unknown field '{key}' in a requirement; allowed: {', '.join(L.REQUIREMENT_FIELDS)}", _maybe(key, L.REQUIREMENT_FIELDS))
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


def _tools(c: _Checker, value) -> set[str]:
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
                _maybe(kind, L.TOOL_TYPES),
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


def _tool_resources(c: _Checker, value, enabled: set[str]) -> None:
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
            c.add(C.UNKNOWN_TOOL_TYPE, path, f"unknown tool type {kind!r} in tool_resources: it took {' and '.join(known)}", _maybe(kind, known))
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


def _models(c: _Checker, value) -> None:
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
                _maybe(model, L.KNOWN_MODELS) or "choose one of today's models",
            )
            continue
        c.add(
            C.UNLISTED_MODEL,
            ("models", i),
            f"{model!r} is not one of AI21's models ({', '.join(L.KNOWN_MODELS)}); "
            "that is fine only for a bring-your-own-key model ID configured in your account",
            _maybe(model, L.KNOWN_MODELS),
        )


def _include(c: _Checker, value, has_tools: bool, has_requirements: bool) -> None:
    if value is None:
        return
    seen: set[str] = set()
    for i, item in enumerate(c.str_list(value, ("include",), "include")):
        path = ("include", i)
        if item not in L.INCLUDE_FIELDS:
            c.add(C.BAD_INCLUDE, path, f"unknown include value {item!r}: allowed are {', '.join(L.INCLUDE_FIELDS)}", _maybe(item, L.INCLUDE_FIELDS))
            continue
        if item in seen:
            c.add(C.INCLUDE_REPEATED, path, f"{item} is included twice")
        seen.add(item)
        if item == L.INCLUDE_DATA_SOURCES and not has_tools:
            c.add(C.DATA_SOURCES_WITHOUT_TOOLS, path, "data_sources lists what tools found, but no tool is enabled: it will be empty", "add a tool, or drop data_sources")
        if item == L.INCLUDE_REQUIREMENTS_RESULT and not has_requirements:
            c.add(C.REQUIREMENTS_RESULT_WITHOUT_REQUIREMENTS, path, "requirements_result scores requirements, but there are none", "add a requirement, or drop requirements_result")

