"""Syntax errors -> one friendly diagnostic: what was expected, in words,
at the token that is wrong (not where Lark noticed it)."""

from __future__ import annotations

import re

from ..grammar import get_parser
from ..grammar.standalone import Token, UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from . import ast, codes
from .diagnostics import Diagnostic, span_at
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

# What a NAME means after each keyword, for friendlier messages (check.py
# says TOOL_TYPE_HINT too, when a tool's type was read as its value).
TOOL_TYPE_HINT = "tool takes a tool type: tool web_search, tool file_search, tool http NAME, tool mcp LABEL"
_VALUE_HINTS = {
    "budget": "budget takes one of: low, medium, high (unquoted)",
    "language": "language takes a language name, unquoted: language french",
    "include": "include takes unquoted names: include data_sources, requirements_result",
    "tool": TOOL_TYPE_HINT,
    "parameter": 'parameter NAME TYPE "description" [required], e.g. parameter city string "The city" required',
    "param": "param takes a name: param document, or param tone = \"friendly\"",
}


_WORD_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")


def shown_token(tok: Token) -> str:
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


def syntax_diagnostic(text: str, e: UnexpectedInput) -> Diagnostic:
    expected = set(getattr(e, "expected", None) or getattr(e, "allowed", None) or ())
    pos = e.pos_in_stream if e.pos_in_stream is not None else len(text)
    token = getattr(e, "token", None)

    at_end = isinstance(e, UnexpectedToken) and token is not None and token.type == "$END"
    opener = _unclosed_triple_quote(text, len(text) if at_end else pos)
    if opener is not None:
        return Diagnostic(
            codes.UNTERMINATED_STRING,
            'unterminated string: this """ has no closing """',
            span_at(text, opener, 3),
            hint='close the text with """',
        )

    if at_end:
        return _eof_diagnostic(text, expected)

    prev = _previous_token(text, pos)
    after = f" after '{shown_token(prev)}'" if prev is not None else ""

    if isinstance(e, UnexpectedCharacters) and text[pos : pos + 1] == '"':
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        return Diagnostic(
            codes.UNTERMINATED_STRING,
            "unterminated string: a \"...\" string must close on the same line",
            span_at(text, pos, end - pos),
            hint='close it with ", or use """triple quotes""" for text over several lines',
        )

    if token is not None and token.type == "MANDATORY":
        return Diagnostic(
            codes.SYNTAX_ERROR,
            f"'mandatory' is out of place{after}",
            span_at(text, pos, len(str(token))),
            hint="write 'mandatory' between the requirement's name and its description",
        )

    if isinstance(e, UnexpectedCharacters):
        # The lexer's 'allowed' set merges parser states; it would mislead.
        return Diagnostic(
            codes.SYNTAX_ERROR,
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
        after = f" after '{shown_token(prev)}'" if prev is not None else ""

    # A keyword can only be followed by its value, so when the parser
    # wants a new statement right after one, that keyword was read as
    # the value of the statement before: `budget` with its value
    # forgotten, then `language french` on the next line.
    owner = _previous_token(text, prev.start_pos) if prev is not None and prev.type in _STATEMENT_TERMINALS else None
    if owner is not None and owner.type in _STATEMENT_TERMINALS and expected & _STATEMENT_TERMINALS:
        return Diagnostic(
            codes.SYNTAX_ERROR,
            f"'{owner}' has no value: the '{prev}' on line {prev.line} was read as its value",
            span_at(text, owner.start_pos, len(str(owner))),
            hint=_VALUE_HINTS.get(str(owner)),
        )
    if owner is not None and owner.type == "COMMA" and expected & _STATEMENT_TERMINALS:
        return Diagnostic(
            codes.SYNTAX_ERROR,
            f"nothing follows this ',': the '{prev}' on line {prev.line} was read as the next item",
            span_at(text, owner.start_pos, 1),
            hint="remove the trailing ','",
        )

    if found_word and expected & _STATEMENT_TERMINALS:
        suggestion = did_you_mean(found_word, STATEMENT_KEYWORDS)
        return Diagnostic(
            codes.SYNTAX_ERROR,
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
        codes.SYNTAX_ERROR,
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
    # Lark reports EOF past the text; point at the last token instead (lex()
    # skips comments, so a trailing comment is never taken for it).
    prev = _previous_token(text, len(text))
    pos = prev.end_pos - 1 if prev is not None else max(len(text.rstrip()) - 1, 0)
    after = f" after '{shown_token(prev)}'" if prev is not None else ""
    open_block = ""
    if "RBRACE" in expected:
        open_block = " (a '{' block is still open)"
    elif "RSQB" in expected:
        open_block = " (a '[' list is still open)"
    return Diagnostic(
        codes.UNEXPECTED_EOF,
        f"unexpected end of file{open_block}: expected {_describe_expected(expected)}{after}",
        span_at(text, pos, 1),
    )
