"""Compiler paths stay linear in the size of the input and the number of
findings: placing placeholders, rendering diagnostics, long lines."""

from __future__ import annotations

import os
import random
import sys
import textwrap
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maestro_spec.compiler.diagnostics import Diagnostic, Span
from maestro_spec.compiler.report import EXCERPT_WIDTH, render_json, render_text
from maestro_spec.compiler.strings import PLACEHOLDER_RE, dedent_lines, dedent_text, offset_span, substitute


def _naive_span(raw: str, start: Span, begin: int, end: int) -> Span:
    def at(k):
        nl = raw.count("\n", 0, k)
        return (start.line, start.column + k) if nl == 0 else (start.line + nl, k - raw.rfind("\n", 0, k))

    (line, col), (end_line, end_col) = at(begin), at(end)
    return Span(line, col, end_line, end_col, start.start_pos + begin, start.start_pos + end)


def test_offset_span_agrees_with_counting_newlines():
    rng = random.Random(7)
    raw = "".join(rng.choice("ab\n{") for _ in range(2000))
    start = Span(3, 9, 3, 9, 40, 40)
    for _ in range(500):
        begin = rng.randrange(len(raw))
        end = rng.randrange(begin, len(raw) + 1)
        assert offset_span(raw, start, begin, end) == _naive_span(raw, start, begin, end)


def _best(f, times: int = 3) -> float:
    """Least CPU time of a few runs (other processes' load does not count)."""
    took = []
    for _ in range(times):
        began = time.process_time()
        f()
        took.append(time.process_time() - began)
    return min(took)


def test_offset_span_is_linear_over_a_token():
    # A string with a placeholder every 100 characters: recounting newlines
    # from the token's start for each (as _naive_span does) was quadratic
    # (1 MB: seconds). Compared with that, in CPU time, so that a loaded
    # machine slows both alike.
    raw = ("x" * 40 + "\n" + "y" * 40 + " {{name}} \n") * 3_000
    start = Span(1, 1, 1, 1, 0, 0)
    offsets = range(0, len(raw) - 10, 100)
    ours = _best(lambda: [offset_span(raw, start, k, k + 8) for k in offsets])
    naive = _best(lambda: [_naive_span(raw, start, k, k + 8) for k in offsets], times=1)
    assert ours < naive / 5, (ours, naive)


def _findings(n: int, source_lines: int) -> list[Diagnostic]:
    return [Diagnostic("E240", "unknown budget 'hihg'", Span(1 + i % source_lines, 8, 1 + i % source_lines, 12), "did you mean 'high'?") for i in range(n)]


def test_ten_thousand_diagnostics_render_about_as_fast_as_json():
    # Splitting the file once per finding made 10,000 text findings 4.6 s,
    # 118x their JSON rendering (which shows no excerpt).
    source = "budget hihg\n" * 10_000
    diagnostics = _findings(10_000, 10_000)
    text = _best(lambda: render_text("big.maestro", diagnostics, source))
    as_json = _best(lambda: render_json("big.maestro", diagnostics))
    assert text < 10 * as_json, (text, as_json)
    out = render_text("big.maestro", diagnostics, source)
    assert out.count("\n  1 | budget hihg\n") == 1 and out.count("^~~~") == 10_000


def test_a_finding_on_a_10_mb_line_shows_a_window_around_its_column():
    line = "x" * 5_000_000 + " budget hihg " + "y" * 5_000_000
    col = line.index("hihg") + 1
    out = render_text("big.maestro", [Diagnostic("E240", "unknown budget 'hihg'", Span(1, col, 1, col + 4))], line + "\n")
    assert len(out) < 1000
    header, excerpt, caret = out.splitlines()
    assert header == f"big.maestro:1:{col}: error[E240]: unknown budget 'hihg'"
    assert excerpt.startswith("  1 | \u2026x") and excerpt.endswith("y\u2026")
    assert len(excerpt) <= len("  1 | ") + EXCERPT_WIDTH + 2
    at = caret.index("^")
    assert excerpt[at : at + 4] == "hihg" and caret[at:] == "^~~~"


def test_a_window_at_the_end_of_a_long_line_keeps_the_caret_on_its_text():
    line = "z" * 100_000 + " extra"
    col = line.index("extra") + 1
    _, excerpt, caret = render_text("a.maestro", [Diagnostic("E001", "unknown keyword", Span(1, col, 1, col + 5))], line).splitlines()
    at = caret.index("^")
    assert excerpt.endswith(" extra") and excerpt[at : at + 5] == "extra" and caret[at:] == "^~~~~"


def test_a_quoted_10_mb_value_is_shortened_in_the_message():
    word = "w" * 10_000_000
    out = render_text("a.maestro", [Diagnostic("E240", f"unknown budget '{word}': allowed are low, medium, high", Span(1, 8, 1, 8 + len(word)))], f"budget {word}")
    assert len(out) < 1000 and out.splitlines()[0].endswith("\u2026wwwwwwwwwwww': allowed are low, medium, high")


