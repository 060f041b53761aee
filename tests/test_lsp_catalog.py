"""The server's one view of the vocabulary is the compiler's: every keyword
documented, every enum the checker's own list (so completion offers exactly
what `maestro check` accepts)."""

from __future__ import annotations

import re

import pytest

from maestro_spec.compiler import limits as L
from maestro_spec.compiler.pipeline import compile_text
from maestro_spec.compiler.parse import STATEMENT_KEYWORDS
from maestro_spec.grammar import GRAMMAR_PATH
from maestro_spec.lsp import catalog


def _grammar_statement_keywords() -> set[str]:
    """The keyword each statement of maestro.lark starts with, read from the
    grammar's text: a witness apart from the compiler's tables."""
    grammar = GRAMMAR_PATH.read_text(encoding="utf-8")
    alternatives = re.search(r"^_statement:(.*?)^\s*$", grammar, re.M | re.S).group(1)
    rules = re.findall(r"\b(\w+_stmt)\b", alternatives)
    return {re.search(rf'^{rule}:\s*"(\w+)"', grammar, re.M).group(1) for rule in rules}


def test_every_statement_keyword_of_the_grammar_is_offered_and_has_a_doc():
    assert len(_grammar_statement_keywords()) >= 10  # the regexes read the grammar
    assert set(catalog.KEYWORDS) == _grammar_statement_keywords()
    assert set(STATEMENT_KEYWORDS) <= set(catalog.KEYWORD_DOCS)


@pytest.mark.parametrize("keyword", sorted(set(catalog.VALUES) - {"tool"}))  # tools: below
def test_every_offered_value_is_accepted_by_the_checker(keyword):
    for value in catalog.VALUES[keyword]:
        compiled = compile_text(f'input "x"\n{keyword} {value}\n', require_values=False)
        errors = [d for d in compiled.diagnostics if d.is_error]
        assert not errors, (keyword, value, errors)
        assert catalog.value_doc(keyword, value) is not None


def _filled(body: str) -> str:
    body = re.sub(r"\$\{\d+:([^}]*)\}", r"\1", body)
    return re.sub(r"\$\{\d+\}", "https://example.com", body)


def _value_for(kind) -> str:
    if isinstance(kind, L.StrList):
        return '["example.com"]'
    if isinstance(kind, L.Bool):
        return "true"
    if isinstance(kind, L.Enum):
        return kind.choices[0]
    if isinstance(kind, (L.Int, L.Num)):
        return "1" if isinstance(kind, L.Int) else "0.5"
    if isinstance(kind, L.StrMap):
        return '{ X-Header "{{env.HOME}}" }'
    if isinstance(kind, L.Obj):
        return "{}"
    return '"https://example.com"'


SNIPPETS = {label: body for label, body, _ in catalog.snippets()}


def test_snippets_compile_once_filled():
    for label, body in SNIPPETS.items():
        compiled = compile_text('input "x"\n' + _filled(body) + "\n", require_values=False)
        errors = [d.code for d in compiled.diagnostics if d.is_error]
        assert not errors, (label, _filled(body), errors)
    assert {f"tool {t}" for t in L.TOOL_TYPES} <= set(SNIPPETS)


@pytest.mark.parametrize("tool", sorted(catalog.TOOL_FIELDS))
def test_every_offered_tool_field_is_accepted(tool):
    base = _filled(SNIPPETS[f"tool {tool}"])
    for keyword in catalog.TOOL_FIELDS[tool]:
        assert catalog.field_doc(tool, keyword) is not None
        if keyword == catalog.PARAMETER or f"\t{keyword} " in base:
            continue
        f = catalog.tool_field(tool, keyword)
        spec = 'input "x"\n' + base.replace("\n}", f"\n\t{keyword} {_value_for(f.kind)}\n}}")
        errors = [d for d in compile_text(spec, require_values=False).diagnostics if d.is_error]
        assert not errors, (tool, keyword, spec, errors)
        for v in catalog.field_values(tool, keyword):
            assert catalog.field_value_doc(tool, keyword, v) is not None
