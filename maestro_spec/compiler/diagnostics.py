"""Diagnostics as data: every finding of the compiler, with a stable code.

Rendering lives in report.py; this module only says what a finding is and
declares every code once (CODES), so docs and tests can enumerate them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]
JsonPath = tuple  # ("requirements", 3, "description")


@dataclass(frozen=True, slots=True)
class Span:
    """A 1-based, end-exclusive text range (columns count characters)."""

    line: int
    column: int
    end_line: int
    end_column: int
    start_pos: int = 0
    end_pos: int = 0


def span_of(node) -> Span:
    """The span of a Lark token, or of a tree node's meta."""
    return Span(node.line, node.column, node.end_line, node.end_column, node.start_pos, node.end_pos)


def span_at(text: str, pos: int, length: int = 1) -> Span:
    """A span of `length` characters from offset `pos`, kept on its line."""
    pos = max(0, min(pos, len(text)))
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    end = min(pos + max(length, 1), len(text)) if text else 0
    if "\n" in text[pos:end]:
        end = pos + text[pos:end].index("\n")
    return Span(line, col, line, col + max(end - pos, 1), pos, max(end, pos + 1))


@dataclass(frozen=True, slots=True)
class Related:
    message: str
    span: Span | None = None
    path: JsonPath | None = None


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    message: str
    span: Span | None = None
    hint: str | None = None
    path: JsonPath | None = None
    related: tuple[Related, ...] = field(default=())

    @property
    def severity(self) -> Severity:
        return CODES[self.code][0]

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def format_path(path: JsonPath | None) -> str:
    """("requirements", 3, "description") -> requirements[3].description"""
    out = ""
    for part in path or ():
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# code -> (severity, what it means). E0xx syntax and files, E1xx the spec
# language, E2xx/W2xx the API's rules (shared by specs and JSON bodies).
CODES: dict[str, tuple[Severity, str]] = {
    "E001": ("error", "syntax error"),
    "E002": ("error", "unterminated string"),
    "E003": ("error", "unexpected end of file"),
    "E004": ("error", "invalid escape in a string"),
    "E005": ("error", "invalid JSON"),
    "E006": ("error", "a number too large"),
    "E101": ("error", "a single-valued statement is given twice"),
    "E103": ("error", "placeholder names no param"),
    "W104": ("warning", "param is never used"),
    "E105": ("error", "param has no value"),
    "E106": ("error", "param is declared twice"),
    "E107": ("error", "a --var file cannot be read"),
    "W108": ("warning", "a value is given for a name that is not a param"),
    "E109": ("error", "a field is given twice in a block"),
    "E110": ("error", "a placeholder in a param's default"),
    "E111": ("error", "an {{env.NAME}} value outside a credential field"),
    "E112": ("error", "an environment variable is not set"),
    "W113": ("warning", "a literal credential in a spec"),
    "E114": ("error", "an output_type file cannot be read"),
    "E115": ("error", "a construct the spec writes another way"),
    "E200": ("error", "request body is not a JSON object"),
    "E201": ("error", "input is missing"),
    "E202": ("error", "input is empty"),
    "E203": ("error", "value has the wrong type"),
    "E204": ("error", "unknown message role"),
    "E205": ("error", "messages do not alternate user/assistant"),
    "E206": ("error", "unknown field"),
    "W207": ("warning", "field only in AI21's OpenAPI document, not its documentation"),
    "W208": ("warning", "the SDK's spelling additional_properties instead of additionalProperties"),
    "E210": ("error", "more than 10 requirements"),
    "E211": ("error", "requirement description is over 128 words"),
    "E212": ("error", "duplicate requirement name"),
    "E213": ("error", "requirement name or description is empty"),
    "W214": ("warning", "requirements together with tools"),
    "E220": ("error", "unknown tool type"),
    "E221": ("error", "resources for a tool that is not enabled"),
    "E222": ("error", "URL prefix is not in an accepted form"),
    "E223": ("error", "a search tool is listed twice"),
    "E224": ("error", "a setting outside its allowed values or range"),
    "W225": ("warning", "tool_resources is deprecated"),
    "E226": ("error", "a required field is missing or empty"),
    "E227": ("error", "two tools share a label or function name"),
    "E228": ("error", "a tool URL is not an absolute URL"),
    "W229": ("warning", "a tool URL AI21's cloud cannot reach, or plain http"),
    "E230": ("error", "more than one model"),
    "W231": ("warning", "model is not a known model name"),
    "E232": ("error", "unknown model name"),
    "E233": ("error", "an http tool parameter is malformed"),
    "E234": ("error", "required names an undeclared parameter"),
    "W236": ("warning", "model is no longer in AI21's list"),
    "W237": ("warning", "an http tool parameter has undocumented keys"),
    "E240": ("error", "budget is not low, medium or high"),
    "E241": ("error", "include value is not data_sources or requirements_result"),
    "E242": ("error", "response language is not supported"),
    "W243": ("warning", "include value is repeated"),
    "W244": ("warning", "include data_sources without tools"),
    "W245": ("warning", "include requirements_result without requirements"),
    "E246": ("error", "output_type is not a JSON Schema object"),
}


def sort_key(d: Diagnostic):
    """File-level findings first, then by position."""
    s = d.span
    return (s is not None, s.line if s else 0, s.column if s else 0, d.code)


def count_errors(diagnostics) -> int:
    return sum(1 for d in diagnostics if d.is_error)
