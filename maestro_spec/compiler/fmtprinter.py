"""The AST printed in fmt's one layout: a method per node kind (ast.Visitor).

Each token is printed after its gap (fmtcomments.py): a comment in the gap is
printed just before the token that followed it in the source, on the same
line as the previous token if it was there (an end-of-line comment), on a
line of its own otherwise. A comment therefore forces a line break wherever
it sits, and the layout around it stays the same on the next run, which keeps
fmt idempotent. What the AST does not keep of how a value was written (a
number's digits, a string's quotes and escapes) is sliced from the source by
the node's span: strings are printed as written, except that a multi-line
triple-quoted string is re-indented when its value provably stays the same.
"""

from __future__ import annotations

from typing import Callable

from . import ast
from .diagnostics import Span
from .fmtcomments import Gap, Gaps
from .fmtlines import OutputLines, Sep, joined, new_line, spaced
from .strings import reindent_long

WIDTH = 88  # a line that would be longer is broken where the layout allows
INDENT = 4

# A row of a { ... } of rows: a message (role, content), a tool field (key,
# value), or an http tool's parameter row.
_Row = tuple[ast.Name, ast.Value] | ast.Parameter


class SpecPrinter(ast.Visitor):
    def __init__(self, source: str, comments: tuple[ast.Comment, ...]) -> None:
        self.source = source
        self.gaps = Gaps(source, comments)
        self.out = OutputLines()

    # -- primitives

    def tok(self, start: int | None, end: int, sep: Sep, text: str | Callable[[], str], *, carry: bool = False) -> None:
        """Print the token at source[start:end] (start None: a token fmt adds,
        with no gap) after sep, as text (a callable is asked once the line is
        known). carry: a comma or colon, whose comments go to the next token."""
        if start is None:
            gap = Gap()
        elif carry:
            self.gaps.carry(start, end)
            gap = Gap()
        else:
            gap = self.gaps.before(start, end)
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
        out.write(text() if callable(text) else text)
        if text in ("{", "["):
            out.after_opener = True

    def node_tok(self, node, sep: Sep, text: str | None = None) -> None:
        """A token that is one AST node (or a span), printed as written unless text is given."""
        span = node if isinstance(node, Span) else node.span
        self.tok(span.start_pos, span.end_pos, sep, self.source[span.start_pos : span.end_pos] if text is None else text)

    def mark(self, at: int, sep: Sep, text: str, *, carry: bool = False) -> None:
        """One character of punctuation at source[at]."""
        self.tok(at, at + 1, sep, text, carry=carry)

    def keyword(self, stmt: ast.Statement) -> None:
        """A statement's keyword, where its span starts, on a line of its own."""
        word = ast.KEYWORDS[type(stmt)]
        self.tok(stmt.span.start_pos, stmt.span.start_pos + len(word), new_line(0), word)

    def raw(self, node) -> str:
        return self.source[node.span.start_pos : node.span.end_pos]

    def string_text(self, s: ast.Str, indent: int = INDENT) -> str:
        """A multi-line triple-quoted body goes one level deeper than the line
        the string opens on; every other string is printed as written."""
        return reindent_long(self.raw(s), indent) if s.triple else self.raw(s)

    def value_text(self, v: ast.Value) -> str:
        return self.string_text(v) if isinstance(v, ast.Str) else self.raw(v)

    # -- the spec

    def spec_node(self, spec: ast.Spec) -> str:
        for stmt in spec.statements:
            self.visit(stmt)
        for c in self.gaps.end().comments:  # comments after the last statement
            if c.trailing and self.out.has_code and self.out.comment is None:
                self.out.comment = c.text
            else:
                self.out.newline(0, blank=c.blank_before)
                self.out.write(c.text)
        return self.out.render()

    def input_node(self, node: ast.Input) -> None:
        self.keyword(node)
        if isinstance(node.value, ast.Str):
            self.visit(node.value, 0, spaced(INDENT))
        else:
            opener = self.gaps.next_mark(node.span.start_pos + len("input"))
            self.rows(opener, node.span.end_pos - 1, 0, [(m.role, m.content) for m in node.value])

    def requirement_node(self, node: ast.Requirement) -> None:
        self.keyword(node)
        self.visit(node.name, 0, spaced(INDENT))
        if node.mandatory is not None:
            self.node_tok(node.mandatory, spaced(INDENT))
        desc_text = self.string_text(node.description)
        if "\n" in desc_text:
            sep = spaced(INDENT)  # requirement "name" """ ... """
        else:
            flat = len(self.out.code) + 1 + len(desc_text)
            sep = spaced(INDENT) if flat <= WIDTH else new_line(INDENT, blank=False)
        self.visit(node.description, 0, sep)

    def tool_node(self, node: ast.Tool) -> None:
        self.keyword(node)
        self.node_tok(node.type, spaced(INDENT))
        if node.label is not None:
            self.visit(node.label, 0, spaced(INDENT))
        if self.source[node.span.end_pos - 1] == "}":  # a { body } (a label or type never ends so)
            opener = self.gaps.next_mark((node.label or node.type).span.end_pos)
            rows = sorted([*node.fields, *node.parameters], key=lambda r: r.span.start_pos)
            self.rows(opener, node.span.end_pos - 1, 0, [r if isinstance(r, ast.Parameter) else (r.key, r.value) for r in rows])

    def model_node(self, node: ast.Model) -> None:
        self.comma_list(node, node.refs)

    def include_node(self, node: ast.Include) -> None:
        self.comma_list(node, node.values)

    def comma_list(self, node: ast.Statement, items) -> None:
        self.keyword(node)
        for k, item in enumerate(items):
            if k:
                self.mark(self.gaps.next_mark(items[k - 1].span.end_pos), joined(INDENT), ",", carry=True)
            self.visit(item, 0, spaced(INDENT))

    def budget_node(self, node: ast.Budget) -> None:
        self.keyword(node)
        self.node_tok(node.value, spaced(INDENT))

    def language_node(self, node: ast.Language) -> None:
        self.keyword(node)
        self.node_tok(node.value, spaced(INDENT))

    def system_prompt_node(self, node: ast.SystemPrompt) -> None:
        self.keyword(node)
        self.visit(node.value, 0, spaced(INDENT))

    def output_type_node(self, node: ast.OutputType) -> None:
        self.keyword(node)
        self.visit(node.value, 0, spaced(INDENT))

    def param_node(self, node: ast.Param) -> None:
        self.keyword(node)
        self.node_tok(node.name, spaced(INDENT))
        if node.default is not None:
            self.mark(self.gaps.next_mark(node.name.span.end_pos), spaced(INDENT), "=")
            self.visit(node.default, 0, spaced(INDENT))

    # -- rows: messages, a tool's body

    def rows(self, opener: int, closer: int, indent: int, rows: list[_Row]) -> None:
        """{ rows } with one row per line, first column aligned."""
        self.mark(opener, spaced(indent + INDENT), "{")
        if not rows and not self.gaps.any_inside(opener + 1, closer):
            self.mark(closer, joined(indent), "}")
            return
        width = max((len(row[0].value) for row in rows if isinstance(row, tuple)), default=0)
        params = [row for row in rows if isinstance(row, ast.Parameter)]
        columns = (max((len(self.raw(p.name)) for p in params), default=0), max((len(p.type.value) for p in params), default=0))
        inner = indent + INDENT
        for row in rows:
            if isinstance(row, ast.Parameter):
                self.visit(row, inner, columns)
                continue
            key, value = row
            self.node_tok(key, new_line(inner))
            self.visit(value, inner, spaced(inner + INDENT, spaces=width - len(key.value) + 1))
        self.mark(closer, new_line(indent, comment_indent=inner, token_blank=False), "}")

    def parameter_node(self, node: ast.Parameter, indent: int, columns: tuple[int, int]) -> None:
        """parameter NAME TYPE "description" [required], names and types aligned."""
        cont = indent + INDENT
        self.tok(node.span.start_pos, node.span.start_pos + len("parameter"), new_line(indent), "parameter")
        self.visit(node.name, indent, spaced(cont))
        self.node_tok(node.type, spaced(cont, spaces=columns[0] - len(self.raw(node.name)) + 1))
        self.visit(node.description, indent, spaced(cont, spaces=columns[1] - len(node.type.value) + 1))
        if node.required is not None:
            self.node_tok(node.required, spaced(cont))
        if node.extra is not None:
            self.visit(node.extra, indent, spaced(cont))

    # -- values

    def str_node(self, node: ast.Str, indent: int, sep: Sep) -> None:
        span = node.span
        self.tok(span.start_pos, span.end_pos, sep, lambda: self.string_text(node, self.out.indent + INDENT))

    def name_node(self, node: ast.Name, indent: int, sep: Sep) -> None:
        self.node_tok(node, sep)

    number_node = bool_node = null_node = name_node  # printed as written

    def block_node(self, node: ast.Block, indent: int, sep: Sep) -> None:
        """{ key value ... }: one entry per line, keys aligned; a lone short
        scalar entry stays on the line. Colons and commas are dropped."""
        opener, closer = node.span.start_pos, node.span.end_pos - 1
        self.mark(opener, sep, "{")
        if not node.entries and not self.gaps.any_inside(opener + 1, closer):
            self.mark(closer, joined(indent), "}")
            return
        inner = indent + INDENT
        parts = [(e.key, self.gaps.mark_after(e.key.span.end_pos, ":"), e.value, self.gaps.mark_after(e.span.end_pos, ",")) for e in node.entries]
        if len(parts) == 1 and not self.gaps.any_inside(opener + 1, closer) and _is_scalar(parts[0][2]):
            key, colon, value, comma = parts[0]
            text = self.value_text(value)
            if "\n" not in text and len(self.out.code) + len(self.raw(key)) + len(text) + 4 <= WIDTH:
                self.visit(key, inner, spaced(inner))
                self.entry_rest(colon, value, comma, inner, spaced(inner + INDENT))
                self.mark(closer, spaced(indent), "}")
                return
        width = max((len(self.raw(key)) for key, _, _, _ in parts), default=0)
        for key, colon, value, comma in parts:
            self.visit(key, inner, new_line(inner))
            self.entry_rest(colon, value, comma, inner, spaced(inner + INDENT, spaces=width - len(self.raw(key)) + 1))
        self.mark(closer, new_line(indent, comment_indent=inner, token_blank=False), "}")

    def entry_rest(self, colon: int | None, value: ast.Value, comma: int | None, inner: int, sep: Sep) -> None:
        """An entry after its key: the colon and comma are dropped, their comments kept."""
        if colon is not None:
            self.mark(colon, joined(inner), "", carry=True)
        self.visit(value, inner, sep)
        if comma is not None:
            self.mark(comma, joined(inner), "", carry=True)

    def list_node(self, node: ast.List, indent: int, sep: Sep) -> None:
        opener, closer = node.span.start_pos, node.span.end_pos - 1
        items = node.items
        commas = [c for c in (self.gaps.mark_after(i.span.end_pos, ",") for i in items) if c is not None]
        self.mark(opener, sep, "[")
        scalar = all(_is_scalar(i) for i in items)
        texts = [self.value_text(i) for i in items] if scalar else []
        flat = len(self.out.code) + sum(len(s) for s in texts) + 2 * max(len(texts) - 1, 0) + 1
        one_line = scalar and flat <= WIDTH and not any("\n" in s for s in texts) and not self.gaps.any_inside(opener + 1, closer)
        inner = indent + INDENT
        if one_line:
            for k, item in enumerate(items):
                if k:
                    self.mark(commas[k - 1], joined(inner), ",", carry=True)
                self.visit(item, inner, joined(inner) if k == 0 else spaced(inner))
            if len(commas) >= len(items) and items:  # a trailing comma goes on one line
                self.mark(commas[-1], joined(inner), "", carry=True)
            self.mark(closer, joined(indent), "]")
            return
        for k, item in enumerate(items):
            self.visit(item, inner, new_line(inner))
            if k < len(commas):
                self.mark(commas[k], joined(inner + INDENT), ",", carry=True)
            else:
                self.tok(None, 0, joined(inner + INDENT), ",")
        self.mark(closer, new_line(indent, comment_indent=inner, token_blank=False), "]")


def _is_scalar(v: ast.Value) -> bool:
    return not isinstance(v, (ast.List, ast.Block))
