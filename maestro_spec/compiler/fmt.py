"""`maestro fmt`: one canonical layout for every spec, every comment kept.

The grammar ignores comments, so the layout comes from a parse tree that keeps
every token, and the comments from the gaps between tokens (a gap holds only
whitespace and comments, since strings are tokens). Each comment is printed
just before the token that followed it in the source: on the same line as the
previous token if it was there (an end-of-line comment), on a line of its own
otherwise. A comment therefore forces a line break wherever it sits, and the
layout around it stays the same on the next run, which keeps fmt idempotent.

Strings are printed as written; only a multi-line triple-quoted string is
re-indented, and only when its dedented value provably stays the same. The
result is re-parsed and compared with the input before it is returned.
"""

from __future__ import annotations

import dataclasses
import re
import textwrap
from dataclasses import dataclass, field

from lark import Token, Tree

from ..grammar import get_parser
from .diagnostics import Diagnostic
from .parse import parse
from .strings import dedent_long

WIDTH = 88  # a line that would be longer is broken where the layout allows
INDENT = 4

_COMMENT_RE = re.compile(r"#[^\n]*")


class FormatError(RuntimeError):
    """fmt would have changed what a spec means: a bug in fmt, never the user's."""


@dataclass
class Formatted:
    source: str
    text: str | None  # None when the source has syntax errors (see diagnostics)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.text is not None and self.text != self.source


def format_text(source: str) -> Formatted:
    """Format one spec. A spec that does not parse is returned untouched
    (text None) with its diagnostics; other findings do not stop fmt."""
    parsed = parse(source)
    errors = [d for d in parsed.diagnostics if d.is_error]
    if parsed.spec is None or errors:
        return Formatted(source, None, parsed.diagnostics)
    tree = get_parser(keep_all_tokens=True).parse(source)
    printer = _Printer(source, tree)
    text = printer.spec(tree)
    after = parse(text)
    if after.spec is None or _shape(after.spec) != _shape(parsed.spec):
        raise FormatError("fmt would change the meaning of this spec; the file was left as it is")
    if _comment_texts(text) != [c.text for c in printer.comments]:
        raise FormatError("fmt would lose or reorder a comment; the file was left as it is")
    return Formatted(source, text)


def _shape(node):
    """An AST without positions: what fmt must preserve."""
    if dataclasses.is_dataclass(node):
        return tuple(
            (f.name, bool(getattr(node, f.name)) if f.name in ("mandatory", "required") else _shape(getattr(node, f.name)))
            for f in dataclasses.fields(node)
            if f.name not in ("span", "placeholders")
        ) + (type(node).__name__,)
    if isinstance(node, tuple):
        return tuple(_shape(n) for n in node)
    return node


def _comment_texts(text: str) -> list[str]:
    tree = get_parser(keep_all_tokens=True).parse(text)
    found, end = [], 0
    for tok in _tokens(tree):
        found += [m.group(0).rstrip() for m in _COMMENT_RE.finditer(text, end, tok.start_pos)]
        end = tok.end_pos
    return found + [m.group(0).rstrip() for m in _COMMENT_RE.finditer(text, end)]


def _tokens(tree: Tree) -> list[Token]:
    return sorted(tree.scan_values(lambda v: isinstance(v, Token)), key=lambda t: t.start_pos)


# --------------------------------------------------------------- the gaps


@dataclass
class _Comment:
    text: str
    trailing: bool  # on the same source line as the token before it
    blank_before: bool  # a blank line separated it from what came before


@dataclass
class _Gap:
    """What lies between a token and the one before it."""

    comments: list[_Comment] = field(default_factory=list)
    blank_before: bool = False  # a blank line just before the token


