"""A request body (from another client, a log, the API docs) -> an idiomatic spec.

Give it a body without errors (the command checks it first, exactly as
`maestro check body.json` does). The spec is built in the language's usual
order, laid out by fmt, and compiled again before it is returned: it must
give back the same body, in the canonical form where nulls and defaults are
left out (see `canonical`).
"""

from __future__ import annotations

import json
import re

from ..sanitize import depth
from . import limits as L
from .emit import ordered, params_path
from .fmt import WIDTH, format_text
from .parse import MAX_NESTING, STATEMENT_KEYWORDS
from .strings import PLACEHOLDER_RE, dedent_long, unescape

_SHORT_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f"}
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")
_PAD = " " * 4


class DecompileError(RuntimeError):
    """The spec would not compile back to the body: a bug, never the user's."""


class NoSpecForm(ValueError):
    """The body holds fields the language has no keyword for (the fields only
    in AI21's OpenAPI document, W207): it is valid, but cannot be a spec."""


def canonical(body: dict) -> dict:
    """The body as a spec says it, with the same meaning, in today's shape:
    legacy tool_resources moved into their tools[] items; nulls, empty lists
    and objects of optional fields, and is_mandatory false (the API's
    default) left out; an http tool's parameters with type "object" and
    without an empty required list or additionalProperties false (their defaults)."""
    out: dict = {}
    resources = body.get("tool_resources") or {}
    for key in L.REQUEST_ORDER:
        value = body.get(key)
        if key == "requirements" and value:
            value = [_requirement(r) for r in value]
        elif key == "tools" and value:
            value = [_tool_item(t, resources.get(t.get("type")) or {}) for t in value]
        elif key == "tool_resources":
            continue
        if value is None or value == [] or value == {}:
            continue
        out[key] = value
    return out


def _requirement(r: dict) -> dict:
    item = {"name": r["name"], "description": r["description"]}
    if r.get("is_mandatory"):
        item["is_mandatory"] = True
    return item


def _tool_item(item: dict, legacy: dict) -> dict:
    kind = item["type"]
    tool = L.TOOLS[kind]
    merged = {**{k: v for k, v in legacy.items() if v is not None}, **item}
    out = _pruned(merged)
    if L.HTTP == kind:
        params = out.setdefault("function", {}).get("parameters") or {}
        if params.get("additionalProperties") or params.get("additional_properties"):
            raise NoSpecForm("additionalProperties true: a spec's parameters are always the declared ones")
        params = {k: v for k, v in params.items() if k not in ("additionalProperties", "additional_properties") or v}
        params = {"type": "object", "properties": params.get("properties", {}), **{k: v for k, v in params.items() if k not in ("type", "properties")}}
        if not params.get("required"):
            params.pop("required", None)
        out["function"]["parameters"] = params
    return {"type": kind, **ordered({k: v for k, v in out.items() if k != "type"}, tool.fields)}


def _pruned(obj: dict) -> dict:
    """A tool item without nulls and empty optional lists or objects, at every level."""
    out = {}
    for k, v in obj.items():
        if isinstance(v, dict) and k not in ("parameters", "labels_filter", "properties"):
            v = _pruned(v)
        if v is None or v == [] or (v == {} and k not in ("properties",)):
            continue
        out[k] = v
    return out


def decompile(body: dict) -> str:
    """A request body with no errors -> spec text, formatted by fmt."""
    from .pipeline import compile_text

    # The body itself is level 1, so a spec's values sit one level deeper in it.
    if depth(body, MAX_NESTING + 1) > MAX_NESTING + 1:
        raise NoSpecForm(f"values nested more than {MAX_NESTING} deep: a spec nests at most that far (keep this body as JSON)")
    body = canonical(body)
    paragraphs: list[list[str]] = []
    if "system_prompt" in body:
        paragraphs.append(["system_prompt " + _string(body["system_prompt"], len("system_prompt "))])
    paragraphs.append(_input(body["input"]))
    requirements = [_requirement_stmt(r) for r in body.get("requirements", ())]
    if any("\n" in r for r in requirements):
        paragraphs += [[r] for r in requirements]  # long ones read better apart
    elif requirements:
        paragraphs.append(requirements)
    paragraphs += [[_tool_stmt(t)] for t in body.get("tools", ())]
    settings = []
    if "models" in body:
        settings.append("model " + ", ".join(m if m in L.KNOWN_MODELS + L.LEGACY_MODELS and _NAME_RE.match(m) else _string(m, 6) for m in body["models"]))
    if "budget" in body:
        settings.append(f"budget {body['budget']}")
    if "include" in body:
        settings.append("include " + ", ".join(body["include"]))
    if "response_language" in body:
        settings.append(f"language {body['response_language']}")
    if settings:
        paragraphs.append(settings)
    if "output_type" in body:
        paragraphs.append(["output_type " + _value(body["output_type"])])
    unsaid = [k for k in body if k not in _SAID]
    if unsaid:
        raise NoSpecForm(
            f"{', '.join(unsaid)}: only in AI21's OpenAPI document, and the language has no keyword for "
            + ("it" if len(unsaid) == 1 else "them")
        )
    text = "\n\n".join("\n".join(p) for p in paragraphs if p) + "\n"
    formatted = format_text(text).text
    back = compile_text(formatted or "", env={})
    if formatted is None or back.request != body:
        raise DecompileError("the decompiled spec does not compile back to the same body")
    return formatted


_SAID = ("input", "system_prompt", "requirements", "tools", "models", "budget", "include", "response_language", "output_type")


