"""The pydantic model of the Run object (what the API answers), for the
runtime, the server and the tests; never on `compile`'s import path. The
request body's model is request_model.py (only `maestro schema` needs it).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Optional

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ..compiler import limits as L

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
