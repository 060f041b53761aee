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


@functools.lru_cache(maxsize=None)
def _spec_parser():
    from .standalone import Lark_StandAlone

    return Lark_StandAlone(lexer_callbacks={"COMMENT": _keep_comment})
