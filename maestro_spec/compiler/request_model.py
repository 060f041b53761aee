"""The pydantic model of the request body, generated from the API table.

Only `maestro schema` (schema.py) builds it: generating a model per tool
type costs about a tenth of a second, which the runtime (that needs only
the Run, wire.py) does not pay. Constraints come from limits.py. The models
describe shapes; the judge of a request is rules.check_request (the same
for every caller), so the word limit appears here only as schema metadata.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, create_model

from . import limits as L

Role = Literal[L.ROLES]
Budget = Literal[L.BUDGETS]
IncludeField = Literal[L.INCLUDE_FIELDS]
Language = Literal[L.LANGUAGES]

# An absolute http(s) URL with a host (field_rules.py says more: loopback, plain http).
ABSOLUTE_URL_PATTERN = r"^https?://[^/?#\s@]+"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Message(_Strict):
    role: Role
    content: str = Field(min_length=1)


class Requirement(_Strict):
    name: str = Field(min_length=1, description="Unique; names the requirement in the result.")
    description: str = Field(
        min_length=1,
        description=f"Natural language, at most {L.MAX_DESCRIPTION_WORDS} words.",
        json_schema_extra={"x-max-words": L.MAX_DESCRIPTION_WORDS},
    )
    is_mandatory: bool = False


class ParameterProperty(BaseModel):
    # AI21 documents type and description; more JSON Schema keywords (enum,
    # items) are passed on, with a warning from the checker (W237).
    model_config = ConfigDict(extra="allow")

    type: Literal[L.PARAMETER_TYPES]
    description: str


class HttpParameters(_Strict):
    type: Literal["object"] = "object"
    properties: dict[str, ParameterProperty] = {}
    required: Optional[list[str]] = None
    additionalProperties: Optional[bool] = None


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _annotation(f: L.Field, owner: str):
    """The pydantic type and Field() of one field of the API table."""
    kind = f.kind
    extra: dict = {"description": f.doc or None}
    if f.default is not None:
        extra["json_schema_extra"] = {"default": f.default}
    if isinstance(kind, L.Str):
        if kind.form == "absolute_url":
            extra["pattern"] = ABSOLUTE_URL_PATTERN
        elif kind.nonblank:
            extra["min_length"] = 1
        kind_type = str
    elif isinstance(kind, L.Bool):
        kind_type = bool
    elif isinstance(kind, (L.Int, L.Num)):
        kind_type = int if isinstance(kind, L.Int) else float
        if kind.min is not None:
            extra["ge"] = kind.min
        if kind.max is not None:
            extra["le"] = kind.max
    elif isinstance(kind, L.Enum):
        kind_type = Literal[kind.choices]
    elif isinstance(kind, L.StrList):
        kind_type = list[Annotated[str, Field(pattern=L.URL_PREFIX_PATTERN)]] if kind.form == "url_prefix" else list[str]
    elif isinstance(kind, L.StrMap):
        kind_type = dict[str, str]
        extra["json_schema_extra"] = {"writeOnly": True} if f.secret else None
    elif isinstance(kind, (L.Obj, L.Schema)):
        kind_type = dict[str, Any]
    elif isinstance(kind, L.Params):
        kind_type = HttpParameters
    elif isinstance(kind, L.Block):
        kind_type = _model(f"{owner}{_camel(f.name)}", kind.fields)
    else:
        kind_type = Any
    extra = {k: v for k, v in extra.items() if v is not None}
    if f.required:
        return (kind_type, Field(..., **extra))
    return (Optional[kind_type], Field(None, **extra))


def _model(name: str, fields, **head):
    return create_model(name, __base__=_Strict, **head, **{f.name: _annotation(f, name) for f in fields})


def _tool_model(tool: L.ToolType):
    name = _camel(tool.name) + "Tool"
    model = _model(name, tool.fields, type=(Literal[tool.name], ...))
    model.__doc__ = tool.doc
    return model


TOOL_MODELS = {name: _tool_model(t) for name, t in L.TOOLS.items()}
Tool = Annotated[Union[tuple(TOOL_MODELS.values())], Field(discriminator="type")]
ToolResources = _model(
    "ToolResources",
    [L.Field(kind, L.Block(tuple(f for f in L.TOOLS[kind].fields))) for kind in L.TOOL_RESOURCE_FIELDS],
)


class RunRequest(_Strict):
    """The body of POST /maestro/runs."""

    input: str | list[Message] = Field(description="An instruction, or messages alternating user/assistant.")
    models: Optional[list[str]] = Field(
        None,
        min_length=1,
        max_length=L.MAX_MODELS,
        description="A single model: " + ", ".join(L.KNOWN_MODELS) + ", or a bring-your-own-key model ID.",
        json_schema_extra={"examples": [[m] for m in L.KNOWN_MODELS]},
    )
    tools: Optional[list[Tool]] = None
    tool_resources: Optional[ToolResources] = Field(None, deprecated=True, description=L.REQUEST_FIELD["tool_resources"].doc)
    requirements: Optional[list[Requirement]] = Field(None, max_length=L.MAX_REQUIREMENTS)
    budget: Optional[Budget] = Field(None, description=f"Default {L.DEFAULT_BUDGET}.")
    include: Optional[list[IncludeField]] = None
    response_language: Optional[Language] = Field(None, description=f"Default {L.DEFAULT_LANGUAGE}.")


# The simple top-level fields (system_prompt, output_type, the undocumented
# ones) come from the table as they are.
RunRequest = create_model(
    "RunRequest",
    __base__=RunRequest,
    **{f.name: _annotation(f, "RunRequest") for f in L.REQUEST_FIELDS if f.name not in RunRequest.model_fields},
)
RunRequest.__doc__ = "The body of POST /maestro/runs."
