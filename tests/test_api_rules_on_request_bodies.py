"""The API's rules on hand-written request bodies.

`check_request` judges a dict (findings carry a JSON path); `check_json_text`
judges JSON text (findings also carry the line and column of the value).
Every E2xx/W2xx code has a case here, and every limit is shown accepted at
its edge.
"""

from __future__ import annotations

import json

import pytest

from maestro_spec.compiler import limits as L
from maestro_spec.compiler.diagnostics import CODES, format_path
from maestro_spec.compiler.jsonbody import check_json_text
from maestro_spec.compiler.rules import check_request


def findings(body) -> list[tuple[str, str]]:
    return [(d.code, format_path(d.path)) for d in check_request(body)]


def one(body, code):
    found = [d for d in check_request(body) if d.code == code]
    assert len(found) == 1, f"expected one {code}, got {findings(body)}"
    return found[0]


def words(n: int) -> str:
    return " ".join(f"w{i}" for i in range(n))


def reqs(n: int) -> list[dict]:
    return [{"name": f"r{i}", "description": f"requirement number {i}"} for i in range(n)]


MCP = {"type": "mcp", "server_label": "github", "server_url": "https://mcp.example.com/sse"}


def http_tool(description="Current weather", parameters=..., url="https://weather.example.com/api"):
    function = {"name": "get_weather", "description": description}
    function["parameters"] = {"type": "object", "properties": {"city": {"type": "string", "description": "The city"}}, "required": ["city"]} if parameters is ... else parameters
    tool = {"type": "http", "function": {k: v for k, v in function.items() if v is not None}, "endpoint": {"url": url}}
    return tool


OK_BODY = {
    "input": "Extract vendor name, invoice number, total amount, and due date from the document",
    "requirements": [
        {"name": "field presence validation", "description": "Ensure all required fields are extracted and not left empty", "is_mandatory": True},
        {"name": "format consistency", "description": "Dates must follow YYYY-MM-DD and amounts should be in USD format."},
    ],
    "include": ["requirements_result"],
}


