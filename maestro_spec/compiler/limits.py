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

TOOL_TYPES = ("file_search", "web_search")
# Which resource fields each tool takes (tool_resources.<type>.<field>: [str]).
TOOL_RESOURCE_FIELDS = {
    "file_search": ("labels", "file_ids"),
    "web_search": ("urls",),
}

FIRST_PARTY_MODELS = ("jamba-large", "jamba-mini")
AI21_MANAGED_MODELS = ("gpt-4o", "mistral-8x7b", "mistral-7b", "mistral-small")
KNOWN_MODELS = FIRST_PARTY_MODELS + AI21_MANAGED_MODELS
MAX_MODELS = 1

BUDGETS = ("low", "medium", "high")
DEFAULT_BUDGET = "low"

INCLUDE_FIELDS = ("data_sources", "requirements_result")

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

RUN_STATUSES = ("in_progress", "completed", "failed", "requires_action")
TERMINAL_STATUSES = frozenset({"completed", "failed", "requires_action"})

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