def _gaps(source: str, tokens: list[Token]) -> list[_Gap]:
    """gaps[i] precedes tokens[i]; gaps[len(tokens)] holds what ends the file."""
    gaps = []
    prev_end = 0
    for i in range(len(tokens) + 1):
        start = tokens[i].start_pos if i < len(tokens) else len(source)
        gap = _Gap()
        at = prev_end
        for m in _COMMENT_RE.finditer(source, prev_end, start):
            between = source[at : m.start()]
            gap.comments.append(_Comment(m.group(0).rstrip(), i > 0 and "\n" not in source[prev_end : m.start()], between.count("\n") >= 2))
            at = m.end()
        gap.blank_before = source[at:start].count("\n") >= 2
        gaps.append(gap)
        prev_end = tokens[i].end_pos if i < len(tokens) else start
    # A comment written before a comma is printed after it: the comma stays
    # with its item and the comment with the line. A block's colons are
    # dropped, so a comment before one goes with the value that follows.
    for i, tok in enumerate(tokens):
        if tok.type in ("COMMA", "COLON") and gaps[i].comments:
            gaps[i + 1].comments[:0] = gaps[i].comments
            gaps[i].comments = []
    return gaps


# ------------------------------------------------------------- the output


@dataclass(frozen=True)
class _Sep:
    """How a token is separated from the one before it.

    kind "line" starts a new line at `indent`; "space"/"none" keep the token
    on the line, unless a comment forces a break, and then it continues at
    `indent`. Own-line comments before the token go at `comment_indent`.
    """

    kind: str
    indent: int = 0
    comment_indent: int | None = None
    blank: bool = False  # keep one blank line from the source before the token
    blank_comments: bool = False  # ... and before comments in the gap
    spaces: int = 1


def _line(indent: int, *, blank: bool = True, comment_indent: int | None = None, token_blank: bool | None = None) -> _Sep:
    return _Sep("line", indent, indent if comment_indent is None else comment_indent, blank if token_blank is None else token_blank, blank)


def _space(cont: int, spaces: int = 1) -> _Sep:
    return _Sep("space", cont, cont, spaces=spaces)


def _none(cont: int) -> _Sep:
    return _Sep("none", cont, cont)


class _Lines:
    """Output lines as (code, end-of-line comment); comments are aligned last."""

    def __init__(self) -> None:
        self.done: list[tuple[str, str | None]] = []
        self.code = ""
        self.comment: str | None = None
        self.indent = 0  # where the current line starts
        self.after_opener = True  # at the start, or just after '{' / '[': no blank line

    @property
    def has_code(self) -> bool:
        return bool(self.code.strip())

    def newline(self, indent: int, blank: bool = False) -> None:
        if self.has_code or self.comment is not None:
            self.done.append((self.code, self.comment))
        if blank and self.done and self.done[-1] != ("", None) and not self.after_opener:
            self.done.append(("", None))
        self.code, self.comment, self.indent = " " * indent, None, indent

    def write(self, text: str) -> None:
        first, *rest = text.split("\n")
        self.code += first
        for part in rest:  # the lines of a triple-quoted string, kept verbatim
            self.done.append((self.code, self.comment))
            self.code, self.comment = part, None
        self.after_opener = False

    def render(self) -> str:
        if self.has_code or self.comment is not None:
            self.done.append((self.code, self.comment))
            self.code, self.comment = "", None
        lines = self.done
        out: list[str] = []
        i = 0
        while i < len(lines):
            if lines[i][1] is None:
                out.append(lines[i][0])
                i += 1
                continue
            # Consecutive lines with end-of-line comments share one column.
            j = i
            while j < len(lines) and lines[j][1] is not None:
                j += 1
            column = max(len(code) for code, _ in lines[i:j]) + 2
            out += [(code.ljust(column) if code.strip() else code) + comment for code, comment in lines[i:j]]
            i = j
        while out and not out[-1].strip():
            out.pop()
        return "\n".join(out) + "\n" if out else ""


# ------------------------------------------------------------ the printer


