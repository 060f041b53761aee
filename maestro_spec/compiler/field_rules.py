"""A request's values judged by the kinds limits.py gives them.

BodyChecker collects the findings of one request body: a value's JSON type,
an enum outside its choices, a number out of range, a URL prefix, an absolute
tool URL (and one AI21's cloud cannot reach), a JSON Schema, an http tool's
parameters. Each finding carries the JSON path of the field itself; the
rules across fields are rules.py's and tool_rules.py's.
"""

from __future__ import annotations

import json
import math
from urllib.parse import urlsplit

from . import codes as C
from . import limits as L
from ..transport import is_loopback
from .diagnostics import Diagnostic, JsonPath
from .suggest import did_you_mean

# Codes for an enum outside its list, where the field has one of its own.
_ENUM_CODES = {("budget",): C.BAD_BUDGET, ("response_language",): C.BAD_LANGUAGE}
_SDK_SPELLING = {"additional_properties": "additionalProperties"}


def kind_of(value) -> str:
    """A JSON value's type as a message names it: "an integer", "a list"."""
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


def maybe(word, choices) -> str | None:
    """'did you mean', for a value that may not be a string at all."""
    return did_you_mean(word, choices) if isinstance(word, str) else None


class BodyChecker:
    """The findings of one request body, and the judging of each value by its kind."""

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
            self.add(C.WRONG_TYPE, path, f"{what} must be {kind_of(expected())}, found {kind_of(value)}", hint)
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
                hint = maybe(key, known) or (elsewhere(key) if elsewhere else None)
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
                self.add(code, path, f"unknown {label} {value!r}: allowed are {', '.join(kind.choices)}", maybe(value, kind.choices))
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
            self.add(C.WRONG_TYPE, path, f"{what} must be {'an integer' if want is int else 'a number'}, found {kind_of(value)}")
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
            self.add(C.BAD_OUTPUT_TYPE, path, f"output_type must be a JSON Schema object, found {kind_of(value)}", 'for example {"type": "object", "properties": {...}}')
            return
        kind = value.get("type")
        kinds = kind if isinstance(kind, list) else [kind]
        for k in kinds:
            if kind is not None and k not in L.JSON_SCHEMA_TYPES:
                self.add(C.BAD_OUTPUT_TYPE, (*path, "type"), f"{k!r} is not a JSON Schema type: allowed are {', '.join(L.JSON_SCHEMA_TYPES)}", maybe(k, L.JSON_SCHEMA_TYPES))
        if "properties" in value and not isinstance(value["properties"], dict):
            self.add(C.BAD_OUTPUT_TYPE, (*path, "properties"), f"properties must be an object of property schemas, found {kind_of(value['properties'])}")
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
                self.add(C.UNKNOWN_FIELD, (*path, key), f"unknown field '{key}' in parameters; allowed: {', '.join(allowed)}", maybe(key, allowed))
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
                self.add(C.OUT_OF_RANGE, (*at, "type"), f"unknown parameter type {prop['type']!r}: allowed are {', '.join(L.PARAMETER_TYPES)}", maybe(prop["type"], L.PARAMETER_TYPES))
            if "description" in prop:
                self.type_is(prop["description"], str, (*at, "description"), "a parameter's description")
            for key in prop:
                if key not in ("type", "description"):
                    self.add(C.UNDOCUMENTED_PARAMETER_KEY, (*at, key), f"only type and description are documented for a parameter: AI21 may ignore '{key}'")
        if "required" in value:
            for i, name in enumerate(self.str_list(value["required"], (*path, "required"), "required")):
                if name not in props:
                    self.add(C.UNDECLARED_REQUIRED, (*path, "required", i), f"required names {name!r}, which is not a declared parameter", maybe(name, props) or "declare it under properties, or drop it from required")
        if "additionalProperties" in value:
            self.type_is(value["additionalProperties"], bool, (*path, "additionalProperties"), "additionalProperties")


def _is_private(host: str) -> bool:
    import ipaddress

    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host.lower().endswith((".local", ".internal", ".localhost"))
    return address.is_private or address.is_link_local or address.is_unspecified