# (id, body, code, JSON path of the finding)
CASES = [
    ("body-is-list", [], "E200", ""),
    ("body-is-string", "input", "E200", ""),
    ("body-is-null", None, "E200", ""),
    ("no-input", {}, "E201", "input"),
    ("empty-input", {"input": ""}, "E202", "input"),
    ("blank-input", {"input": " \n\t "}, "E202", "input"),
    ("no-messages", {"input": []}, "E202", "input"),
    ("empty-message", {"input": [{"role": "user", "content": "  "}]}, "E202", "input[0].content"),
    ("input-number", {"input": 3}, "E203", "input"),
    ("input-object", {"input": {"role": "user", "content": "x"}}, "E203", "input"),
    ("message-not-object", {"input": ["hello"]}, "E203", "input[0]"),
    ("message-without-role", {"input": [{"content": "x"}]}, "E203", "input[0].role"),
    ("message-without-content", {"input": [{"role": "user"}]}, "E203", "input[0].content"),
    ("content-not-string", {"input": [{"role": "user", "content": ["x"]}]}, "E203", "input[0].content"),
    ("requirements-object", {"input": "x", "requirements": {"name": "a"}}, "E203", "requirements"),
    ("requirement-not-object", {"input": "x", "requirements": ["be brief"]}, "E203", "requirements[0]"),
    ("name-not-string", {"input": "x", "requirements": [{"name": 1, "description": "d"}]}, "E203", "requirements[0].name"),
    ("is-mandatory-string", {"input": "x", "requirements": [{"name": "a", "description": "d", "is_mandatory": "yes"}]}, "E203", "requirements[0].is_mandatory"),
    ("is-mandatory-number", {"input": "x", "requirements": [{"name": "a", "description": "d", "is_mandatory": 1}]}, "E203", "requirements[0].is_mandatory"),
    ("tools-object", {"input": "x", "tools": {"type": "web_search"}}, "E203", "tools"),
    ("tool-string", {"input": "x", "tools": ["web_search"]}, "E203", "tools[0]"),
    ("tool-without-type", {"input": "x", "tools": [{}]}, "E226", "tools[0].type"),
    ("tool-resources-list", {"input": "x", "tools": [{"type": "web_search"}], "tool_resources": []}, "E203", "tool_resources"),
    ("web-resources-list", {"input": "x", "tools": [{"type": "web_search"}], "tool_resources": {"web_search": ["a.com"]}}, "E203", "tool_resources.web_search"),
    ("urls-string", {"input": "x", "tools": [{"type": "web_search"}], "tool_resources": {"web_search": {"urls": "a.com"}}}, "E203", "tool_resources.web_search.urls"),
    ("url-number", {"input": "x", "tools": [{"type": "web_search"}], "tool_resources": {"web_search": {"urls": ["a.com", 7]}}}, "E203", "tool_resources.web_search.urls[1]"),
    ("labels-string", {"input": "x", "tools": [{"type": "file_search"}], "tool_resources": {"file_search": {"labels": "finance"}}}, "E203", "tool_resources.file_search.labels"),
    ("file-id-number", {"input": "x", "tools": [{"type": "file_search"}], "tool_resources": {"file_search": {"file_ids": [1]}}}, "E203", "tool_resources.file_search.file_ids[0]"),
    ("models-string", {"input": "x", "models": "jamba-large"}, "E203", "models"),
    ("models-empty", {"input": "x", "models": []}, "E203", "models"),
    ("model-number", {"input": "x", "models": [1]}, "E203", "models[0]"),
    ("budget-number", {"input": "x", "budget": 3}, "E203", "budget"),
    ("budget-null", {"input": "x", "budget": None}, "E203", "budget"),
    ("include-string", {"input": "x", "include": "data_sources"}, "E203", "include"),
    ("include-item-number", {"input": "x", "include": [1]}, "E203", "include[0]"),
    ("language-number", {"input": "x", "response_language": 1}, "E203", "response_language"),
    ("role-system", {"input": [{"role": "system", "content": "x"}]}, "E204", "input[0].role"),
    ("role-usr", {"input": [{"role": "usr", "content": "x"}]}, "E204", "input[0].role"),
    ("two-users", {"input": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]}, "E205", "input[1].role"),
    ("two-assistants", {"input": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "assistant", "content": "c"}]}, "E205", "input[2].role"),
    ("unknown-top-field", {"input": "x", "model": ["jamba-large"]}, "E206", "model"),
    ("unknown-message-field", {"input": [{"role": "user", "content": "x", "name": "bob"}]}, "E206", "input[0].name"),
    ("unknown-requirement-field", {"input": "x", "requirements": [{"name": "a", "description": "d", "mandatory": True}]}, "E206", "requirements[0].mandatory"),
    ("unknown-tool-field", {"input": "x", "tools": [{"type": "web_search", "labels": ["a"]}]}, "E206", "tools[0].labels"),
    ("unknown-mcp-field", {"input": "x", "tools": [MCP | {"alowed_tools": ["a"]}]}, "E206", "tools[0].alowed_tools"),
    ("unknown-resource-field", {"input": "x", "tools": [{"type": "web_search"}], "tool_resources": {"web_search": {"labels": ["a"]}}}, "E206", "tool_resources.web_search.labels"),
    ("eleven-requirements", {"input": "x", "requirements": reqs(11)}, "E210", "requirements[10]"),
    ("129-words", {"input": "x", "requirements": [{"name": "a", "description": words(129)}]}, "E211", "requirements[0].description"),
    ("duplicate-name", {"input": "x", "requirements": [{"name": "a", "description": "d"}, {"name": "a", "description": "e"}]}, "E212", "requirements[1].name"),
    ("requirement-without-name", {"input": "x", "requirements": [{"description": "d"}]}, "E213", "requirements[0].name"),
    ("requirement-without-description", {"input": "x", "requirements": [{"name": "a"}]}, "E213", "requirements[0].description"),
    ("empty-name", {"input": "x", "requirements": [{"name": "", "description": "d"}]}, "E213", "requirements[0].name"),
    ("blank-description", {"input": "x", "requirements": [{"name": "a", "description": "   "}]}, "E213", "requirements[0].description"),
    ("requirements-with-tools", {"input": "x", "requirements": reqs(1), "tools": [{"type": "web_search"}]}, "W214", "requirements"),
    ("unknown-tool", {"input": "x", "tools": [{"type": "browser"}]}, "E220", "tools[0].type"),
    ("tool-typo", {"input": "x", "tools": [{"type": "htp"}]}, "E220", "tools[0].type"),
    ("unknown-resource-tool", {"input": "x", "tool_resources": {"browser": {}}}, "E220", "tool_resources.browser"),
    ("web-resources-without-tool", {"input": "x", "tool_resources": {"web_search": {"urls": ["a.com"]}}}, "E221", "tool_resources.web_search"),
    ("file-resources-for-web-tool", {"input": "x", "tools": [{"type": "web_search"}], "tool_resources": {"file_search": {"labels": ["a"]}}}, "E221", "tool_resources.file_search"),
    ("ftp-url", {"input": "x", "tools": [{"type": "web_search"}], "tool_resources": {"web_search": {"urls": ["ftp://example.com"]}}}, "E222", "tool_resources.web_search.urls[0]"),
    ("tool-twice", {"input": "x", "tools": [{"type": "web_search"}, {"type": "web_search"}]}, "E223", "tools[1].type"),
    ("two-models", {"input": "x", "models": ["jamba-large", "jamba-mini"]}, "E230", "models[1]"),
    ("byok-model", {"input": "x", "models": ["my-org-claude"]}, "W231", "models[0]"),
    ("budget-typo", {"input": "x", "budget": "hihg"}, "E240", "budget"),
    ("include-typo", {"input": "x", "tools": [{"type": "web_search"}], "include": ["data_source"]}, "E241", "include[0]"),
    ("language-typo", {"input": "x", "response_language": "frensh"}, "E242", "response_language"),
    ("language-code", {"input": "x", "response_language": "fr"}, "E242", "response_language"),
    ("include-twice", {"input": "x", "tools": [{"type": "web_search"}], "include": ["data_sources", "data_sources"]}, "W243", "include[1]"),
    ("data-sources-without-tools", {"input": "x", "include": ["data_sources"]}, "W244", "include[0]"),
    ("requirements-result-without-requirements", {"input": "x", "include": ["requirements_result"]}, "W245", "include[0]"),
    # today's API: tool settings in their tools[] item, http and mcp tools
    ("undocumented-field", {"input": "x", "verbose": True}, "W207", "verbose"),
    ("undocumented-tool-field", {"input": "x", "tools": [{"type": "web_search", "fallback_to_web": True}]}, "W207", "tools[0].fallback_to_web"),
    ("sdk-spelling", {"input": "x", "tools": [http_tool(parameters={"type": "object", "properties": {}, "additional_properties": False})]}, "W208", "tools[0].function.parameters.additional_properties"),
    ("item-url-form", {"input": "x", "tools": [{"type": "web_search", "urls": ["ftp://x.com"]}]}, "E222", "tools[0].urls[0]"),
    ("filter-mode", {"input": "x", "tools": [{"type": "file_search", "labels_filter_mode": "XOR"}]}, "E224", "tools[0].labels_filter_mode"),
    ("strategy", {"input": "x", "tools": [{"type": "file_search", "retrieval_strategy": "neighbours"}]}, "E224", "tools[0].retrieval_strategy"),
    ("threshold-range", {"input": "x", "tools": [{"type": "file_search", "retrieval_similarity_threshold": 1.5}]}, "E224", "tools[0].retrieval_similarity_threshold"),
    ("neighbors-negative", {"input": "x", "tools": [{"type": "file_search", "max_neighbors": -1}]}, "E224", "tools[0].max_neighbors"),
    ("neighbors-float", {"input": "x", "tools": [{"type": "file_search", "max_neighbors": 1.5}]}, "E203", "tools[0].max_neighbors"),
    ("rephrase-string", {"input": "x", "tools": [{"type": "web_search", "rephrase_query": "yes"}]}, "E203", "tools[0].rephrase_query"),
    ("headers-list", {"input": "x", "tools": [MCP | {"headers": ["a"]}]}, "E203", "tools[0].headers"),
    ("header-number", {"input": "x", "tools": [MCP | {"headers": {"X": 1}}]}, "E203", "tools[0].headers.X"),
    ("legacy-resources", {"input": "x", "tools": [{"type": "web_search"}], "tool_resources": {"web_search": {"urls": ["a.com"]}}}, "W225", "tool_resources.web_search"),
    ("mcp-without-url", {"input": "x", "tools": [{"type": "mcp", "server_label": "gh"}]}, "E226", "tools[0].server_url"),
    ("mcp-without-label", {"input": "x", "tools": [{"type": "mcp", "server_url": "https://m.example.com"}]}, "E226", "tools[0].server_label"),
    ("http-without-endpoint", {"input": "x", "tools": [{"type": "http", "function": http_tool()["function"]}]}, "E226", "tools[0].endpoint"),
    ("http-without-description", {"input": "x", "tools": [http_tool(description=None)]}, "E226", "tools[0].function.description"),
    ("http-without-parameters", {"input": "x", "tools": [http_tool(parameters=None)]}, "E226", "tools[0].function.parameters"),
    ("empty-system-prompt", {"input": "x", "system_prompt": " "}, "E226", "system_prompt"),
    ("same-label", {"input": "x", "tools": [MCP, MCP]}, "E227", "tools[1].server_label"),
    ("same-function", {"input": "x", "tools": [http_tool(), http_tool()]}, "E227", "tools[1].function.name"),
    ("relative-url", {"input": "x", "tools": [MCP | {"server_url": "/sse"}]}, "E228", "tools[0].server_url"),
    ("loopback-url", {"input": "x", "tools": [http_tool(url="http://127.0.0.1:8080/w")]}, "W229", "tools[0].endpoint.url"),
    ("plain-http-url", {"input": "x", "tools": [MCP | {"server_url": "http://mcp.example.com"}]}, "W229", "tools[0].server_url"),
    ("parameter-without-type", {"input": "x", "tools": [http_tool(parameters={"type": "object", "properties": {"city": {"description": "c"}}})]}, "E233", "tools[0].function.parameters.properties.city.type"),
    ("parameters-not-object", {"input": "x", "tools": [http_tool(parameters={"type": "array"})]}, "E233", "tools[0].function.parameters.type"),
    ("required-undeclared", {"input": "x", "tools": [http_tool(parameters={"type": "object", "properties": {}, "required": ["city"]})]}, "E234", "tools[0].function.parameters.required[0]"),
    ("legacy-model", {"input": "x", "models": ["mistral-7b"]}, "W236", "models[0]"),
    ("parameter-enum", {"input": "x", "tools": [http_tool(parameters={"type": "object", "properties": {"u": {"type": "string", "description": "d", "enum": ["c"]}}})]}, "W237", "tools[0].function.parameters.properties.u.enum"),
    ("output-type-string", {"input": "x", "output_type": "json"}, "E246", "output_type"),
    ("output-type-bad-type", {"input": "x", "output_type": {"type": "obj"}}, "E246", "output_type.type"),
]