class _Printer:
    def __init__(self, source: str, tree: Tree) -> None:
        self.tokens = _tokens(tree)
        self.index = {id(t): i for i, t in enumerate(self.tokens)}
        self.gaps = _gaps(source, self.tokens)
        self.comments = [c for g in self.gaps for c in g.comments]
        self.out = _Lines()

    # -- primitives

    def tok(self, token: Token | str, sep: _Sep, text=None) -> None:
        """Print a token (or a str: a token fmt adds, with no gap) after sep;
        text replaces the token's own (a callable is asked once the line is known)."""
        gap = self.gaps[self.index[id(token)]] if isinstance(token, Token) else _Gap()
        out = self.out
        broke = False
        for c in gap.comments:
            if c.trailing and not broke and out.has_code and out.comment is None:
                out.comment = c.text
            else:
                out.newline(sep.comment_indent, blank=c.blank_before and sep.blank_comments)
                out.write(c.text)
            broke = True
        if sep.kind == "line" or broke:
            out.newline(sep.indent, blank=gap.blank_before and sep.blank)
        elif sep.kind == "space":
            out.code += " " * sep.spaces
        out.write(str(token) if text is None else text() if callable(text) else text)
        if str(token) in ("{", "["):
            out.after_opener = True

    def has_comments(self, first: Token | Tree, last: Token) -> bool:
        """Comments before any token from first (a token, or a subtree's first
        token) to last, inclusive."""
        if isinstance(first, Tree):
            first = _tokens(first)[0]
        a, b = self.index[id(first)], self.index[id(last)]
        return any(self.gaps[i].comments for i in range(a, b + 1))

    def string(self, tree: Tree, sep: _Sep) -> None:
        token = tree.children[0]
        self.tok(token, sep, lambda: self.string_text(token, self.out.indent + INDENT))

    @staticmethod
    def string_text(token: Token, indent: int = INDENT) -> str:
        """A multi-line triple-quoted body goes one level deeper than the line
        the string opens on; every other string is printed as written."""
        if token.type != "LONG_STRING":
            return str(token)
        return _reindent_long(str(token), indent)

    # -- the spec

    def spec(self, tree: Tree) -> str:
        for stmt in tree.children:
            getattr(self, stmt.data)(stmt)
        for c in self.gaps[-1].comments:  # comments after the last statement
            if c.trailing and self.out.has_code and self.out.comment is None:
                self.out.comment = c.text
            else:
                self.out.newline(0, blank=c.blank_before)
                self.out.write(c.text)
        return self.out.render()

    def input_stmt(self, t: Tree) -> None:
        keyword, value = t.children
        self.tok(keyword, _line(0))
        if value.data == "string":
            self.string(value, _space(INDENT))
        else:
            self.block(value, 0, _role_rows(value))

    def requirement_stmt(self, t: Tree) -> None:
        keyword, name, mandatory, description = t.children
        self.tok(keyword, _line(0))
        self.string(name, _space(INDENT))
        if mandatory is not None:
            self.tok(mandatory, _space(INDENT))
        desc = description.children[0]
        desc_text = self.string_text(desc)
        if "\n" in desc_text:
            sep = _space(INDENT)  # requirement "name" """ ... """
        else:
            flat = len(self.out.code) + 1 + len(desc_text)
            sep = _space(INDENT) if flat <= WIDTH else _line(INDENT, blank=False)
        self.string(description, sep)

    def tool_stmt(self, t: Tree) -> None:
        keyword, kind, label, body = t.children
        self.tok(keyword, _line(0))
        self.tok(kind, _space(INDENT))
        if label is not None:
            self.key(label, _space(INDENT))
        if body is not None:
            self.block(body, 0, _field_rows(body))

    def system_prompt_stmt(self, t: Tree) -> None:
        keyword, value = t.children
        self.tok(keyword, _line(0))
        self.string(value, _space(INDENT))

    def output_type_stmt(self, t: Tree) -> None:
        keyword, value = t.children
        self.tok(keyword, _line(0))
        self.value(value, 0, _space(INDENT))

    def block(self, t: Tree, indent: int, rows: list) -> None:
        """{ rows } with one row per line, first column aligned; a row is
        (key token, value) or a parameter row (a Tree)."""
        children = [c for c in t.children if c is not None]
        open_, close = children[0], children[-1]
        self.tok(open_, _space(indent + INDENT))
        if not rows and not self.has_comments(close, close):
            self.tok(close, _none(indent))
            return
        width = max((len(str(row[0])) for row in rows if isinstance(row, tuple)), default=0)
        params = [row.children for row in rows if isinstance(row, Tree)]
        columns = (max((len(self.key_text(p[1])) for p in params), default=0), max((len(str(p[2])) for p in params), default=0))
        inner = indent + INDENT
        for row in rows:
            if isinstance(row, Tree):
                self.parameter_row(row, inner, columns)
                continue
            key, value = row
            self.tok(key, _line(inner))
            self.value(value, inner, _space(inner + INDENT, spaces=width - len(str(key)) + 1))
        self.tok(close, _line(indent, comment_indent=inner, token_blank=False))

    def parameter_row(self, t: Tree, indent: int, columns: tuple[int, int]) -> None:
        """parameter NAME TYPE "description" [required], names and types aligned."""
        keyword, name, kind, description, required, extra = t.children
        self.tok(keyword, _line(indent))
        self.key(name, _space(indent + INDENT))
        self.tok(kind, _space(indent + INDENT, spaces=columns[0] - len(self.key_text(name)) + 1))
        self.string(description, _space(indent + INDENT, spaces=columns[1] - len(str(kind)) + 1))
        if required is not None:
            self.tok(required, _space(indent + INDENT))
        if extra is not None:
            self.map(extra, indent, _space(indent + INDENT))

    def value(self, v, indent: int, sep: _Sep) -> None:
        """Any value: a string, a bare word or literal, a list, a map block."""
        if isinstance(v, Token):
            self.tok(v, sep)
        elif v.data in _STRING_RULES:
            self.string(v, sep)
        elif v.data == "list":
            self.list(v, indent, sep)
        else:
            self.map(v, indent, sep)

    def map(self, t: Tree, indent: int, sep: _Sep) -> None:
        """{ key value ... }: one entry per line, keys aligned; a lone short
        scalar entry stays on the line. Colons and commas are dropped."""
        children = [c for c in t.children if c is not None]
        open_, close = children[0], children[-1]
        entries = [c for c in children[1:-1] if isinstance(c, Tree)]
        commas = [c for c in children[1:-1] if isinstance(c, Token)]
        self.tok(open_, sep)
        if not entries and not self.has_comments(close, close):
            self.tok(close, _none(indent))
            return
        inner = indent + INDENT
        parts = [self.entry_parts(e) for e in entries]
        if len(entries) == 1 and not self.has_comments(entries[0], close) and _is_scalar(parts[0][-1]):
            key, colon, value = parts[0]
            text = self.value_text(value)
            if "\n" not in text and len(self.out.code) + len(self.key_text(key)) + len(text) + 4 <= WIDTH:
                self.key(key, _space(inner))
                if colon is not None:
                    self.tok(colon, _none(inner), "")
                self.value(value, inner, _space(inner + INDENT))
                for comma in commas:
                    self.tok(comma, _none(inner), "")
                self.tok(close, _space(indent))
                return
        width = max((len(self.key_text(k)) for k, _, _ in parts), default=0)
        comma_after = {}
        for comma in commas:  # each comma belongs to the entry before it
            before = [e for e in entries if _tokens(e)[-1].end_pos <= comma.start_pos]
            comma_after.setdefault(id(before[-1]) if before else None, []).append(comma)
        for e, (key, colon, value) in zip(entries, parts):
            self.key(key, _line(inner))
            if colon is not None:
                self.tok(colon, _none(inner), "")
            self.value(value, inner, _space(inner + INDENT, spaces=width - len(self.key_text(key)) + 1))
            for comma in comma_after.get(id(e), ()):
                self.tok(comma, _none(inner), "")
        self.tok(close, _line(indent, comment_indent=inner, token_blank=False))

    @staticmethod
    def entry_parts(e: Tree):
        key, *rest = [c for c in e.children if c is not None]
        colon = rest[0] if len(rest) == 2 else None
        return key, colon, rest[-1]

    def key(self, key, sep: _Sep) -> None:
        if isinstance(key, Token):
            self.tok(key, sep)
        else:
            self.string(key, sep)

    @staticmethod
    def key_text(key) -> str:
        return str(key) if isinstance(key, Token) else str(key.children[0])

    def value_text(self, v) -> str:
        if isinstance(v, Token):
            return str(v)
        return self.string_text(v.children[0])

    def list(self, t: Tree, indent: int, sep: _Sep) -> None:
        children = [c for c in t.children if c is not None]
        open_, close = children[0], children[-1]
        commas = [c for c in children[1:-1] if isinstance(c, Token) and c.type == "COMMA"]
        items = [c for c in children[1:-1] if not (isinstance(c, Token) and c.type == "COMMA")]
        self.tok(open_, sep)
        scalar = all(_is_scalar(i) for i in items)
        texts = [self.value_text(i) for i in items] if scalar else []
        flat = len(self.out.code) + sum(len(s) for s in texts) + 2 * max(len(texts) - 1, 0) + 1
        one_line = scalar and flat <= WIDTH and not any("\n" in s for s in texts) and not self.has_comments(children[1], close)
        inner = indent + INDENT
        if one_line:
            for k, item in enumerate(items):
                if k:
                    self.tok(commas[k - 1], _none(inner))
                self.value(item, inner, _none(inner) if k == 0 else _space(inner))
            if len(commas) >= len(items) and items:  # a trailing comma goes on one line
                self.tok(commas[-1], _none(inner), "")
            self.tok(close, _none(indent))
            return
        for k, item in enumerate(items):
            self.value(item, inner, _line(inner))
            if k < len(commas):
                self.tok(commas[k], _none(inner + INDENT))
            else:
                self.tok(",", _none(inner + INDENT))
        self.tok(close, _line(indent, comment_indent=inner, token_blank=False))

    def model_stmt(self, t: Tree) -> None:
        self.comma_list(t)

    def include_stmt(self, t: Tree) -> None:
        self.comma_list(t)

    def comma_list(self, t: Tree) -> None:
        keyword, *rest = t.children
        self.tok(keyword, _line(0))
        for child in rest:
            if isinstance(child, Tree):  # a quoted model ID
                self.string(child, _space(INDENT))
            elif child.type == "COMMA":
                self.tok(child, _none(INDENT))
            else:
                self.tok(child, _space(INDENT))

    def budget_stmt(self, t: Tree) -> None:
        self.keyword_value(t)

    def language_stmt(self, t: Tree) -> None:
        self.keyword_value(t)

    def keyword_value(self, t: Tree) -> None:
        keyword, value = t.children
        self.tok(keyword, _line(0))
        self.tok(value, _space(INDENT))

    def param_stmt(self, t: Tree) -> None:
        keyword, name, *rest = [c for c in t.children if c is not None]
        self.tok(keyword, _line(0))
        self.tok(name, _space(INDENT))
        for child in rest:
            if isinstance(child, Tree):
                self.string(child, _space(INDENT))
            else:
                self.tok(child, _space(INDENT))


