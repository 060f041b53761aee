"""Every diagnostic code, once: a named constant with its severity and summary.

In the style of mypy's errorcodes.py: a call site names the constant
(`codes.UNKNOWN_FIELD`), so a typo is an import or attribute error at once,
not a finding with a code nobody declared. A Code is also the string of its
code ("E206"), so diagnostics compare, sort and serialize as before.
E0xx: syntax and files; E1xx/W1xx: the spec language; E2xx/W2xx: the API's
rules (shared by specs and JSON bodies). tests/test_literals_have_one_home.py
fails on any code written as a literal elsewhere.
"""

from __future__ import annotations

from typing import Final, Literal

Severity = Literal["error", "warning"]


class Code(str):
    """A diagnostic code: the string itself ("E206"), its severity and summary."""

    severity: Severity
    summary: str

    def __new__(cls, code: str, summary: str) -> "Code":
        self = super().__new__(cls, code)
        self.severity = "error" if code.startswith("E") else "warning"
        self.summary = summary
        return self

    def __reduce__(self):
        return (Code, (str(self), self.summary))

SYNTAX_ERROR: Final = Code("E001", 'syntax error')
UNTERMINATED_STRING: Final = Code("E002", 'unterminated string')
UNEXPECTED_EOF: Final = Code("E003", 'unexpected end of file')
INVALID_ESCAPE: Final = Code("E004", 'invalid escape in a string')
INVALID_JSON: Final = Code("E005", 'invalid JSON')
NUMBER_TOO_LARGE: Final = Code("E006", 'a number too large')
NESTED_TOO_DEEPLY: Final = Code("E007", 'values nested too deeply')
STATEMENT_TWICE: Final = Code("E101", 'a single-valued statement is given twice')
UNDECLARED_PLACEHOLDER: Final = Code("E103", 'placeholder names no param')
UNUSED_PARAM: Final = Code("W104", 'param is never used')
PARAM_WITHOUT_VALUE: Final = Code("E105", 'param has no value')
PARAM_TWICE: Final = Code("E106", 'param is declared twice')
UNREADABLE_VAR: Final = Code("E107", 'a --var file cannot be read')
VALUE_FOR_NO_PARAM: Final = Code("W108", 'a value is given for a name that is not a param')
FIELD_TWICE: Final = Code("E109", 'a field is given twice in a block')
PLACEHOLDER_IN_DEFAULT: Final = Code("E110", "a placeholder in a param's default")
ENV_OUTSIDE_CREDENTIAL: Final = Code("E111", 'an {{env.NAME}} value outside a credential field')
ENV_NOT_SET: Final = Code("E112", 'an environment variable is not set')
LITERAL_CREDENTIAL: Final = Code("W113", 'a literal credential in a spec')
UNREADABLE_OUTPUT_TYPE: Final = Code("E114", 'an output_type file cannot be read')
WRITTEN_ANOTHER_WAY: Final = Code("E115", 'a construct the spec writes another way')
BODY_NOT_OBJECT: Final = Code("E200", 'request body is not a JSON object')
INPUT_MISSING: Final = Code("E201", 'input is missing')
INPUT_EMPTY: Final = Code("E202", 'input is empty')
WRONG_TYPE: Final = Code("E203", 'value has the wrong type')
UNKNOWN_ROLE: Final = Code("E204", 'unknown message role')
ROLES_DO_NOT_ALTERNATE: Final = Code("E205", 'messages do not alternate user/assistant')
UNKNOWN_FIELD: Final = Code("E206", 'unknown field')
OAS_ONLY_FIELD: Final = Code("W207", "field only in AI21's OpenAPI document, not its documentation")
SDK_SPELLING: Final = Code("W208", "the SDK's spelling additional_properties instead of additionalProperties")
TOO_MANY_REQUIREMENTS: Final = Code("E210", 'more than 10 requirements')
DESCRIPTION_TOO_LONG: Final = Code("E211", 'requirement description is over 128 words')
DUPLICATE_REQUIREMENT: Final = Code("E212", 'duplicate requirement name')
EMPTY_REQUIREMENT: Final = Code("E213", 'requirement name or description is empty')
REQUIREMENTS_WITH_TOOLS: Final = Code("W214", 'requirements together with tools')
UNKNOWN_TOOL_TYPE: Final = Code("E220", 'unknown tool type')
RESOURCES_WITHOUT_TOOL: Final = Code("E221", 'resources for a tool that is not enabled')
BAD_URL_PREFIX: Final = Code("E222", 'URL prefix is not in an accepted form')
SEARCH_TOOL_TWICE: Final = Code("E223", 'a search tool is listed twice')
OUT_OF_RANGE: Final = Code("E224", 'a setting outside its allowed values or range')
TOOL_RESOURCES_DEPRECATED: Final = Code("W225", 'tool_resources is deprecated')
REQUIRED_MISSING: Final = Code("E226", 'a required field is missing or empty')
DUPLICATE_TOOL_NAME: Final = Code("E227", 'two tools share a label or function name')
NOT_ABSOLUTE_URL: Final = Code("E228", 'a tool URL is not an absolute URL')
UNREACHABLE_TOOL_URL: Final = Code("W229", "a tool URL AI21's cloud cannot reach, or plain http")
MORE_THAN_ONE_MODEL: Final = Code("E230", 'more than one model')
UNLISTED_MODEL: Final = Code("W231", 'model is not a known model name')
UNKNOWN_MODEL: Final = Code("E232", 'unknown model name')
MALFORMED_PARAMETER: Final = Code("E233", 'an http tool parameter is malformed')
UNDECLARED_REQUIRED: Final = Code("E234", 'required names an undeclared parameter')
RETIRED_MODEL: Final = Code("W236", "model is no longer in AI21's list")
UNDOCUMENTED_PARAMETER_KEY: Final = Code("W237", 'an http tool parameter has undocumented keys')
BAD_BUDGET: Final = Code("E240", 'budget is not low, medium or high')
BAD_INCLUDE: Final = Code("E241", 'include value is not data_sources or requirements_result')
BAD_LANGUAGE: Final = Code("E242", 'response language is not supported')
INCLUDE_REPEATED: Final = Code("W243", 'include value is repeated')
DATA_SOURCES_WITHOUT_TOOLS: Final = Code("W244", 'include data_sources without tools')
REQUIREMENTS_RESULT_WITHOUT_REQUIREMENTS: Final = Code("W245", 'include requirements_result without requirements')
BAD_OUTPUT_TYPE: Final = Code("E246", 'output_type is not a JSON Schema object')


# code -> Code, for the docs' table, the language server and `maestro explain`-style lookups.
ALL: Final[dict[str, Code]] = {c: c for c in globals().values() if isinstance(c, Code)}