@pytest.mark.parametrize("body, code, path", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_rule_reports_its_code_at_its_json_path(body, code, path):
    assert (code, path) in findings(body)


@pytest.mark.parametrize("body, code, path", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule_holds_for_json_text_too(body, code, path):
    """The same body written as JSON text: the same finding, now placed."""
    text = json.dumps(body, indent=2)
    compiled = check_json_text(text)
    placed = [d for d in compiled.diagnostics if d.code == code and format_path(d.path) == path]
    assert placed, [(d.code, format_path(d.path)) for d in compiled.diagnostics]
    assert placed[0].span is not None and 1 <= placed[0].span.line <= text.count("\n") + 1


def test_every_api_code_has_a_case():
    # E232 is W231 said of an unquoted model name: a spec-only distinction
    # (tests/test_api_rules_on_spec_text.py).
    api_codes = {code for code in CODES if code[1] == "2"} - {"E232"}
    assert api_codes - {c[2] for c in CASES} == set()


# ------------------------------------------------------------- valid bodies


def test_the_references_example_is_clean():
    assert check_request(OK_BODY) == []


@pytest.mark.parametrize(
    "body",
    [
        {"input": "x"},
        {"input": [{"role": "user", "content": "hi"}]},
        {"input": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}]},
        {"input": "x", "requirements": reqs(L.MAX_REQUIREMENTS)},
        {"input": "x", "requirements": [{"name": "a", "description": words(L.MAX_DESCRIPTION_WORDS)}]},
        {"input": "x", "requirements": [{"name": "a", "description": "d", "is_mandatory": False}]},
        {"input": "x", "requirements": []},
        {"input": "x", "tools": [{"type": "file_search"}, {"type": "web_search"}], "include": ["data_sources"]},
        {"input": "x", "tools": [{"type": "file_search", "labels": ["finance", "2024"], "file_ids": ["file-1"]}]},
        {"input": "x", "tools": [{"type": "web_search", "urls": list(L.URL_PREFIX_FORMS)}]},
        {"input": "x", "tools": [{"type": "web_search"}], "tool_resources": {"web_search": None}},
        {
            "input": "x",
            "tools": [
                {"type": "web_search", "urls": ["example.com"], "query_suffix": "2026", "rephrase_query": True, "use_cached_pages": False},
                {
                    "type": "file_search",
                    "labels": ["a"],
                    "labels_filter_mode": "OR",
                    "labels_filter": {"label": "a"},
                    "file_ids": ["f"],
                    "retrieval_strategy": "add_neighbors",
                    "max_neighbors": 2,
                    "retrieval_similarity_threshold": 0.5,
                },
                http_tool(),
                MCP | {"headers": {"Authorization": "Bearer t"}, "allowed_tools": ["list_commits"]},
                MCP | {"server_label": "other"},
            ],
            "system_prompt": "You are terse.",
            "output_type": {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
            "response_language": "unset",
        },
        {"input": "x", "tools": [http_tool(parameters={"type": "object", "properties": {}, "additionalProperties": False})]},
        {"input": "x", "models": None, "tools": None, "tool_resources": None, "requirements": None, "include": None, "response_language": None},
        {"input": "x", "include": []},
        *({"input": "x", "models": [m]} for m in L.KNOWN_MODELS),
        *({"input": "x", "budget": b} for b in L.BUDGETS),
        *({"input": "x", "response_language": lang} for lang in L.LANGUAGES),
    ],
)
def test_valid_body_has_no_findings(body):
    assert findings(body) == []


def test_exactly_ten_requirements_and_128_words_are_accepted():
    body = {"input": "x", "requirements": [{"name": f"r{i}", "description": words(128)} for i in range(10)]}
    assert check_request(body) == []


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com",
        "example.com",
        "example.com/page",
        "sub.example.com",
        "https://docs.python.org/3/library",
        "discuss.python.org/c/core-dev",
        "a-b.example.co.uk",
    ],
)
def test_accepted_url_prefixes(url):
    body = {"input": "x", "tools": [{"type": "web_search", "urls": [url]}]}
    assert findings(body) == []