def _role_rows(messages: Tree) -> list[tuple[Token, Tree]]:
    return [(m.children[0], m.children[1]) for m in messages.children if isinstance(m, Tree)]


def _field_rows(body: Tree) -> list:
    return [(f.children[0], f.children[1]) if f.data == "tool_field" else f for f in body.children if isinstance(f, Tree)]


_STRING_RULES = ("string", "vstring", "kstring")


def _is_scalar(v) -> bool:
    return isinstance(v, Token) or v.data in _STRING_RULES


def _reindent_long(raw: str, indent: int) -> str:
    """A multi-line \"\"\"string\"\"\" with its body at `indent` and the closing
    quotes on their own line; returned unchanged if that could alter its value."""
    body = raw[3:-3]
    if "\n" not in body:
        return raw
    lines = body.split("\n")
    if len(lines) > 1 and not lines[0].strip():
        lines = lines[1:]
    if len(lines) > 1 and not lines[-1].strip():
        lines = lines[:-1]
    content = textwrap.dedent("\n".join(lines)).split("\n")
    pad = " " * indent
    new_body = "\n" + "\n".join(pad + line if line else "" for line in content) + "\n" + pad
    if dedent_long(new_body) != dedent_long(body):
        return raw
    return '"""' + new_body + '"""'
