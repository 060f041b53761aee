"""The Maestro runs API, described once: fields, value kinds, enums, limits.

Every stage reads this table and spells no API rule of its own: the checker
(rules.py, field_rules.py) judges a body field by field from it, the emitter and fmt map spec
keywords to wire paths with it, decompile writes a tool item's fields from
it, the pydantic wire models and the JSON Schema are generated from it, and
so are the TextMate grammar and the docs' tables. A new tool option is one
`Field(...)` line here (plus its tests); a new tool type whose fields use
the value kinds below is one `ToolType(...)`.

Sources: ../shared/reference/MAESTRO_API_CURRENT.md (today's API, with the
source of each fact), the ai21 4.3.0 SDK (`ai21/models/maestro/run.py`).
Standard library only: the compile path imports it.
"""

from __future__ import annotations

import re

from .frozen import Frozen

# ------------------------------------------------------------- value kinds
# A kind says what JSON value a field holds; the checker judges by it.


class Str(Frozen):
    nonblank: bool = False
    form: str | None = None  # "absolute_url": an http(s) URL with a host


class Bool(Frozen):
    pass


class Int(Frozen):
    min: int | None = None
    max: int | None = None


class Num(Frozen):
    min: float | None = None
    max: float | None = None


class Enum(Frozen):
    choices: tuple[str, ...]
    bare: bool = True  # the spec may write the value unquoted


class StrList(Frozen):
    form: str | None = None  # "url_prefix": each item in one of URL_PREFIX_FORMS


class StrMap(Frozen):
    """A map of strings (headers)."""


class Obj(Frozen):
    """A free JSON object the API passes on (labels_filter, context)."""


class Schema(Frozen):
    """A JSON Schema object (output_type)."""


class Params(Frozen):
    """An http tool's parameters: {type: object, properties: {NAME: {type,
    description}}, required: [NAME]}; written in a spec as `parameter` rows."""


class Block(Frozen):
    """A nested object with fields of its own (an http tool's function, endpoint)."""

    fields: tuple["Field", ...]


class Field(Frozen):
    name: str  # the key on the wire
    kind: object
    doc: str = ""
    required: bool = False
    default: object = None  # the API's default, for docs
    # The spec's keyword for the field: "" means the wire name; None means the
    # spec does not write it as a field (a tool's label, parameter rows).
    keyword: str | None = ""
    secret: bool = False  # values are credentials: never recorded, printed or exported
    documented: bool = True  # False: only in AI21's OpenAPI document (accepted, with a warning)
    nullable: bool = True  # null means "left out"; False: null is an error

    @property
    def spec_keyword(self) -> str | None:
        return self.name if self.keyword == "" else self.keyword


class ToolType(Frozen):
    name: str
    doc: str
    fields: tuple[Field, ...]
    max_count: int | None = None  # None: any number
    label: tuple[str, ...] | None = None  # wire path of the identity the spec writes after the type
    label_doc: str = ""
    legacy_resources: tuple[str, ...] = ()  # fields the old tool_resources.<type> took

    def leaves(self):
        """(wire path, Field) for every field that holds a value, nested ones included."""
        yield from _leaves(self.fields, ())

    # Not fields: what by_keyword() and params_path work out, once per tool type.
    __slots__ = ("_keywords", "_params_path")

    def by_keyword(self) -> dict[str, tuple[tuple[str, ...], Field]]:
        """spec keyword -> (wire path, Field), worked out once per tool type (read it, do not change it)."""
        try:
            return self._keywords
        except AttributeError:
            found = {f.spec_keyword: (path, f) for path, f in self.leaves() if f.spec_keyword}
            object.__setattr__(self, "_keywords", found)
            return found

    @property
    def params_path(self) -> tuple[str, ...] | None:
        """Where the spec's `parameter` rows go on the wire (http: function.parameters), or None."""
        try:
            return self._params_path
        except AttributeError:
            found = next((path for path, f in self.leaves() if isinstance(f.kind, Params)), None)
            object.__setattr__(self, "_params_path", found)
            return found


def _leaves(fields, prefix):
    for f in fields:
        if isinstance(f.kind, Block):
            yield from _leaves(f.kind.fields, (*prefix, f.name))
        else:
            yield (*prefix, f.name), f


# ------------------------------------------------------------------ enums

ROLE_USER = "user"
ROLE_ASSISTANT = "assistant"
ROLES = (ROLE_USER, ROLE_ASSISTANT)
BUDGETS = ("low", "medium", "high")
DEFAULT_BUDGET = "low"

INCLUDE_DATA_SOURCES = "data_sources"
INCLUDE_REQUIREMENTS_RESULT = "requirements_result"
INCLUDE_FIELDS = (INCLUDE_DATA_SOURCES, INCLUDE_REQUIREMENTS_RESULT)