def _input(value) -> list[str]:
    if isinstance(value, str):
        return ["input " + _string(value, len("input "))]
    width = max(len(m["role"]) for m in value)
    rows = [f"{_PAD}{m['role'].ljust(width)} {_string(m['content'], 4 + width + 1, indent=8)}" for m in value]
    return ["input {", *rows, "}"]


def _requirement_stmt(r: dict) -> str:
    head = "requirement " + _string(r["name"], len("requirement "))
    if r.get("is_mandatory"):
        head += " mandatory"
    # On one line if it fits, else the description on the next line, else
    # (several lines, or too long even there) triple-quoted after the name.
    description = _string(r["description"], len(head) + 1)
    if description.startswith('"""'):
        description = _string(r["description"], len(_PAD))
        if not description.startswith('"""'):
            return f"{head}\n{_PAD}{description}"
    return f"{head} {description}"


def _tool_stmt(item: dict) -> str:
    kind = item["type"]
    tool = L.TOOLS[kind]
    head = f"tool {kind}"
    if tool.label:
        head += " " + _word(_at(item, tool.label), label=True)
    rows = []
    for path, f in tool.leaves():
        value = _at(item, path)
        if value is None or not f.spec_keyword:
            continue
        rows.append(f"{_PAD}{f.spec_keyword} " + (value if isinstance(f.kind, L.Enum) and _NAME_RE.match(value) and not _keyword(value) else _value(value, 4)))
    params = params_path(kind)
    if params:
        spec = _at(item, params) or {}
        required = set(spec.get("required", ()))
        for name, prop in spec.get("properties", {}).items():
            row = f"{_PAD}parameter {_word(name, label=True)} {_word(prop['type'], label=True)} {_string(prop['description'], 0, short=True)}"
            row += " required" if name in required else ""
            extra = {k: v for k, v in prop.items() if k not in ("type", "description")}
            rows.append(row + (" " + _value(extra, 4) if extra else ""))
    if not rows:
        return head
    return "\n".join([head + " {", *rows, "}"])


def _at(obj, path):
    for key in path:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


def _keyword(word: str) -> bool:
    return word in ("true", "false", "null", "required", "parameter", "mandatory")


def _word(text: str, *, label: bool = False) -> str:
    """A block key, or a tool's label: bare when it is a name (a label that
    is not a statement keyword, which would start a new statement), quoted otherwise."""
    bare = _NAME_RE.match(text) and not (label and (text in STATEMENT_KEYWORDS or _keyword(text)))
    return text if bare else _string(text, 0, short=True)


def _value(value, indent: int = 0) -> str:
    """A JSON value in the spec's value syntax (fmt lays it out afterwards)."""
    if isinstance(value, str):
        return _string(value, 0, short=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v, indent + 4) for v in value) + "]"
    if not value:
        return "{}"
    pad = " " * (indent + 4)
    return "{\n" + "".join(f"{pad}{_word(k)} {_value(v, indent + 4)}\n" for k, v in value.items()) + " " * indent + "}"


# ----------------------------------------------------------------- strings


def _string(value: str, column: int, *, indent: int = 4, short: bool = False) -> str:
    """A string literal for value: triple-quoted when the text has several
    lines or would run past the line width, quoted on one line otherwise
    (and whenever triple quotes could not say it exactly)."""
    def quoted() -> str:
        return '"' + _hide_placeholders(_escape(value, triple=False)) + '"'

    # Escapes only lengthen a string: text too long as it is needs no quoted form to say so.
    one_line = None if short or "\n" in value or column + len(value) + 2 > WIDTH else quoted()
    if not short and (one_line is None or column + len(one_line) > WIDTH):
        triple = _triple(value, indent)
        if triple is not None:
            return triple
    return one_line or quoted()


def _triple(value: str, indent: int) -> str | None:
    text = _hide_placeholders(_escape(value, triple=True))
    # Three quotes in a row would end the string: escape every quote of such a run.
    text = re.sub(r'"{3,}', lambda m: '\\"' * len(m.group(0)), text)
    lines = text.split("\n")
    if any(line != line.rstrip() for line in lines):
        return None  # trailing spaces are the first thing an editor strips
    pad = " " * indent
    body = "\n" + "\n".join(pad + line if line else "" for line in lines) + "\n" + pad
    if unescape(dedent_long(body)) != value:
        return None  # e.g. text whose every line starts with spaces: dedent would eat them
    return '"""' + body + '"""'


# What a string literal cannot hold as itself: backslashes, control
# characters (Unicode category Cc) and line and paragraph separators (Zl,
# Zp); and, on one line, quotes and line breaks. One regex finds them, so
# the text between them is copied at C speed (1 MB: ~5 ms, not ~650 ms a
# character at a time).
_TO_ESCAPE = {
    False: re.compile(r'["\\\x00-\x1f\x7f-\x9f\u2028\u2029]'),
    True: re.compile(r"[\\\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]"),  # a line break stays one
}


def _escaped(m: re.Match) -> str:
    ch = m.group(0)
    if ch == '"':
        return '\\"'
    return _SHORT_ESCAPES.get(ch) or f"\\u{ord(ch):04x}"


def _escape(value: str, *, triple: bool) -> str:
    return _TO_ESCAPE[triple].sub(_escaped, value)


def _hide_placeholders(raw: str) -> str:
    """A body has no params: text that reads as {{name}} is written
    {\\u007bname}}, which the compiler keeps as the literal text {{name}}."""
    # One pass: the escape leaves no "{{" behind for a match to start at.
    return PLACEHOLDER_RE.sub(lambda m: "{\\u007b" + m.group(0)[2:], raw)
