"""The spec's AST: small frozen dataclasses, each with the span it came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from .diagnostics import Span


@dataclass(frozen=True, slots=True)
class Name:
    value: str
    span: Span


@dataclass(frozen=True, slots=True)
class Placeholder:
    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class Str:
    """A string literal: `value` is unescaped (and dedented if triple-quoted),
    with {{placeholders}} still in it; they are filled in by emit."""

    value: str
    span: Span
    triple: bool = False
    placeholders: tuple[Placeholder, ...] = ()


@dataclass(frozen=True, slots=True)
class StrList:
    items: tuple[Str, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Message:
    role: Name
    content: Str
    span: Span


@dataclass(frozen=True, slots=True)
class Input:
    value: Union[Str, tuple[Message, ...]]
    span: Span


@dataclass(frozen=True, slots=True)
class Requirement:
    name: Str
    description: Str
    mandatory: Span | None
    span: Span


@dataclass(frozen=True, slots=True)
class ToolField:
    key: Name
    value: Union[Str, StrList]
    span: Span


@dataclass(frozen=True, slots=True)
class Tool:
    type: Name
    fields: tuple[ToolField, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Model:
    refs: tuple[Union[Name, Str], ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Budget:
    value: Name
    span: Span


@dataclass(frozen=True, slots=True)
class Include:
    values: tuple[Name, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Language:
    value: Name
    span: Span


@dataclass(frozen=True, slots=True)
class Param:
    name: Name
    default: Str | None
    span: Span


Statement = Union[Input, Requirement, Tool, Model, Budget, Include, Language, Param]

# The keyword that introduces each statement kind (for messages and fmt).
KEYWORDS: dict[type, str] = {
    Input: "input",
    Requirement: "requirement",
    Tool: "tool",
    Model: "model",
    Budget: "budget",
    Include: "include",
    Language: "language",
    Param: "param",
}


@dataclass(frozen=True, slots=True)
class Spec:
    statements: tuple[Statement, ...]

    def of(self, kind: type) -> list:
        return [s for s in self.statements if isinstance(s, kind)]
