"""JSON text, read once and linearly: where each value sits (for placing
findings in a .json body) and, when the json module refuses a text, where and
why in our own words.

Our words, not the json module's: its messages and positions change between
Python versions (3.13 reports a trailing comma at the comma, 3.12 at the
bracket), and a diagnostic must not. The values themselves always come from
json.loads; this module only scans. Standard library only (params.py uses it
for --var-file). No recursion: nesting depth costs a list entry, not a frame.
"""

from __future__ import annotations

import json
import re
import sys

from .diagnostics import JsonPath

_WS = re.compile(r"[ \t\n\r]*")
_STRING_BODY = r'"[^"\\\x00-\x1f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*'
_STRING = re.compile(_STRING_BODY + '"')
_STRING_START = re.compile(_STRING_BODY)  # as far as a broken string is well formed
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_WORD = re.compile(r"true|false|null|NaN|-?Infinity")
_NOT_NUMBERS = ("NaN", "Infinity", "-Infinity")


class JsonSyntaxError(ValueError):
    def __init__(self, pos: int, message: str, hint: str | None = None):
        super().__init__(message)
        self.pos = pos
        self.message = message
        self.hint = hint


class _Refused(ValueError):
    pass


def _refuse_constant(word: str):
    # json.loads takes NaN and Infinity by default; they are not JSON.
    raise _Refused(word)


def _float(literal: str) -> float:
    value = float(literal)
    if value in (float("inf"), float("-inf")):
        raise _Refused(literal)
    return value


def loads(text: str):
    """json.loads for JSON only (no NaN or Infinity, no number beyond a
    double or Python's int() digit limit); every refusal is JsonSyntaxError
    with our words and the offset of the problem."""
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_float)
    except (json.JSONDecodeError, _Refused):
        raise syntax_error(text) from None
    except RecursionError:
        raise JsonSyntaxError(0, "nested too deeply to read") from None
    except ValueError:  # int() of a number with more digits than Python converts
        found = long_number(text)
        if found is None:
            raise
        at, digits = found
        raise JsonSyntaxError(at, f"a number with {digits} digits is too long to read", "write it as a string") from None


def _bad_string(text: str, at: int) -> JsonSyntaxError:
    """Why the string opening at `at` is not a JSON string."""
    end = _STRING_START.match(text, at).end()
    if end >= len(text):
        return JsonSyntaxError(at, "this string is not closed (a \" is missing)")
    if text[end] == "\\":
        return JsonSyntaxError(end, 'invalid escape in a string: JSON has \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX')
    return JsonSyntaxError(end, "a control character (a line break, a tab) inside a string: write it as \\n, \\t or \\uXXXX")


def _key(token: str) -> str:
    return token[1:-1] if "\\" not in token else json.loads(token)


def scan(text: str) -> None:
    """Read one JSON value (and nothing after it) from text, as json.loads
    would; raises JsonSyntaxError at the first problem."""
    n = len(text)
    stack: list[bool] = []  # open containers: is it an object?
    pos = _WS.match(text, 0).end()
    expect = "value"  # value | value or ] | key or } | key | : | , or end
    while True:
        if pos >= n:
            if expect == ", or end" and not stack:
                return
            raise JsonSyntaxError(n, _expected(expect, stack) + " (the text ends here)")
        c = text[pos]
        if expect in ("key or }", "key"):
            if c == "}" and expect == "key or }":
                stack.pop()
                pos += 1
                expect = ", or end"
            elif c == '"':
                m = _STRING.match(text, pos)
                if m is None:
                    raise _bad_string(text, pos)
                pos, expect = m.end(), ":"
            elif c == "}":
                raise JsonSyntaxError(pos, "a trailing comma before '}': JSON allows none")
            else:
                raise JsonSyntaxError(pos, "expected a member name in double quotes" + _quote_hint(c))
        elif expect == ":":
            if c != ":":
                raise JsonSyntaxError(pos, "expected ':' after the member name")
            pos, expect = pos + 1, "value"
        elif expect == ", or end":
            if not stack:
                raise JsonSyntaxError(pos, "more text after the JSON value: a body is one value")
            top = stack[-1]
            if c == ",":
                expect = "key" if top else "value"
                pos += 1
            elif c == ("}" if top else "]"):
                stack.pop()
                pos += 1
            else:
                raise JsonSyntaxError(pos, f"expected ',' or '{'}' if top else ']'}'")
        else:  # a value
            if c == "]" and expect == "value or ]":
                stack.pop()
                pos += 1
                expect = ", or end"
            elif c == "]" and stack and not stack[-1]:
                raise JsonSyntaxError(pos, "a trailing comma before ']': JSON allows none")
            elif c in "{[":
                stack.append(c == "{")
                pos, expect = pos + 1, ("key or }" if c == "{" else "value or ]")
            else:
                if c == '"':
                    m = _STRING.match(text, pos)
                    if m is None:
                        raise _bad_string(text, pos)
                else:
                    m = _NUMBER.match(text, pos) or _WORD.match(text, pos)
                    if m is None:
                        raise JsonSyntaxError(pos, "expected a value (an object, array, string, number, true, false or null)" + _quote_hint(c))
                    word = m.group(0)
                    if word in _NOT_NUMBERS:
                        raise JsonSyntaxError(pos, f"{word} is not a JSON number", "JSON has no NaN or Infinity")
                    if word[-1].isdigit() and not word.lstrip("-").isdigit() and float(word) in (float("inf"), float("-inf")):
                        short = word if len(word) <= 24 else f"{word[:12]}\u2026{word[-8:]}"
                        raise JsonSyntaxError(pos, f"the number {short} is too large for a double", "write it as a string")
                pos, expect = m.end(), ", or end"
        pos = _WS.match(text, pos).end()


