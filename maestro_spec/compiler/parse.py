"""Text -> AST. Syntax errors become diagnostics, never exceptions."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from lark import Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError

from ..grammar import get_parser
from . import ast
from .diagnostics import Diagnostic, span_at, span_of
from .strings import PLACEHOLDER_RE, BadEscape, dedent_long, offset_span, unescape
from .suggest import did_you_mean

STATEMENT_KEYWORDS = tuple(ast.KEYWORDS.values())

# How each terminal is named in "expected ..." messages.
_TERMINAL_NAMES = {
    "STRING": "a string",
    "LONG_STRING": None,  # folded into "a string"
    "NAME": "a name",
    "MANDATORY": "'mandatory'",
    "REQUIRED": "'required'",
    "PARAMETER": "'parameter'",
    "NUMBER": "a number",
    "TRUE": "true",
    "FALSE": "false",
    "NULL": "null",
    "COLON": "':'",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "LSQB": "'['",
    "RSQB": "']'",
    "COMMA": "','",
    "EQUAL": "'='",
    "$END": "end of file",
}
_STATEMENT_TERMINALS = {k.upper() for k in STATEMENT_KEYWORDS}

# What a NAME means after each keyword, for friendlier messages.
_VALUE_HINTS = {
    "budget": "budget takes one of: low, medium, high (unquoted)",
    "language": "language takes a language name, unquoted: language french",
    "include": "include takes unquoted names: include data_sources, requirements_result",
    "tool": "tool takes a tool type: tool web_search, tool file_search, tool http NAME, tool mcp LABEL",
    "parameter": 'parameter NAME TYPE "description" [required], e.g. parameter city string "The city" required',
    "param": "param takes a name: param document, or param tone = \"friendly\"",
}


@dataclass
class ParseResult:
    spec: ast.Spec | None
    diagnostics: list[Diagnostic] = field(default_factory=list)


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
        return self._str(tok, str(tok)[1:-1], quote=1, triple=False)

    def LONG_STRING(self, tok: Token) -> ast.Str:
        return self._str(tok, str(tok)[3:-3], quote=3, triple=True)

    def _str(self, tok: Token, body: str, quote: int, triple: bool) -> ast.Str:
        span = span_of(tok)
        raw = str(tok)
        try:
            value = unescape(dedent_long(body) if triple else body)
        except BadEscape as e:
            # Dedenting only removes indentation, so the undedented body has
            # the same first bad escape, at its offset in the raw text.
            at = quote + _bad_escape_offset(body)
            shown = e.text if e.text.isprintable() else repr(e.text)[1:-1]
            surrogate = len(e.text) == 6 and e.text[1] == "u"
            self.diagnostics.append(
                Diagnostic(
                    "E004",
                    f"invalid escape '{shown}' in a string",
                    offset_span(raw, span, at, at + len(e.text)),
                    hint="\\uD800-\\uDFFF is half of a surrogate pair: write the pair (\\ud83d\\ude00) or the character itself"
                    if surrogate
                    else 'strings accept JSON escapes: \\" \\\\ \\n \\t \\uXXXX',
                )
            )
            value = body
        return ast.Str(value, span, triple, ast.Placeholders(raw, span))

    def string(self, children):
        return children[0]

    vstring = kstring = string

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
            self.diagnostics.append(Diagnostic("E006", f"the number {_shown(tok)} is too large", span_of(tok), hint="JSON numbers beyond 1e308 are not portable; write a smaller one"))
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


def parse(text: str) -> ParseResult:
    """Parse a spec. On a syntax error the result has no AST and one diagnostic
    (later errors after a syntax error are mostly echoes of the first)."""
    parser = get_parser()
    try:
        tree = parser.parse(text)
    except UnexpectedInput as e:
        return ParseResult(None, [_syntax_diagnostic(text, e)])
    builder = _ToAST()
    try:
        spec = builder.transform(tree)
    except VisitError as e:  # a bug in the builder, not in the user's text
        raise e.orig_exc from e
    return ParseResult(spec, builder.diagnostics)


# ------------------------------------------------------------ syntax errors

_WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")


def _shown(tok: Token) -> str:
    text = str(tok).split("\n", 1)[0]
    return text if len(text) <= 24 else text[:20] + "..." + ('"' if text.startswith('"') else "")


def _previous_token(text: str, pos: int) -> Token | None:
    prev = None
    try:
        for tok in get_parser().lex(text[:pos]):
            prev = tok
    except UnexpectedInput:
        pass
    return prev


def _describe_expected(expected: set[str]) -> str:
    names = set(expected)
    parts: list[str] = []
    if _STATEMENT_TERMINALS <= names:
        names -= _STATEMENT_TERMINALS
        parts.append("a statement (" + ", ".join(STATEMENT_KEYWORDS) + ")")
    if "LONG_STRING" in names:
        names.add("STRING")
    for name in sorted(names, key=lambda n: (n == "$END", n)):
        if name in _STATEMENT_TERMINALS:
            parts.append(f"'{name.lower()}'")
        elif _TERMINAL_NAMES.get(name, name):
            parts.append(_TERMINAL_NAMES.get(name, name))
    if len(parts) <= 1:
        return "".join(parts) or "something else"
    return ", ".join(parts[:-1]) + " or " + parts[-1]


def _syntax_diagnostic(text: str, e: UnexpectedInput) -> Diagnostic:
    expected = set(getattr(e, "expected", None) or getattr(e, "allowed", None) or ())
    pos = e.pos_in_stream if e.pos_in_stream is not None else len(text)
    token = getattr(e, "token", None)

    at_end = isinstance(e, UnexpectedToken) and token is not None and token.type == "$END"
    opener = _unclosed_triple_quote(text, len(text) if at_end else pos)
    if opener is not None:
        return Diagnostic(
            "E002",
            'unterminated string: this """ has no closing """',
            span_at(text, opener, 3),
            hint='close the text with """',
        )

    if at_end:
        return _eof_diagnostic(text, expected)

    prev = _previous_token(text, pos)
    after = f" after '{_shown(prev)}'" if prev is not None else ""

    if isinstance(e, UnexpectedCharacters) and text[pos : pos + 1] == '"':
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        return Diagnostic(
            "E002",
            "unterminated string: a \"...\" string must close on the same line",
            span_at(text, pos, end - pos),
            hint='close it with ", or use """triple quotes""" for text over several lines',
        )

    if token is not None and token.type == "MANDATORY":
        return Diagnostic(
            "E001",
            f"'mandatory' is out of place{after}",
            span_at(text, pos, len(str(token))),
            hint="write 'mandatory' between the requirement's name and its description",
        )

    if isinstance(e, UnexpectedCharacters):
        # The lexer's 'allowed' set merges parser states; it would mislead.
        return Diagnostic(
            "E001",
            f"unexpected character {_found_text(text, pos, None)}{after}",
            span_at(text, pos, 1),
            hint="comments start with #; text belongs in \"quotes\"",
        )

    word_match = _WORD_RE.match(text, pos)
    found_word = word_match.group(0) if word_match else None
    if found_word and prev is not None and prev.end_pos == pos and prev.type in _STATEMENT_TERMINALS:
        # "inputs": the keyword matched a prefix of a longer word.
        pos, found_word = prev.start_pos, str(prev) + found_word
        expected = set(_STATEMENT_TERMINALS)
        prev = _previous_token(text, pos)
        after = f" after '{_shown(prev)}'" if prev is not None else ""

    # A keyword can only be followed by its value, so when the parser
    # wants a new statement right after one, that keyword was read as
    # the value of the statement before: `budget` with its value
    # forgotten, then `language french` on the next line.
    owner = _previous_token(text, prev.start_pos) if prev is not None and prev.type in _STATEMENT_TERMINALS else None
    if owner is not None and owner.type in _STATEMENT_TERMINALS and expected & _STATEMENT_TERMINALS:
        return Diagnostic(
            "E001",
            f"'{owner}' has no value: the '{prev}' on line {prev.line} was read as its value",
            span_at(text, owner.start_pos, len(str(owner))),
            hint=_VALUE_HINTS.get(str(owner)),
        )
    if owner is not None and owner.type == "COMMA" and expected & _STATEMENT_TERMINALS:
        return Diagnostic(
            "E001",
            f"nothing follows this ',': the '{prev}' on line {prev.line} was read as the next item",
            span_at(text, owner.start_pos, 1),
            hint="remove the trailing ','",
        )

    if found_word and expected & _STATEMENT_TERMINALS:
        suggestion = did_you_mean(found_word, STATEMENT_KEYWORDS)
        return Diagnostic(
            "E001",
            f"unknown keyword '{found_word}': expected {_describe_expected(expected)}",
            span_at(text, pos, len(found_word)),
            hint=suggestion or "each statement starts with a keyword; see docs/language.md",
        )

    found = _found_text(text, pos, token)
    hint = None
    if prev is not None and str(prev) in _VALUE_HINTS and expected == {"NAME"}:
        hint = _VALUE_HINTS[str(prev)]
    elif expected <= {"COMMA", "RSQB"} and token is not None and token.type in {"STRING", "LONG_STRING"}:
        hint = "separate list items with commas"
    return Diagnostic(
        "E001",
        f"expected {_describe_expected(expected)}{after}, found {found}",
        span_at(text, pos, len(str(token)) if token is not None else 1),
        hint=hint,
    )


