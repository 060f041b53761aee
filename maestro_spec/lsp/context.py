"""What the text before the cursor expects next: a statement keyword, an enum
value, a tool field, a role, a param name in {{ }}; or nothing (in a string
or a comment).

This is a heuristic over tokens, not a parse: it must work on the half-typed
line that does not parse, which is the normal case while typing. It only
looks at token kinds (string, word, punctuation), never judges the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import catalog

# Strings may be unterminated (the author is typing one): they then run to
# the end of the line ("...") or of the text ("""...).
_TOKEN_RE = re.compile(
    r'(?P<long>"""(?:[^"\\]|\\.|"(?!""))*(?:"""|\Z))'
    r'|(?P<str>"(?:[^"\\\n]|\\.)*(?:"|(?=\n)|\Z))'
    r"|(?P<comment>#[^\n]*)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_.\-]*)"
    r"|(?P<punct>[{}\[\],=])"
    r"|(?P<ws>\s+)"
    r"|(?P<other>.)",
    re.S,
)
WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
_WORD_TAIL_RE = re.compile(r"[A-Za-z0-9_.\-]*\Z")
_PLACEHOLDER_OPEN_RE = re.compile(r"\{\{\s*([A-Za-z0-9_.\-]*)\Z")
# Where to start scanning a big document: a line starting with a keyword.
_SCAN_WINDOW = 65536
_STATEMENT_LINE_RE = re.compile(r"^(?:" + "|".join(catalog.KEYWORDS) + r")\b", re.M)

STATEMENT, VALUE, TOOL_FIELD, FIELD_VALUE, PARAMETER_TYPE, ROLE, PLACEHOLDER, MANDATORY, NOTHING = (
    "statement",
    "value",
    "tool_field",
    "field_value",
    "parameter_type",
    "role",
    "placeholder",
    "mandatory",
    "nothing",
)


@dataclass
class Context:
    kind: str
    keyword: str | None = None  # the statement the cursor is in
    tool: str | None = None  # the tool type, in a tool block
    start: int = 0  # the partial word (or placeholder name) being typed
    end: int = 0
    field: str | None = None  # the tool field whose value is being typed
    after_parameter: bool = False  # a parameter row may end with `required`


class _Block:
    """Rows inside a `tool ... { }` or `input { }` block: a key, then its
    value (a word, string, number, [list] or {block}); `parameter` rows
    take a name, a type, a description and an optional `required`."""

    def __init__(self, kind: str, tool: str | None):
        self.kind, self.tool = kind, tool
        self.key: str | None = None  # the key whose value comes next
        self.nest = 0  # depth inside the value's own [ ] / { }
        self.parameter = -1  # tokens of a parameter row still to come
        self.after_parameter = False

    def feed(self, kind: str, tok: str) -> bool:
        """One token; False when it closes the block."""
        if self.nest:
            self.nest += tok in "[{" if kind == "punct" else 0
            self.nest -= tok in "]}" if kind == "punct" else 0
            if not self.nest:
                self.key = None
            return True
        if kind == "punct" and tok == "}":
            return False
        if self.parameter > 0:
            self.parameter -= 1
            self.after_parameter = self.parameter == 0
            return True
        if kind == "punct" and tok in "[{":
            self.nest, self.after_parameter = 1, False
            return True
        if self.key is not None:
            self.key = None  # that was the value
            return True
        if tok == catalog.REQUIRED and self.after_parameter:
            self.after_parameter = False
            return True
        self.after_parameter = False
        if self.kind == "tool" and tok == catalog.PARAMETER:
            self.parameter = 3
        elif kind in ("word", "str"):
            self.key = tok
        return True


def word_at(text: str, offset: int) -> tuple[int, int] | None:
    """The name-like word around offset, as (start, end)."""
    lo = offset
    while lo > 0 and (text[lo - 1].isalnum() or text[lo - 1] in "_.-"):
        lo -= 1
    m = WORD_RE.match(text, lo)
    if m is None or m.end() < offset:
        return None
    return m.start(), m.end()


