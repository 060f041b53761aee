"""What completion reads off the text before the cursor, on half-typed text
that does not parse (in process: the heuristics themselves, case by case)."""

from __future__ import annotations

import pytest

from maestro_spec.lsp.context import MANDATORY, NOTHING, PLACEHOLDER, ROLE, STATEMENT, TOOL_FIELD, VALUE, context_at, word_at


@pytest.mark.parametrize(
    "before, kind, keyword",
    [
        ("", STATEMENT, None),
        ("bud", STATEMENT, None),
        ("budget ", VALUE, "budget"),
        ("budget hi", VALUE, "budget"),
        ("budget high\n", STATEMENT, "budget"),
        ("include data_sources, ", VALUE, "include"),
        ("include data_sources ", STATEMENT, "include"),
        ('model "my-byok", ', VALUE, "model"),
        ("tool ", VALUE, "tool"),
        ("tool web_search {\n  ", TOOL_FIELD, "tool"),
        ("tool web_search {\n  urls [", NOTHING, None),
        ('tool web_search {\n  urls ["a"]\n  ', TOOL_FIELD, "tool"),
        ('tool web_search {\n  urls ["a"]\n}\n', STATEMENT, None),
        ('input "hello {{', PLACEHOLDER, "input"),
        ('input """\n  about {{ na', PLACEHOLDER, "input"),
        ('input "hello', NOTHING, None),
        ('input "say \\"budget ', NOTHING, None),
        ('input """\nbudget\n', NOTHING, None),
        ('input """abc"""\n', STATEMENT, "input"),
        ("# budget ", NOTHING, None),
        ('requirement "a" ', MANDATORY, "requirement"),
        ('requirement "a" mandatory ', NOTHING, None),
        ('requirement "a" "b"\n', STATEMENT, "requirement"),
        ("input {\n ", ROLE, "input"),
        ('input {\n user "x"\n ', ROLE, "input"),
        ("input {\n user ", NOTHING, None),
        ("param ", NOTHING, None),
        ('param x = "y"\n', STATEMENT, "param"),
        ("budget\nlang", VALUE, "budget"),  # `budget` still wants its value
    ],
)
def test_the_text_before_the_cursor_says_what_completion_offers(before, kind, keyword):
    ctx = context_at(before, len(before))
    assert (ctx.kind, ctx.keyword) == (kind, keyword)


def test_the_partial_word_is_what_completion_replaces():
    ctx = context_at("budget me", 9)
    assert (ctx.start, ctx.end) == (7, 9)
    ctx = context_at('input "a {{ to', 14)
    assert (ctx.start, ctx.end) == (12, 14)


def test_a_huge_document_is_read_from_its_last_statements():
    text = 'input """\n' + "lorem ipsum\n" * 200_000 + '"""\nbudget '
    assert context_at(text, len(text)).kind == VALUE


def test_word_at_finds_the_word_under_the_cursor():
    assert word_at("model jamba-large\n", 9) == (6, 17)
    assert word_at("model jamba-large\n", 17) == (6, 17)
    assert word_at("a  b", 2) is None