def _expected(expect: str, stack: list[bool]) -> str:
    if expect == ", or end":
        return f"expected ',' or '{'}' if stack[-1] else ']'}'"
    if expect in ("key or }", "key"):
        return "expected a member name in double quotes"
    if expect == ":":
        return "expected ':' after the member name"
    return "expected a value"


def _quote_hint(c: str) -> str:
    return ": JSON takes double quotes, not single" if c == "'" else ""


# Every token of a valid JSON text: strings, punctuation, and the rest
# (numbers, true, false, null) as runs of other characters.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},:]|[^\s\[\]{},:"]+')


def locate(text: str, wanted) -> dict[JsonPath, tuple[int, int]]:
    """(start, end) offsets of the values at the `wanted` JSON paths of a
    text json.loads accepted. One pass over the tokens; keys are decoded and
    paths built only inside containers on the way to a wanted path."""
    wanted = set(wanted)
    parents = {path[:i] for path in wanted for i in range(len(path))}
    out: dict[JsonPath, tuple[int, int]] = {}
    # Open containers: [path if it leads to a wanted path else None, is an
    # object, start, own path if wanted else None, current key or index].
    stack: list[list] = []
    key_next = False
    for m in _TOKEN.finditer(text):
        t = m.group()
        c = t[0]
        if key_next:  # a member name, or the } of an empty object
            key_next = False
            if c == '"':
                top = stack[-1]
                if top[0] is not None:
                    top[4] = _key(t)
                continue
        if c == ",":
            top = stack[-1]
            if top[1]:
                key_next = True
            else:
                top[4] += 1
            continue
        if c == ":":
            continue
        if c == "}" or c == "]":
            frame = stack.pop()
            if frame[3] is not None:
                out[frame[3]] = (frame[2], m.end())
            continue
        if not stack:
            path = ()
        else:
            top = stack[-1]
            path = None if top[0] is None else (*top[0], top[4])
        if c == "{" or c == "[":
            stack.append([path if path in parents else None, c == "{", m.start(), path if path in wanted else None, 0])
            key_next = c == "{"
        elif path is not None and path in wanted:
            out[path] = (m.start(), m.end())
    return out


def syntax_error(text: str) -> JsonSyntaxError:
    """Why json.loads refused text, in words that do not depend on Python."""
    try:
        scan(text)
    except JsonSyntaxError as e:
        return e
    # Should not happen: the scanner accepts what json.loads accepts.
    return JsonSyntaxError(0, "not valid JSON")


def long_number(text: str) -> tuple[int, int] | None:
    """Where the first integer too long for int() is (json.loads raises a
    bare ValueError for it), as (offset, digits)."""
    limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 0
    if not limit:
        return None
    pattern = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|(?<![0-9.eE+-])-?[0-9]{%d,}(?![0-9.eE])' % (limit + 1))
    for m in pattern.finditer(text):
        if m.group(0)[0] != '"':
            return m.start(), len(m.group(0).lstrip("-"))
    return None
