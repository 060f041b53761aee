"""String literals: unescaping, triple-quote dedenting (and re-indenting, for fmt), {{placeholder}} scanning."""

from __future__ import annotations

import bisect
import functools
import os
import re
from collections import Counter

from .diagnostics import Span

_PLACEHOLDER_NAME = r"[A-Za-z_][A-Za-z0-9_.\-]*"
PLACEHOLDER_RE = re.compile(r"\{\{\s*(" + _PLACEHOLDER_NAME + r")\s*\}\}")

_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}
# A lone surrogate (half of a pair) is not text: it cannot be written as UTF-8.
_ESCAPE_RE = re.compile(r"\\(u[dD][89abAB][0-9A-Fa-f]{2}\\u[dD][c-fC-F][0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|.)", re.S)


class BadEscape(ValueError):
    def __init__(self, offset: int, text: str):
        super().__init__(text)
        self.offset = offset  # offset of the backslash within the body
        self.text = text


def unescape(body: str) -> str:
    """JSON's escapes (\\" \\\\ \\n \\t \\uXXXX ...); anything else is an error."""
    if "\\" not in body:
        return body

    def repl(m: re.Match) -> str:
        seq = m.group(1)
        if len(seq) == 11:  # \ud83d\ude00: a surrogate pair is one character, as in JSON
            high, low = int(seq[1:5], 16), int(seq[7:], 16)
            return chr(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
        if len(seq) == 5 and seq[0] == "u" and not 0xD800 <= int(seq[1:], 16) <= 0xDFFF:
            return chr(int(seq[1:], 16))
        if seq in _ESCAPES:
            return _ESCAPES[seq]
        raise BadEscape(m.start(), m.group(0))

    return _ESCAPE_RE.sub(repl, body)


def dedent_long(body: str, start: int = 0, end: int | None = None) -> str:
    """A triple-quoted body (body[start:end]: a caller holding the whole token
    passes its bounds, which spares a copy of it): drop a blank first line
    (text starting after the opening quotes on the next line) and a blank
    last line (closing quotes on their own line), then remove the common
    indentation."""
    end = len(body) if end is None else end
    # A file saved with CRLF line ends must give the same text as with LF.
    if body.find("\r", start, end) != -1:
        body = body[start:end].replace("\r\n", "\n")
        start, end = 0, len(body)
    first = body.find("\n", start, end)
    if first != -1 and _NOT_SPACE.search(body, start, first) is None:
        start = first + 1
    last = body.rfind("\n", start, end)
    if last != -1 and _NOT_SPACE.search(body, last + 1, end) is None:
        end = last
    return _dedent(body, start, end)


# What str.strip() strips is what \s matches: both ask Py_UNICODE_ISSPACE.
_NOT_SPACE = re.compile(r"\S")
_TEXT_RE = re.compile(r"[^ \t\n]")


@functools.lru_cache(maxsize=16)
def _breaks_margin(margin: str) -> re.Pattern:
    """A line (after the first) that dedenting by `margin` with one replace
    would get wrong: one that is neither empty, nor `margin` alone (both
    come out empty), nor `margin` then text."""
    m = re.escape(margin)
    return re.compile(r"\n(?!" + m + r"[ \t]*[^ \t\n]|(?:" + m + r")?(?:\n|\Z))")


def dedent_text(text: str) -> str:
    """Lines of only spaces and tabs become empty, and the longest run of
    spaces and tabs common to the others is removed (textwrap.dedent's rule
    up to Python 3.13; 3.14's counts any whitespace)."""
    return _dedent(text, 0, len(text))


def _dedent(text: str, start: int, end: int) -> str:
    """dedent_text(text[start:end]).

    The usual text (every line with text indented alike, no line of spaces
    and tabs alone but the margin itself) takes one regex search that finds
    no line breaking the first line's margin, then one slice and one
    str.replace (a 1 MB body: ~2.5 ms, against ~11 ms a line at a time).
    Any other text goes line by line."""
    found = _TEXT_RE.search(text, start, end)
    if found is not None:
        at = found.start()
        before = text.rfind("\n", start, at)
        line = start if before == -1 else before + 1  # where the first line with text starts
        margin = text[line:at]
        # Before the first text: empty lines only (a line of spaces there
        # must come out empty, which the line-by-line path does).
        if text.count("\n", start, line) == line - start and _breaks_margin(margin).search(text, line, end) is None:
            if not margin:
                return text[start:end]
            if line == start:
                return text[start + len(margin) : end].replace("\n" + margin, "\n")
            return text[start:end].replace("\n" + margin, "\n")
    return dedent_lines(text[start:end].split("\n"))


def dedent_lines(lines: list[str]) -> str:
    """dedent_text of "\n".join(lines), a line at a time: for the texts its fast path does not take."""
    lines = list(lines)
    indents = []
    for i, line in enumerate(lines):
        rest = line.lstrip(" \t")
        if rest:
            indents.append(line[: len(line) - len(rest)])
        elif line:
            lines[i] = ""
    margin = len(os.path.commonprefix(indents)) if indents else 0
    if margin:
        lines = [line[margin:] for line in lines]
    return "\n".join(lines)


def reindent_long(raw: str, indent: int) -> str:
    """A multi-line \"\"\"string\"\"\" (raw: as written, quotes included) with
    its body at `indent` and the closing quotes on their own line, for fmt;
    returned unchanged if that could alter its value."""
    body = raw[3:-3]
    if "\n" not in body:
        return raw
    lines = body.split("\n")
    if len(lines) > 1 and not lines[0].strip():
        lines = lines[1:]
    if len(lines) > 1 and not lines[-1].strip():
        lines = lines[:-1]
    content = dedent_text("\n".join(lines)).split("\n")
    pad = " " * indent
    new_body = "\n" + "\n".join(pad + line if line else "" for line in content) + "\n" + pad
    if dedent_long(new_body) != dedent_long(body):
        return raw
    return '"""' + new_body + '"""'


@functools.lru_cache(maxsize=2)
def line_starts(text: str) -> tuple[int, ...]:
    """Offsets where each line of text starts: computed once per text (the
    cache hits on the same string object), so placing many offsets in one
    long token costs a bisect each, not a scan from the token's start."""
    starts = [0]
    find = text.find
    at = find("\n")
    while at != -1:
        starts.append(at + 1)
        at = find("\n", at + 1)
    return tuple(starts)


def offset_span(raw: str, start: Span, begin: int, end: int) -> Span:
    """The span of raw[begin:end], where raw is a token's text starting at `start`."""
    starts = line_starts(raw)
    # Line index (0: the token's first line) of each end, by bisection.
    b = bisect.bisect_right(starts, begin) - 1
    e = b if end < (starts[b + 1] if b + 1 < len(starts) else end + 1) else bisect.bisect_right(starts, end) - 1
    line, col = (start.line, start.column + begin) if b == 0 else (start.line + b, begin - starts[b] + 1)
    end_line, end_col = (start.line, start.column + end) if e == 0 else (start.line + e, end - starts[e] + 1)
    return Span(line, col, end_line, end_col, start.start_pos + begin, start.start_pos + end)


# A whole {{placeholder}} as written, without groups: findall() gives the forms.
_PLACEHOLDER_FORM_RE = re.compile(r"\{\{\s*" + _PLACEHOLDER_NAME + r"\s*\}\}")
# PLACEHOLDER_RE with the whole placeholder captured too: split() then gives
# [text, whole, name, text, whole, name, ..., text] in one C-speed pass.
_PLACEHOLDER_SPLIT_RE = re.compile(f"({PLACEHOLDER_RE.pattern})")
# More distinct forms than this are filled by one split, not a replace each.
_FEW_FORMS = 8


def placeholder_forms(text: str) -> dict[str, int]:
    """Each distinct {{placeholder}} of text as written ("{{topic}}",
    "{{ topic }}") -> how many times it occurs: two counts when one form
    holds every "{" of the text, else one regex pass."""
    if "{{" not in text:
        return {}
    first = _PLACEHOLDER_FORM_RE.search(text)
    if first is None:
        return {}
    # A form has two "{", at its start, and its occurrences cannot overlap:
    # when they hold every "{" of the text, they are exactly the regex's
    # matches. Two counts (1 MB, 10,000 placeholders: ~1 ms) instead of a
    # string made per match (~4 ms).
    form = first[0]
    count = text.count(form)
    if 2 * count == text.count("{"):
        return {form: count}
    found = _PLACEHOLDER_FORM_RE.findall(text, first.start())
    return {found[0]: len(found)} if found.count(found[0]) == len(found) else dict(Counter(found))


def form_name(form: str) -> str:
    """The name in one placeholder form: "{{ topic }}" -> "topic"."""
    return PLACEHOLDER_RE.fullmatch(form)[1]


def substitute(text: str, values: dict[str, str], forms: dict[str, int] | None = None) -> str:
    """Fill {{name}} from values; a name without a value is left as written.

    Placeholders come in few forms ("{{topic}}", "{{ topic }}"), so each form
    is one str.replace; a form's occurrences are exactly its regex matches,
    and a count before each replace proves that no value filled in before it
    made a new one (a 1 MB text with 10,000 placeholders: ~3 ms, against
    ~11 ms for a split and join). Many forms, or a count that differs: one
    split into [text, whole, name, ...] and a join. `forms`, when the caller
    has them, must be placeholder_forms(text) (the AST's strings know theirs:
    ast.Placeholders.forms_in_value)."""
    if "{{" not in text:
        return text
    if forms is None:
        forms = placeholder_forms(text)
    if len(forms) <= _FEW_FORMS:
        filled = text
        for form, count in forms.items():
            value = values.get(form_name(form))
            if value is None:
                continue
            if len(forms) > 1 and filled.count(form) != count:
                break
            filled = filled.replace(form, value)
        else:
            return filled
    parts = _PLACEHOLDER_SPLIT_RE.split(text)
    get = values.get
    for i in range(1, len(parts), 3):
        parts[i] = get(parts[i + 1], parts[i])
        parts[i + 1] = ""
    return "".join(parts)