def _found_text(text: str, pos: int, token) -> str:
    if token is not None and str(token):
        shown = str(token).split("\n", 1)[0]
        return f"'{shown[:40]}'"
    ch = text[pos : pos + 1]
    return f"'{ch}'" if ch.strip() else "whitespace"


def _unclosed_triple_quote(text: str, pos: int) -> int | None:
    """Where a \"\"\" that never closes starts: the lexer then reads it as an
    empty "" string followed by a stray quote."""
    try:
        for tok in get_parser().lex(text[:pos]):
            if tok.type == "STRING" and str(tok) == '""' and text.startswith('"', tok.end_pos):
                return tok.start_pos
    except UnexpectedInput:
        pass
    return None


def _eof_diagnostic(text: str, expected: set[str]) -> Diagnostic:
    # Lark reports EOF past the text; point at the last token instead (not at
    # a trailing comment, which is not what is incomplete).
    prev = _previous_token(text, len(text))
    pos = prev.end_pos - 1 if prev is not None else max(len(text.rstrip()) - 1, 0)
    after = f" after '{_shown(prev)}'" if prev is not None else ""
    if prev is not None and prev.type == "COMMENT":
        after = ""
    open_block = ""
    if "RBRACE" in expected:
        open_block = " (a '{' block is still open)"
    elif "RSQB" in expected:
        open_block = " (a '[' list is still open)"
    return Diagnostic(
        "E003",
        f"unexpected end of file{open_block}: expected {_describe_expected(expected)}{after}",
        span_at(text, pos, 1),
    )
