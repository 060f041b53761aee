"""The .maestro grammar and the one cached LALR parser that loads it.

Owns maestro.lark and the parser built from it; the compiler turns its trees
into the AST. Lark is imported on the first call, not with this package.

May import: nothing (of maestro_spec; lark only)
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
    """The spec parser, built once per process; Lark's on-disk cache spares
    later processes the LALR table construction (keyed by grammar, options
    and Lark version)."""
    return _spec_parser()


def parse_tree(text: str, *, comments: bool = False):
    """The parse tree of text (lark.UnexpectedInput on a syntax error) and,
    with comments=True, its COMMENT tokens in source order, collected during
    the one parse (else an empty list: compile does not pay for them)."""
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
    from lark import Lark

    return Lark(
        GRAMMAR_PATH.read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
        lexer_callbacks={"COMMENT": _keep_comment},
        cache=True,
    )
