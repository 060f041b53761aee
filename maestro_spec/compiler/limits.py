"""The Maestro runs API's limits and enums, written once.

The checker (rules.py), the pydantic wire models (wire.py) and the JSON Schema
all read these names; nothing else in the project spells an API rule.
Source: ../shared/reference/MAESTRO_API.md and the ai21 4.3.0 SDK.
"""

from __future__ import annotations

import re

# Request fields, in the order the official SDK builds its body.
REQUEST_FIELDS = (
    "input",
    "models",
    "tools",
    "tool_resources",
    "requirements",
    "budget",
    "include",
    "response_language",
)

ROLES = ("user", "assistant")

MAX_REQUIREMENTS = 10
MAX_DESCRIPTION_WORDS = 128
REQUIREMENT_FIELDS = ("name", "description", "is_mandatory")

FILE_SEARCH = "file_search"
WEB_SEARCH = "web_search"
TOOL_TYPES = (FILE_SEARCH, WEB_SEARCH)
# Which resource fields each tool takes (tool_resources.<type>.<field>: [str]).
TOOL_RESOURCE_FIELDS = {
    FILE_SEARCH: ("labels", "file_ids"),
    WEB_SEARCH: ("urls",),
}

FIRST_PARTY_MODELS = ("jamba-large", "jamba-mini")
AI21_MANAGED_MODELS = ("gpt-4o", "mistral-8x7b", "mistral-7b", "mistral-small")
KNOWN_MODELS = FIRST_PARTY_MODELS + AI21_MANAGED_MODELS
MAX_MODELS = 1

BUDGETS = ("low", "medium", "high")
DEFAULT_BUDGET = "low"

INCLUDE_DATA_SOURCES = "data_sources"
INCLUDE_REQUIREMENTS_RESULT = "requirements_result"
INCLUDE_FIELDS = (INCLUDE_DATA_SOURCES, INCLUDE_REQUIREMENTS_RESULT)

LANGUAGES = (
    "arabic",
    "dutch",
    "english",
    "french",
    "german",
    "hebrew",
    "italian",
    "portuguese",
    "spanish",
)
DEFAULT_LANGUAGE = "english"

IN_PROGRESS = "in_progress"
COMPLETED = "completed"
FAILED = "failed"
REQUIRES_ACTION = "requires_action"
RUN_STATUSES = (IN_PROGRESS, COMPLETED, FAILED, REQUIRES_ACTION)
TERMINAL_STATUSES = frozenset({COMPLETED, FAILED, REQUIRES_ACTION})

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