LANGUAGE_UNSET = "unset"  # the API's default: answer in the input's language
LANGUAGE_ENGLISH = "english"  # what the local server's simulation writes
LANGUAGES = (
    "arabic",
    "dutch",
    LANGUAGE_ENGLISH,
    "french",
    "german",
    "hebrew",
    "italian",
    "portuguese",
    "spanish",
    LANGUAGE_UNSET,
)
DEFAULT_LANGUAGE = LANGUAGE_UNSET

FIRST_PARTY_MODELS = ("jamba-large", "jamba-mini")
AI21_MANAGED_MODELS = (
    "gpt-4.1-mini",
    "gpt-4o",
    "claude-3.5-sonnet",
    "claude-3.7-sonnet",
    "gemini-2.5-pro",
)
KNOWN_MODELS = FIRST_PARTY_MODELS + AI21_MANAGED_MODELS
# On the old reference page, gone from today's list: still accepted, with a warning.
LEGACY_MODELS = ("mistral-8x7b", "mistral-7b", "mistral-small")
MAX_MODELS = 1

MAX_REQUIREMENTS = 10
MAX_DESCRIPTION_WORDS = 128
REQUIREMENT_FIELDS = ("name", "description", "is_mandatory")

LABELS_FILTER_MODES = ("AND", "OR")
RETRIEVAL_STRATEGIES = ("segments", "default", "add_neighbors", "full_doc")
VARIANTS = ("main", "ingestion")
# The types an http tool's parameter may declare (JSON Schema's, less null).
PARAMETER_TYPES = ("string", "number", "integer", "boolean", "array", "object")
JSON_SCHEMA_TYPES = PARAMETER_TYPES + ("null",)

# The four accepted URL-prefix forms: https://example.com, example.com,
# example.com/page, sub.example.com. A host of dotted labels with an
# alphabetic top-level label, an optional https:// and an optional path.
URL_PREFIX_FORMS = ("https://example.com", "example.com", "example.com/page", "sub.example.com")
URL_PREFIX_PATTERN = (
    r"^(https://)?"
    r"([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
    r"(/[^\s?#]*)?$"
)
URL_PREFIX_RE = re.compile(URL_PREFIX_PATTERN)

# ------------------------------------------------------------------ tools

FILE_SEARCH = "file_search"
WEB_SEARCH = "web_search"
HTTP = "http"
MCP = "mcp"

_HEADERS_DOC = "HTTP headers sent with every call, typically for authorization; values are credentials"

TOOLS: dict[str, ToolType] = {
    t.name: t
    for t in (
        ToolType(
            WEB_SEARCH,
            "Search the web.",
            (
                Field("urls", StrList(form="url_prefix"), "Only pages under these URL prefixes."),
                Field("query_suffix", Str(), "Text added to every search query."),
                Field("rephrase_query", Bool(), "Let the search rephrase queries."),
                Field("use_cached_pages", Bool(), "Use cached copies of pages.", default=False),
                Field("fallback_to_web", Bool(), "Search the whole web when the URLs give nothing.", documented=False),
            ),
            max_count=1,
            legacy_resources=("urls",),
        ),
        ToolType(
            FILE_SEARCH,
            "Search the files in your AI21 library.",
            (
                Field("labels", StrList(), "Only files with these labels."),
                Field("labels_filter_mode", Enum(LABELS_FILTER_MODES), "How the labels combine.", default="AND"),
                Field("labels_filter", Obj(), "A query filter over labels (its grammar is AI21's)."),
                Field("file_ids", StrList(), "Only these library files (ids)."),
                Field("retrieval_strategy", Enum(RETRIEVAL_STRATEGIES), "How passages are retrieved.", default="segments"),
                Field("max_neighbors", Int(min=0), "Neighbouring segments added (with add_neighbors)."),
                Field("retrieval_similarity_threshold", Num(0, 1), "The least similarity a passage needs."),
                Field("path", Str(), "Only files under this library path.", documented=False),
                Field("hybrid_search_alpha", Num(0, 1), "Weight of semantic against keyword search.", default=1, documented=False),
                Field("use_two_step_embedders", Bool(), "Two-step embedding.", documented=False),
                Field("response_language", Enum(LANGUAGES), "Language of retrieved answers.", documented=False),
            ),
            max_count=1,
            legacy_resources=("labels", "file_ids"),
        ),
        ToolType(
            HTTP,
            "A function the run may call: Maestro POSTs the arguments, as a JSON object, to your endpoint.",
            (
                Field(
                    "function",
                    Block(
                        (
                            Field("name", Str(nonblank=True), "The function's name, unique in the run.", required=True, keyword=None),
                            Field("description", Str(nonblank=True), "What the function does, for the planner.", required=True),
                            Field("parameters", Params(), "The function's parameters.", required=True, keyword=None),
                        )
                    ),
                    required=True,
                ),
                Field(
                    "endpoint",
                    Block(
                        (
                            Field("url", Str(nonblank=True, form="absolute_url"), "Where the call is POSTed.", required=True),
                            Field("headers", StrMap(), _HEADERS_DOC, secret=True),
                        )
                    ),
                    required=True,
                ),
            ),
            label=("function", "name"),
            label_doc="the function's name",
        ),
        ToolType(
            MCP,
            "A remote MCP server whose tools the run may call.",
            (
                Field("server_label", Str(nonblank=True), "The server's label, unique in the run.", required=True, keyword=None),
                Field("server_url", Str(nonblank=True, form="absolute_url"), "The server's URL.", required=True, keyword="url"),
                Field("headers", StrMap(), _HEADERS_DOC, secret=True),
                Field("allowed_tools", StrList(), "Only these of the server's tools (default: all)."),
                Field("mcp_id", Str(), "An MCP server configured in your account.", documented=False),
            ),
            label=("server_label",),
            label_doc="the server's label",
        ),
    )
}
TOOL_TYPES = tuple(TOOLS)
SEARCH_TOOLS = tuple(name for name, t in TOOLS.items() if t.max_count == 1)
# Which settings the old tool_resources.<type> took (a deprecated shape).
TOOL_RESOURCE_FIELDS = {name: t.legacy_resources for name, t in TOOLS.items() if t.legacy_resources}

