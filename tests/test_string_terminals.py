"""The STRING and LONG_STRING terminals in unrolled-loop form accept exactly
what the original (?:a|b)* forms accepted, and in linear time."""

from __future__ import annotations

import re
import sys
import tracemalloc

from hypothesis import given, settings
from hypothesis import strategies as st

from maestro_spec.grammar import _WITHOUT_POSSESSIVE_REPEATS, get_parser

# The forms before the rewrite, kept here as the reference language.
OLD = {
    "STRING": re.compile(r'"(?:[^"\\\n]|\\.)*"'),
    "LONG_STRING": re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""', re.S),
}


def _terminal(name: str) -> re.Pattern:
    (term,) = [t for t in get_parser().terminals if t.name == name]
    return re.compile(term.pattern.to_regexp())


NEW = {name: _terminal(name) for name in OLD}
# What Pythons before 3.11.5 lex with (possessive groups: CPython gh-106052).
FALLBACK = {name: re.compile(pattern, re.S if name == "LONG_STRING" else 0) for name, pattern in _WITHOUT_POSSESSIVE_REPEATS.items()}

# The characters that matter to these regexes, and a few that do not.
# \x7f and \x80 sit on either side of the ASCII table the new forms use.
pieces = st.lists(st.sampled_from(['"', '"""', '""', "\\", "\\\\", '\\"', "\n", "\r\n", "a", " ", "{{x}}", "é", "\x00", "\t", "\x0b", "\x7f", "\x80", "中文", "\uffff", "\U0001f600", "“", "]", "["]), max_size=30)


@settings(max_examples=600, deadline=None)
@given(pieces, st.sampled_from(sorted(OLD)))
def test_new_terminal_matches_exactly_what_the_old_one_did(parts, name):
    text = "".join(parts)
    for candidate in (text, '"' + text, '"""' + text, '"' + text + '"', '"""' + text + '"""'):
        old, new, fallback = OLD[name].match(candidate), NEW[name].match(candidate), FALLBACK[name].match(candidate)
        assert (old and old.group(0)) == (new and new.group(0)) == (fallback and fallback.group(0)), candidate


def test_the_terminals_in_use_match_a_plain_string():
    # What gh-106052 broke on Python 3.11.0-3.11.4: LONG_STRING matched nothing.
    assert NEW["LONG_STRING"].fullmatch('"""a"""') and NEW["LONG_STRING"].fullmatch('"""\n  a "b" \\" \n"""')
    assert NEW["STRING"].fullmatch('"a \\" b"')


def test_a_long_string_lexes_without_a_frame_per_character():
    # The old forms kept backtracking state per character: ~117 MiB per MB
    # of string (a 10 MB spec: 1.6 GiB); memory, unlike time, does not
    # depend on the machine's load.
    body = ("word \\n {{x}} “é” \\\\ " * 50_000)[:1_000_000]
    for name, text in (("STRING", f'"{body}"'), ("LONG_STRING", f'"""\n{body}\n"""')):
        tracemalloc.start()
        try:
            m = NEW[name].match(text)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert m and m.end() == len(text)
        # Possessive loops keep no state per item either (the unrolled forms
        # before them, which Python before 3.11.5 still lexes with: ~13-24
        # MiB here, for the escapes).
        bound = 2 if sys.version_info >= (3, 11, 5) else 40
        assert peak < bound * 2**20, f"{name}: {peak / 2**20:.0f} MiB for 1 MB"
