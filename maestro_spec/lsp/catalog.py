"""The language's vocabulary as the language server sees it: every keyword,
enum, tool field, limit and their docs, read from the compiler in ONE place.

Everything here is derived from the API table in `compiler.limits` (request
fields, tool types and their fields, enums, limits, docs) and from
`compiler.parse.STATEMENT_KEYWORDS`; no enum value is spelled here. The only
prose written here is for what the API table does not describe (a param,
`mandatory`, a message role).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..compiler import limits as L
from ..compiler.parse import STATEMENT_KEYWORDS

KEYWORDS: tuple[str, ...] = STATEMENT_KEYWORDS
MANDATORY = "mandatory"  # the grammar's MANDATORY terminal
PARAMETER = "parameter"  # an http tool's parameter row (the grammar's)
REQUIRED = "required"  # ... and its REQUIRED terminal
ROLES: tuple[str, ...] = L.ROLES
PARAMETER_TYPES: tuple[str, ...] = L.PARAMETER_TYPES

# The statement whose value is one of a fixed list, and that list.
VALUES: dict[str, tuple[str, ...]] = {
    "budget": L.BUDGETS,
    "language": L.LANGUAGES,
    "include": L.INCLUDE_FIELDS,
    "tool": L.TOOL_TYPES,
    "model": L.KNOWN_MODELS,
}
# Statements whose value list is comma-separated (another value after ',').
LISTS = frozenset({"include", "model"})

MAX_REQUIREMENTS = L.MAX_REQUIREMENTS
MAX_DESCRIPTION_WORDS = L.MAX_DESCRIPTION_WORDS


# tool type -> the keywords its block takes (and `parameter` rows where it has them).
TOOL_FIELDS: dict[str, tuple[str, ...]] = {
    name: tuple(t.by_keyword()) + ((PARAMETER,) if t.params_path else ()) for name, t in L.TOOLS.items()
}


def tool_field(tool: str | None, keyword: str) -> L.Field | None:
    t = L.TOOLS.get(tool or "")
    found = t.by_keyword().get(keyword) if t else None
    return found[1] if found else None


def field_values(tool: str | None, keyword: str) -> tuple[str, ...]:
    """The values a tool field may take, where they are a fixed list."""
    f = tool_field(tool, keyword)
    if f is None:
        return ()
    if isinstance(f.kind, L.Enum):
        return tuple(f.kind.choices)
    if isinstance(f.kind, L.Bool):
        return ("true", "false")
    return ()


def words(text: str) -> int:
    """A description's word count as the API's rule counts it (rules.py, E211)."""
    return len(text.split())


@dataclass(frozen=True)
class Doc:
    summary: str  # what it does, one or two sentences
    json: str  # the JSON it produces
    limit: str | None = None  # the API's limit, when there is one


# A statement keyword -> its request field (only `tool` is not the field's spec keyword).
_REQUEST_BY_KEYWORD = {f.spec_keyword: f for f in L.REQUEST_FIELDS if f.spec_keyword} | {"tool": L.REQUEST_FIELD["tools"]}


def _kind_text(kind) -> str | None:
    if isinstance(kind, L.Enum):
        return "one of " + " | ".join(kind.choices)
    if isinstance(kind, (L.Int, L.Num)):
        what = "an integer" if isinstance(kind, L.Int) else "a number"
        if kind.min is not None and kind.max is not None:
            return f"{what} from {kind.min} to {kind.max}"
        return f"{what} ≥ {kind.min}" if kind.min is not None else what
    if isinstance(kind, L.StrList) and kind.form == "url_prefix":
        return "URL prefixes, each in one of the forms " + ", ".join(L.URL_PREFIX_FORMS)
    if isinstance(kind, L.Str) and kind.form == "absolute_url":
        return "an absolute http(s) URL"
    return None


def _limit(f: L.Field, extra: str | None = None) -> str | None:
    parts = [p for p in (extra, _kind_text(f.kind)) if p]
    if f.required:
        parts.append("required")
    if f.default is not None:
        parts.append(f"the API's default: {json.dumps(f.default)}")
    if f.secret:
        parts.append("a credential: write it as {{env.NAME}}; never recorded or printed")
    return "; ".join(parts) or None


_KEYWORD_LIMITS = {
    "requirement": f"at most {MAX_REQUIREMENTS} requirements; each description at most {MAX_DESCRIPTION_WORDS} words",
    "model": f"at most {L.MAX_MODELS} model",
}
# The shape of a field's JSON, where it is not a single value.
_KEYWORD_JSON = {
    "input": f'"input": "..."  or  [{{"role": "{ROLES[0]}", "content": "..."}}, ...]',
    "requirement": '"requirements": [{' + ", ".join(f'"{k}": ...' for k in L.REQUIREMENT_FIELDS) + "}]",
    "tool": '"tools": [{"type": "...", ...}]',
    "model": '"models": ["..."]',
    "include": '"include": ["..."]',
}


def _keyword_doc(keyword: str) -> Doc:
    f = _REQUEST_BY_KEYWORD[keyword]
    summary = f.doc
    if keyword == "tool":
        summary += " Types: " + ", ".join(L.TOOL_TYPES) + "."
    return Doc(summary, _KEYWORD_JSON.get(keyword, f'"{f.name}": ...'), _limit(f, _KEYWORD_LIMITS.get(keyword)))


KEYWORD_DOCS: dict[str, Doc] = {kw: _keyword_doc(kw) for kw in KEYWORDS if kw in _REQUEST_BY_KEYWORD}
KEYWORD_DOCS["param"] = Doc(
    "Declares a parameter, filled into {{NAME}} placeholders from --var/--var-file or its default.",
    "(none: its value replaces {{NAME}} in strings)",
)
KEYWORD_DOCS[MANDATORY] = Doc(
    "Marks a requirement as mandatory: when it is not fully met, the run's overall score is 0.",
    '"is_mandatory": true',
)

_VALUE_SUMMARY = {
    "budget": "a budget",
    "language": "a response language",
    "include": "an extra part of the Run",
    "tool": "a tool type",
    "model": "one of AI21's models",
}


def value_doc(keyword: str, value: str) -> Doc | None:
    """The doc of one enum value after its keyword (budget high, tool web_search)."""
    if value not in VALUES.get(keyword, ()):
        return None
    field = _REQUEST_BY_KEYWORD[keyword].name
    if keyword == "tool":
        t = L.TOOLS[value]
        fields = ", ".join(TOOL_FIELDS[value]) or "none"
        label = f" Written `tool {value} LABEL`: {t.label_doc}." if t.label else ""
        return Doc(f"`{value}`: {t.doc}{label} Its block takes: {fields}.", json.dumps({field: [{"type": value}]}))
    shown = [value] if keyword in LISTS else value
    return Doc(f"`{value}`: {_VALUE_SUMMARY[keyword]}.", json.dumps({field: shown}), "one of " + " | ".join(VALUES[keyword]))


def field_doc(tool: str | None, keyword: str) -> Doc | None:
    if tool in L.TOOLS and keyword == PARAMETER and PARAMETER in TOOL_FIELDS[tool]:
        return Doc(
            f'`parameter NAME TYPE "description" [required]`: one of the function\'s parameters; TYPE is one of {" | ".join(PARAMETER_TYPES)}.',
            '"parameters": {"type": "object", "properties": {"NAME": {"type": "TYPE", "description": "..."}}, "required": ["NAME"]}',
        )
    t = L.TOOLS.get(tool or "")
    found = t.by_keyword().get(keyword) if t else None
    if found is None:
        return None
    path, f = found
    item: object = "..."
    for part in reversed(path):
        item = {part: item}
    return Doc(f"`{keyword}`: {f.doc}", json.dumps({"tools": [{"type": tool, **item}]}), _limit(f))


def field_value_doc(tool: str | None, keyword: str, value: str) -> Doc | None:
    if value not in field_values(tool, keyword):
        return None
    return Doc(f"`{value}` for `{keyword}`.", json.dumps({keyword: json.loads(value) if value in ("true", "false") else value}), _limit(tool_field(tool, keyword)))


def role_doc(role: str) -> Doc | None:
    if role not in ROLES:
        return None
    return Doc(f"`{role}`: a turn of the conversation; turns alternate {' and '.join(ROLES)}.", json.dumps({"role": role, "content": "..."}))


def snippets() -> list[tuple[str, str, str]]:
    """(label, snippet body, detail): a requirement, and one per tool type
    with its required fields (a search tool: its first field)."""
    out = [("requirement", 'requirement "${1:name}" ${2:mandatory }"${3:description}"', "a requirement (name, description)")]
    for name, t in L.TOOLS.items():
        n = 1
        head = f"tool {name}"
        if t.label:
            head += f" ${{{n}:{t.label[-1]}}}"
            n += 1
        rows = []
        keywords = [kw for kw, (_, f) in t.by_keyword().items() if f.required] or list(t.by_keyword())[:1]
        for kw in keywords:
            f = tool_field(name, kw)
            value = f'["${{{n}}}"]' if isinstance(f.kind, L.StrList) else (f'{{ ${{{n}}} }}' if isinstance(f.kind, L.StrMap) else f'"${{{n}}}"')
            rows.append(f"\t{kw} {value}")
            n += 1
        if t.params_path:
            rows.append(f'\t{PARAMETER} ${{{n}:name}} ${{{n + 1}:string}} "${{{n + 2}:description}}" {REQUIRED}')
        out.append((head.split(" $")[0], head + " {\n" + "\n".join(rows) + "\n}", f"{name}: {t.doc}"))
    return out
