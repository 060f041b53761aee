"""Pydantic models of the wire formats: the request body and the Run object.

Used by the server, the runtime and `maestro schema`; never on `compile`'s
import path. Constraints come from limits.py. The models describe shapes;
the judge of a request is rules.check_request (the same for every caller),
so the word limit appears here only as schema metadata.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, Optional

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from . import limits as L

Role = Literal[L.ROLES]
Budget = Literal[L.BUDGETS]
IncludeField = Literal[L.INCLUDE_FIELDS]
Language = Literal[L.LANGUAGES]
ToolType = Literal[L.TOOL_TYPES]
RunStatus = Literal[L.RUN_STATUSES]


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


class Tool(_Strict):
    type: ToolType


class FileSearchResources(_Strict):
    labels: Optional[list[str]] = None
    file_ids: Optional[list[str]] = None


class WebSearchResources(_Strict):
    urls: Optional[list[Annotated[str, Field(pattern=L.URL_PREFIX_PATTERN)]]] = Field(
        None, description="URL prefixes, each of the forms " + ", ".join(L.URL_PREFIX_FORMS) + "."
    )


class ToolResources(_Strict):
    file_search: Optional[FileSearchResources] = None
    web_search: Optional[WebSearchResources] = None


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
    tool_resources: Optional[ToolResources] = None
    requirements: Optional[list[Requirement]] = Field(
        None, max_length=L.MAX_REQUIREMENTS, description="Only applied when no tools are enabled."
    )
    budget: Optional[Budget] = Field(None, description=f"Default {L.DEFAULT_BUDGET}.")
    include: Optional[list[IncludeField]] = None
    response_language: Optional[Language] = Field(None, description=f"Default {L.DEFAULT_LANGUAGE}.")


# ------------------------------------------------------------------ the Run
# Read from servers, so lenient: unknown fields are kept, a score that is not a
# finite number (NaN, inf, a string) is None and never counts as met, and a
# status this client does not know is kept as text (it is simply not final).


class _Open(BaseModel):
    # Responses may grow fields; a client must not break on them.
    model_config = ConfigDict(extra="allow")


def _finite_or_none(value):
    """A score as a float, or None when it is not a finite number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


Score = Annotated[Optional[float], BeforeValidator(_finite_or_none)]


class RequirementResultItem(_Open):
    name: str
    description: Optional[str] = None
    is_mandatory: bool = False
    score: Score = None  # None: not a number (NaN, inf, missing): unmet
    reason: Optional[str] = None


class RequirementsResult(_Open):
    score: Score = None  # None: not a number: below any --min-score
    finish_reason: Optional[str] = None
    requirements: list[RequirementResultItem] = []


class FileSearchSource(_Open):
    text: Optional[str] = None
    file_id: str
    file_name: Optional[str] = None
    score: Score = None
    order: Optional[int] = None


class WebSearchSource(_Open):
    text: Optional[str] = None
    url: str
    score: Score = None


class ToolCall(_Open):
    """One call of an http or mcp tool during the run (MAESTRO_API_CURRENT.md, the Run)."""

    tool_name: Optional[str] = None
    tool_type: Optional[str] = None  # "http" or "mcp"
    server_label: Optional[str] = None  # mcp only
    parameters: Any = None
    response: Any = None
    status: Optional[str] = None  # "success" or "failure"


class DataSources(_Open):
    file_search: Optional[list[FileSearchSource]] = None
    web_search: Optional[list[WebSearchSource]] = None
    tool_calls: Optional[list[ToolCall]] = None


class RunError(_Open):
    message: str


class Run(_Open):
    """What POST /maestro/runs and GET /maestro/runs/{id} return."""

    id: str
    status: str = Field(description="One of " + ", ".join(L.RUN_STATUSES) + "; another value is kept and is not final.")
    result: Any = None
    data_sources: Optional[DataSources] = None
    requirements_result: Optional[RequirementsResult] = None
    error: Optional[RunError] = None

    @property
    def is_terminal(self) -> bool:
        return self.status in L.TERMINAL_STATUSES
