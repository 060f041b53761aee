"""JSON bodies: one linear scan places findings where the Lark JSON parse
did; syntax errors, huge numbers and NaN get our own words and positions on
every Python; a large body costs close to json.loads."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lark import Lark, Tree

from maestro_spec.compiler.diagnostics import span_of
from maestro_spec.compiler.jsonbody import _Spans, check_json_text
from maestro_spec.compiler.jsontext import JsonSyntaxError, scan, syntax_error

from .conftest import EXAMPLES

# The Lark JSON grammar the spans came from before, kept as the reference.
_REFERENCE = Lark(
    r"""
?start: value
?value: object | array | STRING | NUMBER | "true" -> true | "false" -> false | "null" -> null
array: "[" [value ("," value)*] "]"
object: "{" [pair ("," pair)*] "}"
pair: STRING ":" value
STRING: /"(?:[^"\\\x00-\x1f]|\\.)*"/
NUMBER: /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/
%import common.WS
%ignore WS
""",
    parser="lalr",
    propagate_positions=True,
)


def _reference_spans(text: str) -> dict:
    spans = {}

    def walk(node, path):
        spans[path] = span_of(node.meta if isinstance(node, Tree) else node)
        if isinstance(node, Tree) and node.data == "array":
            for i, child in enumerate(c for c in node.children if c is not None):
                walk(child, (*path, i))
        elif isinstance(node, Tree) and node.data == "object":
            for pair in (c for c in node.children if c is not None):
                key, value = pair.children
                walk(value, (*path, json.loads(str(key))))

    walk(_REFERENCE.parse(text), ())
    return spans


def _spans(text: str, paths) -> dict:
    located = _Spans(text, paths)
    return {path: located[path] for path in located}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=120, deadline=None)
@given(json_values, st.sampled_from([None, 0, 2, "\t"]), st.booleans())
def test_spans_are_those_of_the_lark_json_parse(value, indent, ascii_only):
    text = json.dumps({"input": value}, indent=indent, ensure_ascii=ascii_only)
    reference = _reference_spans(text)
    assert _spans(text, reference) == reference
    # Asked for one path, the scan finds it and the paths that lead to it.
    deepest = max(reference, key=len)
    assert _spans(text, [deepest]) == {deepest[:i]: reference[deepest[:i]] for i in range(len(deepest) + 1)}


def test_spans_of_the_example_bodies_are_those_of_the_lark_json_parse():
    bodies = sorted(EXAMPLES.rglob("*.json"))
    assert bodies
    for path in bodies:
        text = path.read_text(encoding="utf-8-sig")
        try:
            json.loads(text)
        except ValueError:
            continue
        reference = _reference_spans(text)
        assert _spans(text, reference) == reference, path


def _near_json(draw_text: str, edits) -> str:
    chars = list(draw_text)
    for at, piece in edits:
        at %= len(chars) + 1
        chars[at:at + (1 if piece == "" else 0)] = [piece] if piece else []
    return "".join(chars)


@settings(max_examples=300, deadline=None)
@given(json_values, st.lists(st.tuples(st.integers(0, 200), st.sampled_from(["", ",", '"', "}", "]", "{", "[", ":", "'", "\\", "\n", "1", "-", "e", "NaN", " "])), max_size=3))
def test_the_scanner_accepts_exactly_what_json_loads_accepts(value, edits):
    text = _near_json(json.dumps(value), edits)

    def refuse(literal):  # as jsontext.loads does: no NaN, no number beyond a double
        if literal in ("NaN", "Infinity", "-Infinity") or float(literal) in (float("inf"), float("-inf")):
            raise ValueError(literal)
        return float(literal)

    try:
        json.loads(text, parse_constant=refuse, parse_float=refuse)
        loads_ok = True
    except (ValueError, RecursionError):
        loads_ok = False
    try:
        scan(text)
        scan_ok = True
    except JsonSyntaxError as e:
        scan_ok = False
        assert 0 <= e.pos <= len(text)
    assert scan_ok == loads_ok, text


@pytest.mark.parametrize(
    "text, pos, message",
    [
        # json.loads puts this at the bracket on 3.12 and at the comma on 3.13.
        ('{"input": "x",}', 14, "a trailing comma before '}': JSON allows none"),
        ("[1,]", 3, "a trailing comma before ']': JSON allows none"),
        ('{"input": "x"', 13, "expected ',' or '}' (the text ends here)"),
        ("", 0, "expected a value (the text ends here)"),
        ("{'input': 'x'}", 1, "expected a member name in double quotes: JSON takes double quotes, not single"),
        ('{"a" 1}', 5, "expected ':' after the member name"),
        ("[1 2]", 3, "expected ',' or ']'"),
        ('{"a":}', 5, "expected a value (an object, array, string, number, true, false or null)"),
        ('"abc', 0, 'this string is not closed (a " is missing)'),
        ('{"input": "a\nb"}', 12, "a control character (a line break, a tab) inside a string: write it as \\n, \\t or \\uXXXX"),
        ('{"input": "x"} trailing', 15, "more text after the JSON value: a body is one value"),
        ('"\\x"', 1, 'invalid escape in a string: JSON has \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX'),
        ("[NaN]", 1, "NaN is not a JSON number"),
    ],
)
def test_syntax_errors_have_our_own_words_and_positions(text, pos, message):
    e = syntax_error(text)
    assert (e.pos, e.message) == (pos, message)
    (d,) = check_json_text(text).diagnostics
    assert d.code == "E005" and d.message == f"invalid JSON: {message}" and d.span.start_pos == pos


def test_a_5000_digit_number_is_e005_where_it_is():
    text = '{"input": "x",\n "budget": ' + "9" * 5000 + "}"
    (d,) = check_json_text(text).diagnostics
    assert d.code == "E005" and "5000 digits" in d.message
    assert (d.span.line, d.span.column) == (2, 12)


def test_a_number_too_large_for_a_double_is_e005():
    (d,) = check_json_text('{"input": "x", "n": 1e999}').diagnostics
    assert d.code == "E005" and "too large" in d.message and d.span.column == 21


def test_deep_nesting_is_e005_not_a_crash():
    (d,) = check_json_text("[" * 100_000 + "]" * 100_000).diagnostics
    assert d.code == "E005"


def test_a_large_body_with_findings_costs_a_fraction_of_a_parse():
    # Placing findings parsed the whole body with Lark (a 1 MB body: ~250x
    # json.loads). Compared with that parse, not with the clock, so that a
    # loaded machine slows both alike.
    requirement = {"name": "r", "description": "word " * 20}
    body = {"input": "x" * 1000, "budget": "hihg", "requirements": [requirement] * 10, "padding": ["y" * 90] * 3_100}
    text = json.dumps(body, indent=2)
    assert len(text) > 300_000

    def best(f) -> float:
        times = []
        for _ in range(3):
            began = time.process_time()  # CPU time: other processes' load does not count
            f()
            times.append(time.process_time() - began)
        return min(times)

    lark_parse = best(lambda: _REFERENCE.parse(text))
    checked = best(lambda: check_json_text(text))
    assert {"E240", "E206"} <= {d.code for d in check_json_text(text).diagnostics}
    assert checked < lark_parse / 4, (checked, lark_parse)
