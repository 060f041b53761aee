"""The API is described once (limits.py): a new tool type or option is a
table entry, and the checker, emitter, fmt and decompile take it from there
with no change of their own."""

from __future__ import annotations

import pytest

from maestro_spec.compiler import limits as L
from maestro_spec.compiler.pipeline import compile_text
from maestro_spec.compiler.decompile import decompile
from maestro_spec.compiler.fmt import format_text
from maestro_spec.compiler.rules import check_request

CODE_SEARCH = L.ToolType(
    "code_search",
    "Search a code host (a tool type made up for this test).",
    (
        L.Field("repo_label", L.Str(nonblank=True), "The repository.", required=True, keyword=None),
        L.Field("branches", L.StrList(), "Only these branches."),
        L.Field("depth", L.Int(min=1, max=5), "How deep to search.", default=1),
        L.Field("mode", L.Enum(("exact", "fuzzy")), "How to match."),
        L.Field("token", L.StrMap(), "Credentials.", secret=True),
    ),
    label=("repo_label",),
    label_doc="the repository's label",
)


@pytest.fixture
def code_search(monkeypatch):
    monkeypatch.setitem(L.TOOLS, "code_search", CODE_SEARCH)
    monkeypatch.setattr(L, "TOOL_TYPES", tuple(L.TOOLS))


def test_a_new_tool_type_compiles_checks_formats_and_decompiles(code_search):
    spec = 'input "x"\ntool code_search core { branches ["main"] depth 3 mode fuzzy }\n'
    compiled = compile_text(spec)
    assert compiled.diagnostics == []
    item = {"type": "code_search", "repo_label": "core", "branches": ["main"], "depth": 3, "mode": "fuzzy"}
    assert compiled.request["tools"] == [item]
    assert check_request(compiled.request) == []
    back = decompile(compiled.request)
    assert compile_text(back).request == compiled.request
    assert format_text(back).text == back


def test_a_new_tool_types_rules_come_from_its_kinds(code_search):
    compiled = compile_text('input "x"\ntool code_search { depht 9 mode exakt }\n')
    found = {(d.code, d.hint) for d in compiled.diagnostics}
    assert ("E206", "did you mean 'depth'?") in found
    assert ("E224", "did you mean 'exact'?") in found
    assert any(d.code == "E226" and "repository's label" in d.message for d in compiled.diagnostics)
    body = {"input": "x", "tools": [{"type": "code_search", "repo_label": "a", "depth": 9}]}
    assert [(d.code, d.path) for d in check_request(body)] == [("E224", ("tools", 0, "depth"))]


def test_a_new_secret_field_is_redacted(code_search):
    from maestro_spec.compiler.credentials import redact_request, secret_values

    monkey = {"code_search": (("token",),)}
    from maestro_spec.compiler import credentials

    old = credentials._SECRET_MAPS
    credentials._SECRET_MAPS = {**old, **monkey}
    try:
        body = {"input": "x", "tools": [{"type": "code_search", "repo_label": "a", "token": {"Authorization": "s3cret"}}]}
        assert secret_values(body) == ["s3cret"]
        assert "s3cret" not in str(redact_request(body))
    finally:
        credentials._SECRET_MAPS = old
