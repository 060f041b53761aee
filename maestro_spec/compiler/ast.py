"""The spec's AST: small frozen records (frozen.Frozen), each with the span it came from."""

from __future__ import annotations

from typing import Union

from .diagnostics import Span
from .frozen import Frozen
from .strings import PLACEHOLDER_RE, form_name, offset_span, placeholder_forms


class Name(Frozen):
    value: str
    span: Span


class Placeholder:
    """A {{name}} in a string token. Its span is placed (line and column) on
    first use: a 1 MB string holding 10,000 placeholders compiles without
    placing one, since only diagnostics and the editor ever ask. `start_pos`
    and `end_pos` (offsets in the file) cost nothing and are always there."""

    __slots__ = ("name", "start_pos", "end_pos", "_raw", "_token", "_begin", "_span")

    def __init__(self, name: str, raw: str, token: Span, begin: int, end: int) -> None:
        # raw[begin:end] is the placeholder inside raw, the token's text, which starts at `token`.
        self.name = name
        self.start_pos = token.start_pos + begin
        self.end_pos = token.start_pos + end
        self._raw, self._token, self._begin = raw, token, begin
        self._span: Span | None = None

    @property
    def span(self) -> Span:
        if self._span is None:
            self._span = offset_span(self._raw, self._token, self._begin, self._begin + self.end_pos - self.start_pos)
        return self._span

    def __eq__(self, other) -> bool:
        if not isinstance(other, Placeholder):
            return NotImplemented
        return (self.name, self.start_pos, self.end_pos) == (other.name, other.start_pos, other.end_pos)

    def __hash__(self) -> int:
        return hash((self.name, self.start_pos, self.end_pos))

    def __repr__(self) -> str:
        return f"Placeholder({self.name!r}, at {self.start_pos}..{self.end_pos})"


class Placeholders:
    """The {{placeholders}} of one string token, found when first asked.

    Iterating gives Placeholder nodes (made once, then kept); `names` gives
    the distinct names alone, from one C-speed regex pass, which is all a
    checker needs until it has something to report."""

    __slots__ = ("_raw", "_token", "_nodes", "_names", "_forms")

    def __init__(self, raw: str, token: Span) -> None:
        self._raw, self._token = raw, token
        self._nodes: tuple[Placeholder, ...] | None = None
        self._names: frozenset[str] | None = None
        self._forms: dict[str, int] | None = None  # each form as written -> its count

    @property
    def names(self) -> frozenset[str]:
        if self._names is None:
            self._names = frozenset(map(form_name, self._all_forms()))
        return self._names

    def _all_forms(self) -> dict[str, int]:
        if self._forms is None:
            self._forms = placeholder_forms(self._raw)
        return self._forms

    def forms_in_value(self) -> dict[str, int] | None:
        """The placeholder forms of the string's value (strings.substitute's
        `forms`), when they are the token's own: no escape in the token (so
        unescaping changes nothing) and no placeholder across a line break
        (dedenting removes only the spaces that start a line, never part of
        one written on a single line). Else None: the value is scanned."""
        if not self._raw or "\\" in self._raw:
            return None
        forms = self._all_forms()
        return None if any("\n" in form for form in forms) else forms

    def _all(self) -> tuple[Placeholder, ...]:
        if self._nodes is None:
            raw, token = self._raw, self._token
            self._nodes = tuple(Placeholder(m[1], raw, token, m.start(), m.end()) for m in PLACEHOLDER_RE.finditer(raw)) if self.names else ()
        return self._nodes

    def __iter__(self):
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __getitem__(self, index):
        return self._all()[index]

    def __bool__(self) -> bool:
        return bool(self.names)

    def __add__(self, other) -> tuple[Placeholder, ...]:
        return self._all() + tuple(other)

    def __radd__(self, other) -> tuple[Placeholder, ...]:
        return tuple(other) + self._all()

    def __eq__(self, other) -> bool:
        return tuple(self) == tuple(other) if isinstance(other, (Placeholders, tuple)) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return f"Placeholders({list(self._all())!r})"