def _scan_start(text: str, end: int) -> int:
    if end <= _SCAN_WINDOW:
        return 0
    window_start = end - _SCAN_WINDOW
    last = None
    for m in _STATEMENT_LINE_RE.finditer(text, window_start, end):
        last = m.start()
    return last if last is not None else window_start


def context_at(text: str, offset: int) -> Context:
    """The context for completing at offset (the word being typed excluded)."""
    offset = max(0, min(offset, len(text)))
    tail = _WORD_TAIL_RE.search(text, 0, offset)
    word_start = tail.start() if tail else offset
    if word_start < offset and not (text[word_start].isalpha() or text[word_start] == "_"):
        word_start = offset  # "12" is not the start of a name
    line_start = text.rfind("\n", 0, offset) + 1
    open_ph = _PLACEHOLDER_OPEN_RE.search(text, line_start, offset)

    kw: str | None = None
    args: list[tuple[str, str]] = []  # (kind, text) after the keyword, at depth 0
    block: _Block | None = None  # inside a statement's { }
    closed = False
    last_kind = last_text = None
    last_end = 0

    pos = _scan_start(text, word_start)
    for m in _TOKEN_RE.finditer(text, pos, word_start):
        kind, tok = m.lastgroup, m.group()
        last_kind, last_text, last_end = kind, tok, m.end()
        if kind in ("ws", "comment"):
            continue
        if block is not None:
            if not block.feed(kind, tok):
                block, closed = None, True
            continue
        expects_value = kw is not None and not closed and not args and (kw in catalog.VALUES or kw == "param")
        after_comma = kw in catalog.LISTS and args and args[-1][1] == ","
        if kind == "word" and tok in catalog.KEYWORDS and not expects_value and not after_comma:
            kw, args, closed = tok, [], False
            continue
        if tok == "{" and kw is not None and not closed:
            tool = args[0][1] if kw == "tool" and args else None
            block = _Block(kw, tool)
            continue
        args.append((kind, tok))

    in_open_token = last_end == word_start and last_kind in ("long", "str", "comment")
    if last_kind == "long" and not (len(last_text) >= 6 and last_text.endswith('"""')):
        in_string = in_open_token
    elif last_kind == "str":
        in_string = in_open_token and (len(last_text) < 2 or not last_text.endswith('"') or last_text.endswith('\\"'))
    else:
        in_string = False
    if in_string:
        if open_ph is not None:
            return Context(PLACEHOLDER, kw, block.tool if block else None, open_ph.start(1), offset)
        return Context(NOTHING)
    if in_open_token and last_kind == "comment":
        return Context(NOTHING)

    here = dict(start=word_start, end=offset)
    if block is not None:
        if block.nest or block.kind not in ("tool", "input"):
            return Context(NOTHING)
        if block.kind == "input":
            return Context(NOTHING) if block.key is not None else Context(ROLE, "input", **here)
        if block.parameter == 2:  # after the parameter's name: its type
            return Context(PARAMETER_TYPE, "tool", block.tool, **here)
        if block.parameter > 0:
            return Context(NOTHING)
        if block.key is not None:
            return Context(FIELD_VALUE, "tool", block.tool, field=block.key.strip('"'), **here)
        return Context(TOOL_FIELD, "tool", block.tool, after_parameter=block.after_parameter, **here)
    if kw is None or closed:
        return Context(STATEMENT, **here)
    if kw in catalog.VALUES and (not args or (kw in catalog.LISTS and args[-1][1] == ",")):
        return Context(VALUE, kw, **here)
    if kw == "param" and (not args or args[-1][1] == "="):
        return Context(NOTHING)
    if kw == "input" and not args:
        return Context(NOTHING)
    if kw == "requirement":
        strings = sum(1 for a in args if a[0] in ("str", "long"))
        if strings == 0 or (strings == 1 and args[-1][1] == catalog.MANDATORY):
            return Context(NOTHING)
        if strings == 1:
            return Context(MANDATORY, kw, **here)
    return Context(STATEMENT, kw, **here)
