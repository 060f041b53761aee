"""The server's one view of the vocabulary is the compiler's: every keyword
documented, every enum the checker's own list (so completion offers exactly
what `maestro check` accepts)."""

from __future__ import annotations

import re

import pytest

from maestro_spec.compiler.check import compile_text
from maestro_spec.compiler.parse import STATEMENT_KEYWORDS
from maestro_spec.lsp import catalog


def test_every_statement_keyword_has_a_doc():
    assert catalog.KEYWORDS == STATEMENT_KEYWORDS
    assert set(STATEMENT_KEYWORDS) <= set(catalog.KEYWORD_DOCS)


@pytest.mark.parametrize("keyword", sorted(catalog.VALUES))
def test_every_offered_value_is_accepted_by_the_checker(keyword):
    for value in catalog.VALUES[keyword]:
        compiled = compile_text(f'input "x"\n{keyword} {value}\n', require_values=False)
        errors = [d for d in compiled.diagnostics if d.is_error]
        assert not errors, (keyword, value, errors)
        assert catalog.value_doc(keyword, value) is not None


@pytest.mark.parametrize("tool", sorted(catalog.TOOL_FIELDS))
def test_every_offered_tool_field_is_accepted(tool):
    fields = "".join(f'  {f} ["example.com"]\n' for f in catalog.TOOL_FIELDS[tool])
    compiled = compile_text(f'input "x"\ntool {tool} {{\n{fields}}}\n', require_values=False)
    assert not [d for d in compiled.diagnostics if d.is_error]


def test_snippets_compile_once_filled():
    for label, body, _ in catalog.snippets():
        filled = re.sub(r"\$\{\d+:([^}]*)\}", r"\1", body)
        filled = re.sub(r"\$\{\d+\}", "example.com", filled)
        compiled = compile_text('input "x"\n' + filled + "\n", require_values=False)
        errors = [d.code for d in compiled.diagnostics if d.is_error and d.code != "E214"]
        assert not errors, (label, filled, errors)