@pytest.mark.parametrize(
    "url",
    ["", "localhost", "example", "ftp://example.com", "http://example.com", "https://", "exa mple.com", "example.com?q=1", "-bad.example.com", "https://example.com#top"],
)
def test_rejected_url_prefixes(url):
    body = {"input": "x", "tools": [{"type": "web_search", "urls": ["a.com", url]}]}
    d = one(body, "E222")
    assert d.path == ("tools", 0, "urls", 1)
    assert repr(url) in d.message
    assert "https://example.com" in d.hint


# ----------------------------------------------------- messages and hints


def test_count_is_in_the_too_many_requirements_message():
    d = one({"input": "x", "requirements": reqs(12)}, "E210")
    assert "12 requirements" in d.message and "at most 10" in d.message


def test_word_count_is_in_the_description_message():
    d = one({"input": "x", "requirements": [{"name": "a", "description": words(129)}]}, "E211")
    assert "129 words" in d.message and "at most 128" in d.message


def test_words_are_counted_across_any_whitespace():
    description = "\n".join(words(64).split()) + "\t\t" + words(65)
    d = one({"input": "x", "requirements": [{"name": "a", "description": description}]}, "E211")
    assert "129 words" in d.message


def test_duplicate_name_refers_to_the_first():
    d = one({"input": "x", "requirements": [{"name": "a", "description": "d"}, {"name": "b", "description": "d"}, {"name": "a", "description": "e"}]}, "E212")
    assert d.path == ("requirements", 2, "name")
    assert [r.path for r in d.related] == [("requirements", 0, "name")]


