"""The STRING and LONG_STRING terminals in unrolled-loop form accept exactly
what the original (?:a|b)* forms accepted, and in linear time."""

from __future__ import annotations

import re
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from maestro_spec.grammar import get_parser

# The forms before the rewrite, kept here as the reference language.
OLD = {
    "STRING": re.compile(r'"(?:[^"\\\n]|\\.)*"'),
    "LONG_STRING": re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""', re.S),
}


def _terminal(name: str) -> re.Pattern:
    (term,) = [t for t in get_parser().terminals if t.name == name]
    return re.compile(term.pattern.to_regexp())


NEW = {name: _terminal(name) for name in OLD}

# The characters that matter to these regexes, and a few that do not.
pieces = st.lists(st.sampled_from(['"', '"""', '""', "\\", "\\\\", '\\"', "\n", "\r\n", "a", " ", "{{x}}", "é"]), max_size=30)


@settings(max_examples=2000, deadline=None)
@given(pieces, st.sampled_from(sorted(OLD)))
def test_new_terminal_matches_exactly_what_the_old_one_did(parts, name):
    text = "".join(parts)
    for candidate in (text, '"' + text, '"""' + text, '"' + text + '"', '"""' + text + '"""'):
        old, new = OLD[name].match(candidate), NEW[name].match(candidate)
        assert (old and old.group(0)) == (new and new.group(0)), candidate


def test_a_10_mb_string_lexes_in_linear_time():
    # The old forms recursed per character: a 10 MB string took ~1 s and 1.6 GiB.
    body = ("word \\n {{x}} " * 800_000)[:10_000_000]
    for name, text in (("STRING", f'"{body}"'), ("LONG_STRING", f'"""\n{body}\n"""')):
        began = time.perf_counter()
        m = NEW[name].match(text)
        took = time.perf_counter() - began
        assert m and m.end() == len(text)
        assert took < 0.5, f"{name}: {took:.2f} s for 10 MB"
