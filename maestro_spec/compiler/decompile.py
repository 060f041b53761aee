"""A request body (from another client, a log, the API docs) -> an idiomatic spec.

Give it a body without errors (the command checks it first, exactly as
`maestro check body.json` does). The spec is built in the language's usual
order, laid out by fmt, and compiled again before it is returned: it must
give back the same body, in the canonical form where nulls and defaults are
left out (see `canonical`).
"""

from __future__ import annotations

import re
import unicodedata

from . import limits as L
from .fmt import WIDTH, format_text
from .strings import PLACEHOLDER_RE, dedent_long, unescape

_SHORT_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f"}
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")
_PAD = " " * 4


class DecompileError(RuntimeError):
    """The spec would not compile back to the body: a bug, never the user's."""


def canonical(body: dict) -> dict:
    """The body as a spec can say it, with the same meaning: nulls, empty
    lists and objects of optional fields, and is_mandatory false (the API's
    default) are left out."""
    out: dict = {}
    for key in L.REQUEST_FIELDS:
        value = body.get(key)
        if key == "requirements" and value:
            value = [_requirement(r) for r in value]
        elif key == "tool_resources" and value:
            value = {kind: {k: v for k, v in fields.items() if v is not None} for kind, fields in value.items() if fields}
            value = {kind: fields for kind, fields in value.items() if fields}
        if value is None or value == [] or value == {}:
            continue
        out[key] = value
    return out


def _requirement(r: dict) -> dict:
    item = {"name": r["name"], "description": r["description"]}
    if r.get("is_mandatory"):
        item["is_mandatory"] = True
    return item


def decompile(body: dict) -> str:
    """A request body with no errors -> spec text, formatted by fmt."""
    from .check import compile_text

    body = canonical(body)
    paragraphs: list[list[str]] = [_input(body["input"])]
    requirements = [_requirement_stmt(r) for r in body.get("requirements", ())]
    if any("\n" in r for r in requirements):
        paragraphs += [[r] for r in requirements]  # long ones read better apart
    elif requirements:
        paragraphs.append(requirements)
    resources = body.get("tool_resources", {})
    paragraphs += [[_tool_stmt(t["type"], resources.get(t["type"], {}))] for t in body.get("tools", ())]
    settings = []
    if "models" in body:
        settings.append("model " + ", ".join(m if m in L.KNOWN_MODELS and _NAME_RE.match(m) else _string(m, 6) for m in body["models"]))
    if "budget" in body:
        settings.append(f"budget {body['budget']}")
    if "include" in body:
        settings.append("include " + ", ".join(body["include"]))
    if "response_language" in body:
        settings.append(f"language {body['response_language']}")
    if settings:
        paragraphs.append(settings)
    text = "\n\n".join("\n".join(p) for p in paragraphs if p) + "\n"
    formatted = format_text(text).text
    back = compile_text(formatted or "")
    if formatted is None or back.request != body:
        raise DecompileError("the decompiled spec does not compile back to the same body")
    return formatted


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


def _tool_stmt(kind: str, fields: dict) -> str:
    if not fields:
        return f"tool {kind}"
    keys = [k for k in L.TOOL_RESOURCE_FIELDS.get(kind, ()) if k in fields] + [k for k in fields if k not in L.TOOL_RESOURCE_FIELDS.get(kind, ())]
    width = max(len(k) for k in keys)
    rows = [f"{_PAD}{k.ljust(width)} [" + ", ".join(_string(s, 0, indent=12, short=True) for s in fields[k]) + "]" for k in keys]
    return "\n".join([f"tool {kind} {{", *rows, "}"])


# ----------------------------------------------------------------- strings


def _string(value: str, column: int, *, indent: int = 4, short: bool = False) -> str:
    """A string literal for value: triple-quoted when the text has several
    lines or would run past the line width, quoted on one line otherwise
    (and whenever triple quotes could not say it exactly)."""
    quoted = '"' + _hide_placeholders(_escape(value, triple=False)) + '"'
    if not short and ("\n" in value or column + len(quoted) > WIDTH):
        triple = _triple(value, indent)
        if triple is not None:
            return triple
    return quoted


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


def _escape(value: str, *, triple: bool) -> str:
    out = []
    for ch in value:
        if ch == "\n" and triple:
            out.append(ch)
        elif ch == '"' and not triple:
            out.append('\\"')
        elif ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def _hide_placeholders(raw: str) -> str:
    """A body has no params: text that reads as {{name}} is written
    {\\u007bname}}, which the compiler keeps as the literal text {{name}}."""
    while True:
        match = PLACEHOLDER_RE.search(raw)
        if match is None:
            return raw
        raw = raw[: match.start()] + "{\\u007b" + raw[match.start() + 2 :]
