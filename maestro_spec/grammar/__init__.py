"""The .maestro grammar and the one LALR parser generated from it.

Owns maestro.lark and standalone.py, the parser Lark's standalone tool
generates from it (`python -m maestro_spec.grammar.build` rewrites it after a
grammar change); the compiler turns its trees into the AST. standalone.py
loads with the compiler, not with this package, and the parser is built from
its tables on the first call; the lark package is never imported: Tree, Token,
Transformer and the syntax-error exceptions are standalone.py's own classes.

May import: nothing (of maestro_spec; the standard library only at run time, lark in build.py)
"""

from __future__ import annotations

import contextvars
import functools
import sys
from pathlib import Path

GRAMMAR_PATH = Path(__file__).with_name("maestro.lark")

# The comments of the parse_tree() call in progress (None outside one): the
# grammar ignores comments, and the lexer hands each to _keep_comment.
_COMMENTS: contextvars.ContextVar[list | None] = contextvars.ContextVar("maestro_comments", default=None)


def get_parser():
    """The spec parser, loaded once per process from standalone.py's ready
    LALR tables (no table construction, no cache file, no lark import)."""
    return _spec_parser()


def parse_tree(text: str, *, comments: bool = False):
    """The parse tree of text (standalone.UnexpectedInput on a syntax error)
    and, with comments=True, its COMMENT tokens in source order, collected
    during the one parse (else an empty list: compile does not pay for them)."""
    if not comments:
        return get_parser().parse(text), []
    found: list = []
    token = _COMMENTS.set(found)
    try:
        tree = get_parser().parse(text)
    finally:
        _COMMENTS.reset(token)
    return tree, found


def _keep_comment(tok):
    found = _COMMENTS.get()
    if found is not None:
        found.append(tok)
    return tok


# CPython before 3.11.5 matches a possessive repeat of a group that can
# backtrack wrongly (CPython gh-106052): there LONG_STRING's form in
# maestro.lark never matches. Those versions get the forms the grammar had
# before: the same language (tests/test_string_terminals.py), ~3x slower on
# ASCII text and with state kept per escape.
_WITHOUT_POSSESSIVE_REPEATS = {
    "LONG_STRING": r'"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""',
    "STRING": r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"',
}


@functools.lru_cache(maxsize=None)
def _spec_parser():
    from .standalone import Lark_StandAlone

    parser = Lark_StandAlone(lexer_callbacks={"COMMENT": _keep_comment})
    if sys.version_info < (3, 11, 5):
        use_patterns(parser, _WITHOUT_POSSESSIVE_REPEATS)
    return parser


def use_patterns(parser, patterns: dict[str, str]) -> None:
    """Give the terminals named in `patterns` those regexes instead. The
    lexers share the parser's terminal objects and compile their regexes on
    first use, so this holds for a parser that has not lexed yet."""
    for terminal in parser.terminals:
        if terminal.name in patterns:
            terminal.pattern.value = patterns[terminal.name]
