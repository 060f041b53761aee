"""The .maestro grammar and the one cached LALR parser that loads it."""

from __future__ import annotations

import functools
from pathlib import Path

GRAMMAR_PATH = Path(__file__).with_name("maestro.lark")
JSON_GRAMMAR_PATH = Path(__file__).with_name("json.lark")


@functools.lru_cache(maxsize=None)
def get_parser():
    """Build the parser once per process; Lark's on-disk cache spares later
    processes the LALR table construction (keyed by grammar and Lark version)."""
    from lark import Lark

    return Lark(
        GRAMMAR_PATH.read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
        cache=True,
    )


@functools.lru_cache(maxsize=None)
def get_json_parser():
    """A JSON parser that keeps positions, for placing findings in .json bodies."""
    from lark import Lark

    return Lark(
        JSON_GRAMMAR_PATH.read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=False,
        cache=True,
    )