NO_PLACEHOLDERS = Placeholders("", Span(1, 1, 1, 1))


class Str(Frozen):
    """A string literal: `value` is unescaped (and dedented if triple-quoted),
    with {{placeholders}} still in it; they are filled in by emit."""

    value: str
    span: Span
    triple: bool = False
    placeholders: Placeholders = NO_PLACEHOLDERS


class Number(Frozen):
    value: int | float
    span: Span


class Bool(Frozen):
    value: bool
    span: Span


class Null(Frozen):
    span: Span


class List(Frozen):
    items: tuple["Value", ...]
    span: Span


class Entry(Frozen):
    key: Union[Name, Str]
    value: "Value"
    span: Span


class Block(Frozen):
    """{ key value ... }: a JSON object; keys are bare names or strings."""

    entries: tuple[Entry, ...]
    span: Span


# A bare word (Name) is a string value: `retrieval_strategy add_neighbors`.
Value = Union[Str, Number, Bool, Null, Name, List, Block]


class Message(Frozen):
    role: Name
    content: Str
    span: Span


class Input(Frozen):
    value: Union[Str, tuple[Message, ...]]
    span: Span


class Requirement(Frozen):
    name: Str
    description: Str
    mandatory: Span | None
    span: Span


class ToolField(Frozen):
    key: Name
    value: Value
    span: Span


class Parameter(Frozen):
    """parameter NAME TYPE "description" [required] [{ more schema keywords }], in an http tool."""

    name: Union[Name, Str]
    type: Name
    description: Str
    required: Span | None
    extra: "Block | None"
    span: Span


class Tool(Frozen):
    type: Name
    label: Name | Str | None  # an http tool's function name, an mcp tool's server label
    fields: tuple[ToolField, ...]
    parameters: tuple[Parameter, ...]
    span: Span


class Model(Frozen):
    refs: tuple[Union[Name, Str], ...]
    span: Span


class Budget(Frozen):
    value: Name
    span: Span


class Include(Frozen):
    values: tuple[Name, ...]
    span: Span


class Language(Frozen):
    value: Name
    span: Span


class SystemPrompt(Frozen):
    value: Str
    span: Span


class OutputType(Frozen):
    value: Union[Block, Str]  # a JSON Schema, or the path of a .json file next to the spec
    span: Span


class Param(Frozen):
    name: Name
    default: Str | None
    span: Span


Statement = Union[Input, Requirement, Tool, Model, Budget, Include, Language, SystemPrompt, OutputType, Param]

# The keyword that introduces each statement kind (for messages and fmt).
KEYWORDS: dict[type, str] = {
    Input: "input",
    Requirement: "requirement",
    Tool: "tool",
    Model: "model",
    Budget: "budget",
    Include: "include",
    Language: "language",
    SystemPrompt: "system_prompt",
    OutputType: "output_type",
    Param: "param",
}


class Spec(Frozen):
    statements: tuple[Statement, ...]

    def of(self, kind: type) -> list:
        return [s for s in self.statements if isinstance(s, kind)]


class Comment(Frozen):
    """A # comment. Not in the Spec (the grammar ignores comments): parse()
    returns them beside it, in source order, and fmt places each by its span."""

    text: str  # as written, trailing whitespace dropped
    span: Span


class Visitor:
    """The one way to walk the AST: a method per node class, as sqlglot's
    generator has one per expression. `visit(node)` calls `<snake_name>_node`
    (`tool_node` for Tool, `system_prompt_node` for SystemPrompt), or
    `generic_node` when the subclass has no method for that class.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._methods = {}  # node class -> the function that visits it, per visitor class

    def visit(self, node, *args, **kwargs):
        methods = type(self)._methods
        method = methods.get(type(node))
        if method is None:
            method = methods[type(node)] = getattr(type(self), _snake(type(node).__name__) + "_node", type(self).generic_node)
        return method(self, node, *args, **kwargs)

    def generic_node(self, node, *args, **kwargs):
        raise TypeError(f"{type(self).__name__} has no method for {type(node).__name__} nodes")

    _methods: dict = {}


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(name))
