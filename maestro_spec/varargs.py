"""The `--var` syntax: NAME=VALUE, or NAME=@FILE to read the value from a file.

Command-line syntax, parsed here once into VarArg values: the commands parse
their options with it, and the language server its editor settings (the same
strings). The compiler never sees the syntax: compiler.params.load_vars takes
VarArgs and reads the files they name (again on every watch rebuild).
Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class VarUsageError(ValueError):
    """A --var argument that is not NAME=VALUE (a usage error, exit 2)."""


@dataclass(frozen=True)
class VarArg:
    """One --var: a value given literally, or the file to read it from."""

    name: str
    value: str | None = None
    path: Path | None = None


def parse_var_arg(arg: "str | VarArg") -> VarArg:
    if isinstance(arg, VarArg):
        return arg
    name, sep, value = str(arg).partition("=")
    if not sep or not name:
        raise VarUsageError(f"--var {arg!r}: expected NAME=VALUE or NAME=@FILE")
    if value.startswith("@"):
        return VarArg(name, path=Path(value[1:]))
    return VarArg(name, value=value)


def parse_var_args(args) -> tuple[VarArg, ...]:
    """Each NAME=VALUE / NAME=@FILE string (or VarArg, kept) as a VarArg; VarUsageError on the first malformed one."""
    return tuple(parse_var_arg(a) for a in args)