def test_control_characters_in_an_excerpt_are_shown_not_sent():
    source = 'budget hi\x1b]52;c;aGk=\x07hg\x00\n'
    out = render_text("a.maestro", [Diagnostic("E240", "unknown budget 'hi\x1bhg'", Span(1, 8, 1, 22))], source)
    assert "\x1b" not in out and "\x00" not in out and "\x07" not in out
    _, excerpt, caret = out.splitlines()
    assert excerpt.index("hi") == caret.index("^")  # one shown character per control character


def test_lines_are_split_on_newlines_only():
    # A form feed is a line break to str.splitlines but not to spans.
    source = "# a\x0cb\nbudget hihg\n"
    out = render_text("a.maestro", [Diagnostic("E240", "unknown budget 'hihg'", Span(2, 8, 2, 12))], source)
    assert "  2 | budget hihg" in out


@settings(max_examples=500, deadline=None)
@given(st.lists(st.lists(st.sampled_from([" ", "\t", "a", "b c", "\r", "\x0c", "\u00a0", "é"]), max_size=8).map("".join), max_size=8))
def test_dedent_lines_is_textwraps_dedent(lines):
    assert dedent_lines(lines) == _dedent_rule("\n".join(lines))


def _dedent_rule(text: str) -> str:
    """The rule, spelled out: lines of only spaces and tabs become empty, and
    the longest run of spaces and tabs common to the others is removed. It is
    textwrap.dedent's up to Python 3.13 (checked below); 3.14's counts any
    whitespace, which a spec's text must not lose."""
    lines = ["" if not line.strip(" \t") else line for line in text.split("\n")]
    indents = [line[: len(line) - len(line.lstrip(" \t"))] for line in lines if line]
    margin = len(os.path.commonprefix(indents)) if indents else 0
    return "\n".join(line[margin:] for line in lines)


@pytest.mark.skipif(sys.version_info >= (3, 14), reason="textwrap.dedent counts all whitespace from Python 3.14")
@given(st.lists(st.sampled_from(["", " ", "  a", "\t b", " \r", "\x0c", "x"]), max_size=8).map("\n".join))
def test_the_rule_is_textwraps_dedent(text):
    assert _dedent_rule(text) == textwrap.dedent(text)


# Lines shaped like real triple-quoted bodies (a shared margin, deeper lines,
# empty and space-only lines), so the fast path and its way out both run.
_body_lines = st.lists(
    st.tuples(st.sampled_from(["", " ", "  ", "    ", "\t", "    \t", "      "]), st.sampled_from(["", "a", "b c", " ", "\t", "\r", "é", "{{x}}"])).map("".join),
    max_size=10,
)


@settings(max_examples=800, deadline=None)
@given(_body_lines)
def test_dedent_text_is_textwraps_dedent(lines):
    text = "\n".join(lines)
    assert dedent_text(text) == _dedent_rule(text)


@settings(max_examples=600, deadline=None)
@given(_body_lines, st.sampled_from(["", '"""', "x\n", "  \n"]), st.sampled_from(["", '"""', "\n  ", "\r\n"]))
def test_dedent_long_of_a_range_is_dedent_long_of_its_slice(lines, before, after):
    # The parser passes the token and its quotes' bounds instead of a copy of the body.
    from maestro_spec.compiler.strings import dedent_long

    body = "\n".join(lines)
    whole = before + body + after
    assert dedent_long(whole, len(before), len(before) + len(body)) == dedent_long(body) == _dedent_long_rule(body)


def _dedent_long_rule(body: str) -> str:
    """dedent_long's rule, spelled out: LF line ends; a blank first line and
    a blank last line (str.strip()'s whitespace) go; then _dedent_rule."""
    body = body.replace("\r\n", "\n")
    first = body.find("\n")
    if first != -1 and not body[:first].strip():
        body = body[first + 1 :]
    last = body.rfind("\n")
    if last != -1 and not body[last + 1 :].strip():
        body = body[:last]
    return _dedent_rule(body)


def test_dedent_long_drops_the_blank_first_and_last_lines_by_strs_whitespace():
    from maestro_spec.compiler.strings import dedent_long

    # str.strip()'s whitespace, not only spaces: the first and last lines here are blank.
    assert dedent_long("\u3000\x0c\n    a\n      b\n  \u00a0 ") == "a\n  b"
    assert dedent_long(" x\n    a\n") == "x\n   a"  # a first line with text is kept, and counts


_form_pieces = st.sampled_from(["{{a}}", "{{ a }}", "{{b}}", "{{{a}}}", "{{", "{", "}", "}}", "{{ }}", "{{1}}", "a", " ", "\n"])


@settings(max_examples=1500, deadline=None)
@given(st.lists(_form_pieces, max_size=20).map("".join))
def test_placeholder_forms_are_the_regexs_matches(text):
    # One form's occurrences holding every "{" of the text are counted, not matched one by one.
    from collections import Counter

    from maestro_spec.compiler.strings import _PLACEHOLDER_FORM_RE, placeholder_forms

    assert placeholder_forms(text) == dict(Counter(_PLACEHOLDER_FORM_RE.findall(text)))