def test_requirements_with_tools_points_at_the_tools():
    d = one({"input": "x", "requirements": reqs(1), "tools": [{"type": "file_search"}]}, "W214")
    assert [r.path for r in d.related] == [("tools",)]
    assert "ignored" in d.message and d.severity == "warning"


def test_tool_listed_twice_refers_to_the_first():
    d = one({"input": "x", "tools": [{"type": "web_search"}, {"type": "file_search"}, {"type": "web_search"}]}, "E223")
    assert d.path == ("tools", 2, "type") and [r.path for r in d.related] == [("tools", 0)]


def test_an_unknown_tool_with_resources_is_reported_once():
    body = {"input": "x", "tools": [{"type": "websearch"}], "tool_resources": {"websearch": {"urls": ["a.com"]}}}
    assert [c for c, _ in findings(body)] == ["E220"]


def test_urls_given_as_a_string_is_one_finding():
    # Not one E222 per character of the string.
    body = {"input": "x", "tools": [{"type": "web_search", "urls": "a.com"}]}
    assert findings(body) == [("E203", "tools[0].urls")]


def test_a_null_role_is_not_an_unknown_role():
    assert ("E203", "input[0]") not in findings({"input": [{"role": None, "content": "x"}]})
    assert ("E204", "input[0].role") in findings({"input": [{"role": None, "content": "x"}]})