# ------------------------------------------------------------- the request

# Top-level fields the checker judges by kind alone; input, models, tools,
# tool_resources, requirements and include have rules of their own in rules.py
# (tools and tool_resources: tool_rules.py).
REQUEST_FIELDS = (
    Field("input", None, "An instruction, or messages alternating user/assistant.", required=True),
    Field("models", None, "A single model.", keyword="model"),
    Field("tools", None, "Tools the run may use."),
    Field("tool_resources", None, "Deprecated: each tool's settings now go in its tools[] item."),
    Field("requirements", None, f"Up to {MAX_REQUIREMENTS} requirements the result is scored against.", keyword="requirement"),
    Field("budget", Enum(BUDGETS), "How much the run may spend.", default=DEFAULT_BUDGET, nullable=False),
    Field("include", None, "Extra fields in the Run."),
    Field("response_language", Enum(LANGUAGES), "The language of the result.", default=DEFAULT_LANGUAGE, keyword="language"),
    Field("system_prompt", Str(nonblank=True), "Who the assistant is, context, rules of interaction."),
    Field("output_type", Schema(), "A JSON Schema the result must follow (a structured result)."),
    # Only in AI21's OpenAPI document: accepted and passed on, with a warning.
    Field("context", Obj(), documented=False, keyword=None),
    Field("verbose", Bool(), documented=False, keyword=None),
    Field("stream", Bool(), documented=False, keyword=None),
    Field("structured_rag_enabled", Bool(), documented=False, keyword=None),
    Field("dynamic_planning_enabled", Bool(), documented=False, keyword=None),
    Field("assistant_id", Str(), documented=False, keyword=None),
    Field("variant", Enum(VARIANTS), documented=False, keyword=None),
    Field("custom_retrieval_configs", None, documented=False, keyword=None),
)
REQUEST_FIELD = {f.name: f for f in REQUEST_FIELDS}
# The order keys are written in: the official SDK's, then what it passes through.
REQUEST_ORDER = tuple(f.name for f in REQUEST_FIELDS)

# ------------------------------------------------------------------ the Run

IN_PROGRESS = "in_progress"
COMPLETED = "completed"
FAILED = "failed"
REQUIRES_ACTION = "requires_action"
RUN_STATUSES = (IN_PROGRESS, COMPLETED, FAILED, REQUIRES_ACTION)
TERMINAL_STATUSES = frozenset({COMPLETED, FAILED, REQUIRES_ACTION})
TOOL_CALL_SUCCESS = "success"
TOOL_CALL_FAILURE = "failure"
TOOL_CALL_STATUSES = (TOOL_CALL_SUCCESS, TOOL_CALL_FAILURE)
TOOL_CALL_TYPES = (HTTP, MCP)


def secret_paths() -> dict[str, tuple[tuple[str, ...], ...]]:
    """tool type -> the wire paths (inside its item) of maps holding credentials."""
    return {name: tuple(path for path, f in t.leaves() if f.secret) for name, t in TOOLS.items()}

