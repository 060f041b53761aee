"""Values for params, read: --var values (parsed by maestro_spec.varargs),
the files they name, and --var-file JSON objects."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import codes as C
from .diagnostics import Diagnostic, span_at

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..varargs import VarArg


@dataclass
class Vars:
    values: dict[str, str] = field(default_factory=dict)
    # Where each value came from, for messages ("--var x", "vars.json").
    sources: dict[str, str] = field(default_factory=dict)
    # Files the values were read from (watch mode follows them).
    files: list[Path] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Names whose value could not be read (E107 said so; no E105 repeats it).
    unreadable: set[str] = field(default_factory=set)


def _read_text(path: Path, what: str, out: Vars) -> str | None:
    out.files.append(path)
    try:
        return path.read_text(encoding="utf-8-sig")  # an editor's BOM is not text
    except FileNotFoundError:
        reason = "no such file"
    except IsADirectoryError:
        reason = "it is a directory"
    except PermissionError:
        reason = "permission denied"
    except UnicodeDecodeError:
        reason = "it is not UTF-8 text"
    except OSError as e:
        reason = e.strerror or str(e)
    out.diagnostics.append(Diagnostic(C.UNREADABLE_VAR, f"cannot read {what} from {str(path)!r}: {reason}"))
    return None


def var_text(value) -> str | None:
    """A param's value as the spec's text: a string as it is, a number or a
    boolean as JSON writes it (1.5, true); None for anything else (the
    --var-file rule, shared with the Python API)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        return json.dumps(value)
    return None


def value_files(var_args: "Sequence[VarArg]" = (), var_files: "Sequence[str]" = ()) -> list[Path]:
    """The files load_vars reads, in its order, without reading them (watch
    follows them; the language server asks the editor to)."""
    return [*map(Path, var_files), *(arg.path for arg in var_args if arg.path is not None)]


def load_vars(var_args: "Sequence[VarArg]" = (), var_files: "Sequence[str]" = ()) -> Vars:
    """--var-file values first, then --var (a --var overrides a file's value).
    var_args are parsed already (maestro_spec.varargs.parse_var_args)."""
    out = Vars()
    if var_files:  # its regexes compile on import: only when a file is given
        from .jsontext import JsonSyntaxError, loads
    for name in var_files:
        path = Path(name)
        text = _read_text(path, "--var-file", out)
        if text is None:
            continue
        try:
            data = loads(text)
        except JsonSyntaxError as e:
            at = span_at(text, e.pos)
            hint = f"; {e.hint}" if e.hint else ""
            out.diagnostics.append(Diagnostic(C.UNREADABLE_VAR, f"--var-file {name}: invalid JSON at line {at.line} column {at.column}: {e.message}{hint}"))
            continue
        if not isinstance(data, dict):
            out.diagnostics.append(Diagnostic(C.UNREADABLE_VAR, f"--var-file {name}: expected a JSON object of names to values"))
            continue
        for key, value in data.items():
            text = var_text(value)
            if text is None:
                out.diagnostics.append(Diagnostic(C.UNREADABLE_VAR, f"--var-file {name}: the value of {key!r} must be a string, number or boolean"))
                continue
            out.values[key] = text
            out.sources[key] = name
    for arg in var_args:
        value = arg.value
        if arg.path is not None:
            text = _read_text(arg.path, f"--var {arg.name}", out)
            if text is None:
                out.unreadable.add(arg.name)
                continue
            # One trailing newline is the file's, not the author's text.
            value = text.removesuffix("\n").removesuffix("\r")
        out.values[arg.name] = value
        out.sources[arg.name] = f"--var {arg.name}"
    return out