@pytest.mark.parametrize(
    "body, code, hint",
    [
        ({"input": "x", "budget": "hihg"}, "E240", "did you mean 'high'?"),
        ({"input": "x", "budget": "HIGH"}, "E240", "did you mean 'high'?"),
        ({"input": "x", "response_language": "French"}, "E242", "did you mean 'french'?"),
        ({"input": "x", "response_language": "portugese"}, "E242", "did you mean 'portuguese'?"),
        ({"input": "x", "tools": [{"type": "web"}]}, "E220", "did you mean 'web_search'?"),
        ({"input": "x", "tools": [{"type": "filesearch"}]}, "E220", "did you mean 'file_search'?"),
        ({"input": "x", "models": ["jamba-larg"]}, "W231", "did you mean 'jamba-large'?"),
        ({"input": "x", "models": ["jamba_mini"]}, "W231", "did you mean 'jamba-mini'?"),
        ({"input": "x", "include": ["requirement_result"]}, "E241", "did you mean 'requirements_result'?"),
        ({"input": [{"role": "asistant", "content": "x"}]}, "E204", "did you mean 'assistant'?"),
        ({"input": "x", "model": ["jamba-mini"]}, "E206", "did you mean 'models'?"),
        ({"input": "x", "language": "french"}, "E206", "did you mean 'response_language'?"),
        ({"input": "x", "budget": "enormous"}, "E240", None),
        ({"input": "x", "requirements": [{"name": "a", "description": "d", "mandatory": True}]}, "E206", "did you mean 'is_mandatory'?"),
        ({"input": "x", "tools": [{"type": "web_search", "labels": []}]}, "E206", "'labels' is a setting of the file_search tool"),
        ({"input": "x", "tools": [MCP | {"alowed_tools": []}]}, "E206", "did you mean 'allowed_tools'?"),
        ({"input": "x", "tools": [{"type": "file_search", "retrieval_strategy": "full_docs"}]}, "E224", "did you mean 'full_doc'?"),
        ({"input": "x", "tools": [http_tool(parameters={"type": "object", "properties": {"city": {"type": "string", "description": "c"}}, "required": ["cty"]})]}, "E234", "did you mean 'city'?"),
    ],
)
def test_near_misses_get_a_hint(body, code, hint):
    assert one(body, code).hint == hint


def test_byok_model_warning_without_a_near_miss_has_no_hint():
    d = one({"input": "x", "models": ["my-org-finetune-v2"]}, "W231")
    assert d.hint is None and d.severity == "warning"
    assert "bring-your-own-key" in d.message


def test_messages_say_what_the_api_allows():
    assert "low, medium, high" in one({"input": "x", "budget": "max"}, "E240").message
    assert "data_sources, requirements_result" in one({"input": "x", "include": ["all"]}, "E241").message
    assert ", ".join(L.LANGUAGES) in one({"input": "x", "response_language": "klingon"}, "E242").message
    assert ", ".join(L.TOOL_TYPES) in one({"input": "x", "tools": [{"type": "browser"}]}, "E220").message
    assert "user or assistant" in one({"input": [{"role": "system", "content": "x"}]}, "E204").message
    assert "single model" in one({"input": "x", "models": ["a", "b"]}, "E230").message


