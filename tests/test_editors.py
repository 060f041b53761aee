"""The TextMate grammar under editors/: generated from the compiler's lists,
wired into the VS Code manifest, and colouring what the compiler accepts."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from maestro_spec.compiler import limits as L
from maestro_spec.compiler.parse import STATEMENT_KEYWORDS

from .conftest import EXAMPLES, ROOT

EDITORS = ROOT / "editors"
VSCODE = EDITORS / "vscode"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"editors_{name}", EDITORS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


build = _load("build_grammar")
highlight = _load("highlight")
GRAMMAR = highlight.Grammar.load()


def scopes_of(text: str) -> dict[str, str]:
    """token text -> its innermost scope (the first occurrence wins)."""
    out: dict[str, str] = {}
    for line in GRAMMAR.tokenize(text):
        for token, scopes in line:
            if token.strip():
                out.setdefault(token.strip(), scopes[-1])
    return out


def test_checked_in_grammar_is_generated_from_the_compilers_lists():
    assert build.GRAMMAR_PATH.read_text(encoding="utf-8") == build.render(), "run python editors/build_grammar.py"


def test_vscode_manifest_contributes_the_language_and_grammar():
    manifest = json.loads((VSCODE / "package.json").read_text())
    (language,) = manifest["contributes"]["languages"]
    (grammar,) = manifest["contributes"]["grammars"]
    assert language["extensions"] == [".maestro"]
    assert grammar["language"] == language["id"]
    assert grammar["scopeName"] == GRAMMAR.root_scope == "source.maestro"
    assert (VSCODE / grammar["path"]).resolve() == build.GRAMMAR_PATH.resolve()
    config = json.loads((VSCODE / language["configuration"]).read_text())
    assert config["comments"]["lineComment"] == "#"


@pytest.mark.parametrize(
    "keyword,values,scope",
    [
        ("budget", L.BUDGETS, "constant.language.budget.maestro"),
        ("language", L.LANGUAGES, "constant.language.response-language.maestro"),
        ("include", L.INCLUDE_FIELDS, "support.constant.include.maestro"),
        ("tool", L.TOOL_TYPES, "support.type.tool.maestro"),
        ("model", L.KNOWN_MODELS, "support.constant.model.maestro"),
    ],
)
def test_every_allowed_value_is_coloured_and_a_typo_is_marked(keyword, values, scope):
    for value in values:
        assert scopes_of(f"{keyword} {value}\n")[value] == scope
    typo = values[0][:-1] + "x"
    assert scopes_of(f"{keyword} {typo}\n")[typo].startswith("invalid.illegal.")


def test_keywords_strings_placeholders_comments_and_escapes():
    text = (
        "# a comment with \"quotes\"\n"
        'param tone = "friendly"\n'
        'input """\n'
        "    Say it in a {{tone}} tone, with \\\"escapes\\\" and \"\" two quotes.\n"
        '    """\n'
        'requirement "short" mandatory "At most {{ tone }} words. \\q"\n'
        "input {\n"
        '    user "Hi"  # greeting\n'
        "}\n"
        "tool file_search {\n"
        '    labels ["a", "b"]\n'
        "}\n"
    )
    s = scopes_of(text)
    for keyword in ("param", "input", "requirement", "tool"):
        assert s[keyword] == "keyword.other.statement.maestro"
    assert set(STATEMENT_KEYWORDS) == {"input", "requirement", "tool", "model", "budget", "include", "language", "system_prompt", "output_type", "param"}
    assert s["#"] == "punctuation.definition.comment.maestro"
    assert s['a comment with "quotes"'] == "comment.line.number-sign.maestro"
    assert s["tone"] == "variable.other.param.maestro"
    assert s['"""'] == "punctuation.definition.string.begin.maestro"
    assert s["Say it in a"] == "string.quoted.triple.maestro"
    assert s["{{"] == "punctuation.definition.placeholder.begin.maestro"
    assert s['\\"'] == "constant.character.escape.maestro"
    assert s["\\q"] == "invalid.illegal.escape.maestro"
    assert s["mandatory"] == "storage.modifier.mandatory.maestro"
    assert s["user"] == "entity.name.tag.role.maestro"
    assert s["labels"] == "variable.other.property.maestro"
    assert s["greeting"] == "comment.line.number-sign.maestro"


def test_triple_quoted_string_spans_lines_and_hides_keywords():
    lines = GRAMMAR.tokenize('input """\n    budget low # not a comment\n    """\nbudget low\n')
    inside = [scopes[-1] for _, scopes in lines[1]]
    assert set(inside) == {"string.quoted.triple.maestro"}
    assert lines[3][0][1][-1] == "keyword.other.statement.maestro"


@pytest.mark.parametrize("spec", sorted(EXAMPLES.glob("*.maestro")), ids=lambda p: p.stem)
def test_no_example_has_anything_marked_invalid(spec):
    for line in GRAMMAR.tokenize(spec.read_text(encoding="utf-8")):
        for token, scopes in line:
            assert not any(s.startswith("invalid.") for s in scopes), (token, scopes)


def test_html_rendering_colours_tokens():
    page = highlight.to_html([("x.maestro", "budget hihg\n")], GRAMMAR)
    assert f'color:{highlight.DARK_PLUS["invalid"]}' in page and ">hihg<" in page


def test_the_docs_show_the_screenshot():
    assert (ROOT / "docs" / "img" / "highlight.png").stat().st_size > 10_000
    assert "img/highlight.png" in (ROOT / "docs" / "authoring.md").read_text()


def test_todays_tools_are_coloured():
    text = (
        "tool http get_weather {\n"
        '    url "https://w.example.com"\n'
        '    headers { Authorization "Bearer {{env.TOKEN}}" }\n'
        '    parameter city string "The city" required\n'
        "}\n"
        "tool file_search { retrieval_strategy add_neighbors max_neighbors 2 }\n"
        "output_type { type \"object\" }\n"
    )
    s = scopes_of(text)
    assert s["get_weather"] == "entity.name.function.tool-label.maestro"
    assert s["url"] == "variable.other.property.maestro"
    assert s["Authorization"] == "variable.other.property.maestro"
    assert s["parameter"] == "keyword.other.parameter.maestro"
    assert s["string"] == "support.type.parameter.maestro"
    assert s["required"] == "storage.modifier.required.maestro"
    assert s["add_neighbors"] == "constant.other.enum.maestro"
    assert s["2"] == "constant.numeric.maestro"
    assert s["output_type"] == "keyword.other.statement.maestro"
