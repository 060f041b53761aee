"""The .maestro grammar and the one cached LALR parser that loads it.

Owns maestro.lark and the parser built from it; the compiler turns its trees
into the AST. Lark is imported on the first call, not with this package.

May import: nothing (of maestro_spec; lark only)
"""

from __future__ import annotations

import functools
from pathlib import Path

GRAMMAR_PATH = Path(__file__).with_name("maestro.lark")


def get_parser(*, keep_all_tokens: bool = False):
    """The spec parser, built once per process and option; Lark's on-disk
    cache spares later processes the LALR table construction (keyed by
    grammar, options and Lark version).

    keep_all_tokens=True keeps keywords and punctuation in the tree (fmt
    places comments relative to every token, not only the named ones).
    """
    return _spec_parser(bool(keep_all_tokens))


@functools.lru_cache(maxsize=None)
def _spec_parser(keep_all_tokens: bool):
    from lark import Lark

    return Lark(
        GRAMMAR_PATH.read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
        keep_all_tokens=keep_all_tokens,
        cache=True,
    )