def _substitute_by_regex(text, values):
    return PLACEHOLDER_RE.sub(lambda m: values.get(m[1], m[0]), text)


_pieces = st.sampled_from(["{{a}}", "{{ a }}", "{{b}}", "{{ b}}", "{{c}}", "{{", "}}", "{", "}", "a", "b", "x", " ", "\n"])
_values = st.dictionaries(st.sampled_from(["a", "b", "xb", "ab"]), st.sampled_from(["", "v", "{", "}", "{{", "}}", "{{a}}", "b", "x", "{{b"]), max_size=4)


@settings(max_examples=1500, deadline=None)
@given(st.lists(_pieces, max_size=24).map("".join), _values)
def test_substitute_fills_each_placeholder_once_as_re_sub_does(text, values):
    # Values holding braces or whole placeholders must not be filled again,
    # nor join the text around them into a new placeholder that is.
    assert substitute(text, values) == _substitute_by_regex(text, values)


def test_substitute_with_many_forms_is_one_pass():
    text = "".join(f"{{{{p{i}}}}} " for i in range(50))
    assert substitute(text, {f"p{i}": str(i) for i in range(50)}) == "".join(f"{i} " for i in range(50))


def test_placeholders_are_placed_only_when_a_finding_needs_them():
    from maestro_spec.compiler import ast
    from maestro_spec.compiler.pipeline import compile_text

    body = "".join(f"line {i} of {{{{topic}}}}\n" for i in range(200))
    clean = compile_text(f'param topic = "rent"\ninput """\n{body}"""\n')
    assert clean.ok and clean.request["input"].count("rent") == 200
    text = clean.spec.of(ast.Input)[0].value
    assert text.placeholders.names == {"topic"}
    assert text.placeholders._nodes is None  # nothing was reported, so nothing was placed

    wrong = compile_text(f'param topic = "rent"\ninput """\n{body}{{{{toppic}}}}\n"""\n')
    found = [d for d in wrong.diagnostics if d.code == "E103"]
    assert [(d.span.line, d.span.column) for d in found] == [(203, 1)]  # placed when reported, on the right line


def test_an_excerpt_is_the_same_found_by_offset_or_by_line_number():
    # render_text cuts a finding's line out around its span's offset; a span
    # without offsets (start_pos 0 past line 1) is looked up by line number.
    from maestro_spec.compiler.diagnostics import span_at

    source = "budget low\r\n\nmodel jamba-large\n  include   hihg\nlast line without a newline"
    spans = [span_at(source, source.index(word), len(word)) for word in ("low", "jamba", "hihg", "newline", "budget")]
    with_offsets = [Diagnostic("E240", "m", s) for s in spans]
    without = [Diagnostic("E240", "m", Span(s.line, s.column, s.end_line, s.end_column)) for s in spans]
    shown = render_text("a.maestro", with_offsets, source)
    assert shown == render_text("a.maestro", without, source)
    assert "  4 |   include   hihg\n" in shown and "  1 | budget low\n" in shown
    # An offset that disagrees with its column is not trusted either.
    wrong = [Diagnostic("E240", "m", Span(4, 13, 4, 17, 3, 7))]
    assert "  4 |   include   hihg" in render_text("a.maestro", wrong, source)


_body_pieces = st.sampled_from(["{{a}}", "{{ a }}", "{{b}}", "{{\n    a}}", "{{ a\n}}", "\\n", "\\u007b{a}}", "\\\\", "{", "}", "x", " ", "    ", "\n", "\n    ", "\r\n    ", "\t"])


@settings(max_examples=600, deadline=None)
@given(st.lists(_body_pieces, max_size=20).map("".join), st.sampled_from(["v", "{{a}}", "{", "}}", "{{b}}", ""]), st.booleans())
def test_a_string_is_filled_as_its_value_scanned_afresh_would_be(body, value, triple):
    # emit passes substitute the forms the token's scan found (ast.Placeholders.forms_in_value)
    # when they are the value's: the request must be what scanning the value gives.
    from maestro_spec.compiler.pipeline import compile_text
    from maestro_spec.compiler.strings import dedent_long, unescape

    if not triple:
        body = body.replace("\r", "").replace("\n", " ")
    literal = f'"""\n{body}\n"""' if triple else f'"{body}"'
    spec = f'param a = "{value}"\nparam b = "B"\ninput {literal}\nbudget low\n'
    compiled = compile_text(spec)
    if compiled.request is None or "input" not in compiled.request:
        return  # an escape the language refuses, a "\"\"\"" run: not this test's subject
    expected = unescape(dedent_long(f"\n{body}\n") if triple else body)
    filled = PLACEHOLDER_RE.sub(lambda m: {"a": value, "b": "B"}.get(m[1], m[0]), expected)
    assert compiled.request["input"] == filled
