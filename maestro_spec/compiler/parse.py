"""Text -> AST. Syntax errors become diagnostics, never exceptions; the
wording of those is syntaxerrors.py's."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..grammar import parse_tree
from ..grammar.standalone import Token, Transformer, Tree, UnexpectedInput, VisitError, v_args
from . import ast, codes
from .diagnostics import Diagnostic, span_of
from .strings import BadEscape, dedent_long, offset_span, unescape
from .syntaxerrors import STATEMENT_KEYWORDS, shown_token, syntax_diagnostic

__all__ = ["STATEMENT_KEYWORDS", "ParseResult", "parse"]


@dataclass
class ParseResult:
    spec: ast.Spec | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    comments: tuple[ast.Comment, ...] = ()  # in source order, when parse() is asked for them


def _bad_escape_offset(body: str) -> int:
    try:
        unescape(body)
    except BadEscape as e:
        return e.offset
    return 0


class _ToAST(Transformer):
    """Lark tree -> AST. Decoding problems in strings are collected."""

    def __init__(self):
        super().__init__()
        self.diagnostics: list[Diagnostic] = []

    def NAME(self, tok: Token) -> ast.Name:
        return ast.Name(str(tok), span_of(tok))

    def STRING(self, tok: Token) -> ast.Str:
        return self._str(tok, quote=1, triple=False)

    def LONG_STRING(self, tok: Token) -> ast.Str:
        return self._str(tok, quote=3, triple=True)

    def _str(self, tok: Token, quote: int, triple: bool) -> ast.Str:
        span = span_of(tok)
        # The token is a str subclass (a copy of its text); .value is the text
        # the lexer matched, and str() of an exact str is that same object.
        raw = str(tok.value)
        try:
            # dedent_long reads the body between raw's quotes: no slice of it to begin with
            value = unescape(dedent_long(raw, quote, len(raw) - quote) if triple else raw[quote:-quote])
        except BadEscape as e:
            body = raw[quote:-quote]
            # Dedenting only removes indentation, so the undedented body has
            # the same first bad escape, at its offset in the raw text.
            at = quote + _bad_escape_offset(body)
            shown = e.text if e.text.isprintable() else repr(e.text)[1:-1]
            surrogate = len(e.text) == 6 and e.text[1] == "u"
            self.diagnostics.append(
                Diagnostic(
                    codes.INVALID_ESCAPE,
                    f"invalid escape '{shown}' in a string",
                    offset_span(raw, span, at, at + len(e.text)),
                    hint="\\uD800-\\uDFFF is half of a surrogate pair: write the pair (\\ud83d\\ude00) or the character itself"
                    if surrogate
                    else 'strings accept JSON escapes: \\" \\\\ \\n \\t \\uXXXX',
                )
            )
            value = body
        return ast.Str(value, span, triple, ast.Placeholders(raw, span))

    @v_args(meta=True)
    def list(self, meta, children):
        return ast.List(tuple(c for c in children if c is not None), span_of(meta))

    @v_args(meta=True)
    def block(self, meta, children):
        return ast.Block(tuple(c for c in children if c is not None), span_of(meta))

    @v_args(meta=True)
    def entry(self, meta, children):
        key, value = (c for c in children if c is not None)
        return ast.Entry(key, value, span_of(meta))

    def NUMBER(self, tok: Token) -> ast.Number:
        text = str(tok)
        try:
            value = float(text) if any(c in text for c in ".eE") else int(text)
        except ValueError:  # more digits than Python converts
            value = float("inf")
        if isinstance(value, float) and not math.isfinite(value):
            self.diagnostics.append(Diagnostic(codes.NUMBER_TOO_LARGE, f"the number {shown_token(tok)} is too large", span_of(tok), hint="JSON numbers beyond 1e308 are not portable; write a smaller one"))
            value = 0
        return ast.Number(value, span_of(tok))

    def TRUE(self, tok: Token) -> ast.Bool:
        return ast.Bool(True, span_of(tok))

    def FALSE(self, tok: Token) -> ast.Bool:
        return ast.Bool(False, span_of(tok))

    def NULL(self, tok: Token) -> ast.Null:
        return ast.Null(span_of(tok))

    @v_args(meta=True)
    def message(self, meta, children):
        return ast.Message(children[0], children[1], span_of(meta))

    def messages(self, children):
        return tuple(children)

    @v_args(meta=True)
    def input_stmt(self, meta, children):
        return ast.Input(children[0], span_of(meta))

    @v_args(meta=True)
    def requirement_stmt(self, meta, children):
        name, mandatory, description = children
        return ast.Requirement(name, description, span_of(mandatory) if mandatory else None, span_of(meta))

    @v_args(meta=True)
    def tool_field(self, meta, children):
        return ast.ToolField(children[0], children[1], span_of(meta))

    @v_args(meta=True)
    def parameter_row(self, meta, children):
        name, kind, description, required, extra = children
        return ast.Parameter(name, kind, description, span_of(required) if required else None, extra, span_of(meta))

    def tool_body(self, children):
        return tuple(children)

    @v_args(meta=True)
    def tool_stmt(self, meta, children):
        kind, label, body = children
        body = body or ()
        fields = tuple(c for c in body if isinstance(c, ast.ToolField))
        parameters = tuple(c for c in body if isinstance(c, ast.Parameter))
        return ast.Tool(kind, label, fields, parameters, span_of(meta))

    @v_args(meta=True)
    def system_prompt_stmt(self, meta, children):
        return ast.SystemPrompt(children[0], span_of(meta))

    @v_args(meta=True)
    def output_type_stmt(self, meta, children):
        return ast.OutputType(children[0], span_of(meta))

    @v_args(meta=True)
    def model_stmt(self, meta, children):
        return ast.Model(tuple(children), span_of(meta))

    @v_args(meta=True)
    def budget_stmt(self, meta, children):
        return ast.Budget(children[0], span_of(meta))

    @v_args(meta=True)
    def include_stmt(self, meta, children):
        return ast.Include(tuple(children), span_of(meta))

    @v_args(meta=True)
    def language_stmt(self, meta, children):
        return ast.Language(children[0], span_of(meta))

    @v_args(meta=True)
    def param_stmt(self, meta, children):
        return ast.Param(children[0], children[1], span_of(meta))

    def start(self, children):
        return ast.Spec(tuple(children))


def parse(text: str, *, comments: bool = False) -> ParseResult:
    """Parse a spec. On a syntax error the result has no AST and one diagnostic
    (later errors after a syntax error are mostly echoes of the first).
    comments=True: the result has the comments too (fmt keeps them)."""
    try:
        tree, found = parse_tree(text, comments=comments)
    except UnexpectedInput as e:
        return ParseResult(None, [syntax_diagnostic(text, e)])
    too_deep = _too_deep(tree)
    if too_deep is not None:
        return ParseResult(None, [too_deep])
    builder = _ToAST()
    try:
        spec = builder.transform(tree)
    except VisitError as e:  # a bug in the builder, not in the user's text
        raise e.orig_exc from e
    return ParseResult(spec, builder.diagnostics, tuple(ast.Comment(str(c).rstrip(), span_of(c)) for c in found))


# Blocks and lists inside one another, at most. Every later stage (the AST
# builder, emit, the API's rules, fmt, decompile) walks values by recursion;
# a real JSON Schema is rarely 20 deep, and 500 would exhaust Python's stack.
MAX_NESTING = 100


def _too_deep(tree) -> Diagnostic | None:
    """E007 at the first block or list nested deeper than MAX_NESTING, found
    without recursion (a stack of subtrees), else None."""
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if node.data in ("block", "list"):
            depth += 1
            if depth > MAX_NESTING:
                return Diagnostic(
                    codes.NESTED_TOO_DEEPLY,
                    f"values are nested more than {MAX_NESTING} deep here",
                    span_of(node.meta),
                    "flatten the value, or read a JSON Schema from a file: output_type \"schema.json\"",
                )
        stack.extend((child, depth) for child in reversed(node.children) if isinstance(child, Tree))
    return None
