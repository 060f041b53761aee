"""The language's vocabulary as the language server sees it: every keyword,
enum, tool field, limit and their docs, read from the compiler in ONE place.

Everything here is derived from `compiler.limits` (the API's enums and limits)
and `compiler.parse.STATEMENT_KEYWORDS`; no enum value is spelled here. The
prose (what a keyword does) is the only thing written in this module. When the
API description changes, this module is the one the server needs repointed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..compiler import limits as L
from ..compiler.parse import STATEMENT_KEYWORDS

KEYWORDS: tuple[str, ...] = STATEMENT_KEYWORDS
MANDATORY = "mandatory"  # the grammar's MANDATORY terminal
ROLES: tuple[str, ...] = L.ROLES

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

# tool type -> the fields its block takes (tool_resources.<type>.<field>).
TOOL_FIELDS: dict[str, tuple[str, ...]] = dict(L.TOOL_RESOURCE_FIELDS)

MAX_REQUIREMENTS = L.MAX_REQUIREMENTS
MAX_DESCRIPTION_WORDS = L.MAX_DESCRIPTION_WORDS


def words(text: str) -> int:
    """A description's word count as the API's rule counts it (rules.py, E211)."""
    return len(text.split())


@dataclass(frozen=True)
class Doc:
    summary: str  # what it does, one or two sentences
    json: str  # the JSON it produces
    limit: str | None = None  # the API's limit, when there is one


def _field(keyword: str) -> str:
    field = _JSON_FIELD[keyword]
    assert field is None or field in L.REQUEST_FIELDS, field
    return field


_JSON_FIELD = {
    "input": "input",
    "requirement": "requirements",
    "tool": "tools",
    "model": "models",
    "budget": "budget",
    "include": "include",
    "language": "response_language",
    "param": None,
}

_or = " | ".join

KEYWORD_DOCS: dict[str, Doc] = {
    "input": Doc(
        "The instruction for the run: one string, or a conversation block of alternating "
        f"{' and '.join(ROLES)} turns. Required.",
        f'"{_field("input")}": "..."  or  [{{"role": "{ROLES[0]}", "content": "..."}}, ...]',
    ),
    "requirement": Doc(
        "A requirement the answer must satisfy: `requirement \"NAME\" [mandatory] \"DESCRIPTION\"`. "
        "A mandatory one not fully met scores the run 0. Not applied when tools are enabled.",
        f'"{_field("requirement")}": [{{"name": "...", "description": "...", "is_mandatory": true}}]',
        f"at most {MAX_REQUIREMENTS} requirements; each description at most {MAX_DESCRIPTION_WORDS} words",
    ),
    "tool": Doc(
        f"Enables a tool ({_or(L.TOOL_TYPES)}); fields in its block restrict its resources.",
        f'"{_field("tool")}": [{{"type": "..."}}], "tool_resources": {{"<type>": {{...}}}}',
        "each tool once",
    ),
    "model": Doc(
        "The model to run on: one of AI21's (unquoted) or a bring-your-own-key model ID (quoted).",
        f'"{_field("model")}": ["..."]',
        f"at most {L.MAX_MODELS} model",
    ),
    "budget": Doc(
        f"How much effort the run may spend: {_or(L.BUDGETS)}. The API's default is {L.DEFAULT_BUDGET}.",
        f'"{_field("budget")}": "..."',
    ),
    "include": Doc(
        f"Extra parts of the result to return: {', '.join(L.INCLUDE_FIELDS)}.",
        f'"{_field("include")}": ["..."]',
    ),
    "language": Doc(
        f"The language of the answer. The API's default is {L.DEFAULT_LANGUAGE}.",
        f'"{_field("language")}": "..."',
    ),
    "param": Doc(
        "Declares a parameter, filled into {{NAME}} placeholders from --var/--var-file or its default.",
        "(none: its value replaces {{NAME}} in strings)",
    ),
    MANDATORY: Doc(
        "Marks a requirement as mandatory: when it is not fully met, the run's overall score is 0.",
        '"is_mandatory": true',
    ),
}

_VALUE_SUMMARY = {
    "budget": "a budget",
    "language": "a response language",
    "include": "an extra part of the result",
    "tool": "a tool type",
    "model": "one of AI21's models",
}


def value_doc(keyword: str, value: str) -> Doc | None:
    """The doc of one enum value after its keyword (budget high, tool web_search)."""
    if value not in VALUES.get(keyword, ()):
        return None
    field = _field(keyword)
    if keyword == "tool":
        fields = ", ".join(TOOL_FIELDS.get(value, ())) or "none"
        return Doc(
            f"`{value}`: {_VALUE_SUMMARY[keyword]}. Its block takes: {fields}.",
            json.dumps({field: [{"type": value}]}),
        )
    shown = [value] if keyword in LISTS else value
    limit = f"one of {_or(VALUES[keyword])}"
    return Doc(f"`{value}`: {_VALUE_SUMMARY[keyword]}.", json.dumps({field: shown}), limit)


def field_doc(tool: str, field: str) -> Doc | None:
    if field not in TOOL_FIELDS.get(tool, ()):
        return None
    limit = None
    if field in L.TOOL_RESOURCE_FIELDS.get(L.WEB_SEARCH, ()):  # URL prefixes
        limit = "each URL prefix in one of the forms " + ", ".join(L.URL_PREFIX_FORMS)
    return Doc(
        f"`{field}`: a list of strings restricting `{tool}`.",
        json.dumps({"tool_resources": {tool: {field: ["..."]}}}),
        limit,
    )


def role_doc(role: str) -> Doc | None:
    if role not in ROLES:
        return None
    return Doc(f"`{role}`: a turn of the conversation; turns alternate {' and '.join(ROLES)}.", json.dumps({"role": role, "content": "..."}))


def snippets() -> list[tuple[str, str, str]]:
    """(label, snippet body, detail): a requirement and one per tool type."""
    out = [
        ("requirement", 'requirement "${1:name}" ${2:mandatory }"${3:description}"', "a requirement (name, description)"),
    ]
    for tool in L.TOOL_TYPES:
        fields = TOOL_FIELDS.get(tool, ())
        if not fields:
            out.append((f"tool {tool}", f"tool {tool}", f"enable {tool}"))
            continue
        body = "\n".join(f'\t{f} ["${{{i}}}"]' for i, f in enumerate(fields, 1))
        out.append((f"tool {tool}", f"tool {tool} {{\n{body}\n}}", f"enable {tool} with its fields"))
    return out