def test_all_findings_are_collected_not_only_the_first():
    body = {
        "input": [{"role": "user", "content": "a"}, {"role": "user", "content": ""}],
        "requirements": reqs(11),
        "tools": [{"type": "browser"}],
        "models": ["jamba-large", "gpt-4o"],
        "budget": "max",
        "include": ["everything"],
        "response_language": "latin",
    }
    codes = {code for code, _ in findings(body)}
    assert {"E202", "E205", "E210", "E220", "E230", "E240", "E241", "E242"} <= codes


def test_severities():
    assert one({"input": "x", "include": ["data_sources"]}, "W244").severity == "warning"
    assert one({"input": "x", "budget": "max"}, "E240").severity == "error"
    assert one({"input": "x", "budget": "max"}, "E240").is_error


# ---------------------------------------------------------------- JSON text

INVOICE_JSON = """\
{
  "input": "Extract the fields",
  "requirements": [
    {"name": "a", "description": "first"},
    {"name": "b", "description": "second"},
    {"name": "c", "description": "third"},
    {"name": "d", "description": ""}
  ],
  "budget": "hihg",
  "include": ["requirements_result"],
  "wat": 1
}
"""


def test_json_text_findings_have_path_line_and_column():
    compiled = check_json_text(INVOICE_JSON)
    got = [(d.code, format_path(d.path), d.span.line, d.span.column) for d in compiled.diagnostics]
    assert got == [
        ("E213", "requirements[3].description", 7, 34),
        ("E240", "budget", 9, 13),
        ("E206", "wat", 11, 10),
    ]
    assert compiled.request == json.loads(INVOICE_JSON)


def test_json_text_span_covers_the_value():
    compiled = check_json_text(INVOICE_JSON)
    d = next(d for d in compiled.diagnostics if d.code == "E240")
    assert (d.span.line, d.span.column, d.span.end_line, d.span.end_column) == (9, 13, 9, 19)
    assert INVOICE_JSON[d.span.start_pos : d.span.end_pos] == '"hihg"'


def test_json_text_related_is_placed_too():
    text = '{\n  "input": "x",\n  "requirements": [\n    {"name": "same", "description": "d"},\n    {"name": "same", "description": "e"}\n  ]\n}\n'
    (d,) = check_json_text(text).diagnostics
    assert (d.code, d.span.line, d.span.column) == ("E212", 5, 14)
    assert (d.related[0].span.line, d.related[0].span.column) == (4, 14)


def test_json_text_multiline_value_span():
    text = '{"input": [\n  {"role": "user", "content": "a"},\n  {"role": "user",\n   "content": "b"}\n]}'
    (d,) = check_json_text(text).diagnostics
    assert (d.code, format_path(d.path), d.span.line, d.span.column) == ("E205", "input[1].role", 3, 12)


def test_json_text_whole_body_findings_point_at_the_body():
    (d,) = check_json_text('\n  {"budget": "low"}').diagnostics
    assert (d.code, d.span.line, d.span.column) == ("E201", 2, 3)
    (d,) = check_json_text('["input"]').diagnostics
    assert (d.code, d.span.line, d.span.column) == ("E200", 1, 1)


def test_json_duplicate_keys_use_the_last_value_like_json_loads():
    (d,) = check_json_text('{"input": "x",\n "budget": "low",\n "budget": "max"}').diagnostics
    assert (d.code, d.span.line) == ("E240", 3)


@pytest.mark.parametrize(
    "text, line, column",
    [
        ('{"input": "x",}', 1, 15),
        ('{"input": "x"', 1, 14),
        ('{\n  "input": "x"\n  "budget": "low"\n}', 3, 3),
        ("", 1, 1),
        ("{'input': 'x'}", 1, 2),
        ('{"input": "x"} trailing', 1, 16),
        ('{"input": "a\nb"}', 1, 13),
    ],
)
def test_invalid_json_is_e005_with_position(text, line, column):
    compiled = check_json_text(text)
    assert compiled.request is None
    (d,) = compiled.diagnostics
    assert (d.code, d.span.line, d.span.column) == ("E005", line, column)
    assert d.message.startswith("invalid JSON: ")


def test_lone_surrogate_is_invalid_json_not_a_crash():
    compiled = check_json_text('{"input": "x",\n "\\ud800": 1}')
    (d,) = compiled.diagnostics
    assert (d.code, d.span.line, d.span.column) == ("E005", 2, 2)
    # A pair is one character and fine; an escaped backslash is not an escape.
    assert check_json_text('{"input": "\\ud83d\\ude00 \\\\ud800"}').diagnostics == []


def test_absurd_nesting_is_a_diagnostic():
    (d,) = check_json_text("[" * 100_000 + "]" * 100_000).diagnostics
    assert d.code == "E005"


def test_json_literals_and_numbers_are_located():
    text = '{"input": "x",\n "requirements": [{"name": "a", "description": "b", "is_mandatory": null}],\n "budget": 1.5e3}'
    got = [(d.code, format_path(d.path), d.span.line, d.span.column) for d in check_json_text(text).diagnostics]
    assert got == [("E203", "requirements[0].is_mandatory", 2, 69), ("E203", "budget", 3, 12)]


def test_bom_and_unicode_columns():
    # Columns count characters, not bytes.
    text = '{"input": "héllo wörld", "budget": "hihg"}'
    (d,) = check_json_text(text).diagnostics
    assert d.span.column == text.index('"hihg"') + 1


@pytest.mark.parametrize("text, word, column", [('{"input": "NaN", "budget": NaN}', "NaN", 28), ('{"input": "x", "n": -Infinity}', "-Infinity", 21)])
def test_nan_and_infinity_are_not_json(text, word, column):
    # json.loads takes them; the API (and every strict parser) would not.
    compiled = check_json_text(text)
    (d,) = compiled.diagnostics
    assert (d.code, d.span.line, d.span.column) == ("E005", 1, column)
    assert f"{word} is not a JSON number" in d.message
    assert compiled.request is None


# ------------------------------------------------------------ today's API


def test_legacy_tool_resources_pass_with_a_warning_that_says_how_to_move_them():
    body = {"input": "x", "tools": [{"type": "web_search"}], "tool_resources": {"web_search": {"urls": ["example.com"]}}}
    found = check_request(body)
    assert [d.code for d in found] == ["W225"]
    assert '{"type": "web_search", "urls": ["example.com"]}' in found[0].hint


def test_legacy_resources_are_still_judged():
    body = {"input": "x", "tools": [{"type": "web_search"}], "tool_resources": {"web_search": {"urls": ["ftp://x.com"]}}}
    assert ("E222", "tool_resources.web_search.urls[0]") in findings(body)


def test_a_loopback_tool_url_says_why_the_cloud_cannot_reach_it():
    d = one({"input": "x", "tools": [MCP | {"server_url": "http://localhost:9000/mcp"}]}, "W229")
    assert "AI21's cloud cannot reach" in d.message and "--call-tools" in d.hint


def test_any_number_of_http_and_mcp_tools_but_one_of_each_search_tool():
    body = {"input": "x", "tools": [MCP, MCP | {"server_label": "b"}, http_tool(), {"type": "web_search"}, {"type": "file_search"}]}
    assert findings(body) == []
    assert ("E223", "tools[1].type") in findings({"input": "x", "tools": [{"type": "file_search"}, {"type": "file_search"}]})


def test_same_label_refers_to_the_first():
    d = one({"input": "x", "tools": [MCP, http_tool(), MCP]}, "E227")
    assert [r.path for r in d.related] == [("tools", 0, "server_label")]


def test_a_label_may_repeat_across_tool_types():
    # An mcp server and an http function are different namespaces.
    tool = http_tool()
    tool["function"]["name"] = "github"
    assert findings({"input": "x", "tools": [MCP, tool]}) == []


def test_undocumented_fields_are_warnings_never_errors():
    body = {"input": "x", "verbose": True, "stream": False, "variant": "main", "tools": [{"type": "file_search", "hybrid_search_alpha": 0.5, "path": "/a"}]}
    assert {d.severity for d in check_request(body)} == {"warning"}
