"""Reading the files a command is given: one clear line when one cannot be read,
then a spec compiled or a JSON body checked, by the file's extension."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .check import Compiled, compile_text
from .params import Vars


class InputFileError(Exception):
    """A file we were asked to read cannot be read; one line says why."""


def read_source(path: str) -> str:
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputFileError(f"{path}: is a directory, not a spec") from None
    except PermissionError:
        raise InputFileError(f"{path}: permission denied") from None
    except OSError as e:
        raise InputFileError(f"{path}: {e.strerror or e}") from None
    if b"\x00" in data[:8192]:
        raise InputFileError(f"{path}: is a binary file, not a spec")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise InputFileError(f"{path}:{line}: is not UTF-8 text (byte 0x{data[e.start]:02x}); save it as UTF-8") from None


@dataclass
class Source:
    path: str
    text: str
    compiled: Compiled


def compile_path(path: str, vars: Vars | None, *, require_values: bool) -> Source:
    """Read and compile a .maestro spec or check a .json body (raises InputFileError)."""
    text = read_source(path)
    if path.endswith(".json"):
        from .jsonbody import check_json_text

        compiled = check_json_text(text)
    else:
        compiled = compile_text(text, vars, require_values=require_values, base_dir=Path(path).parent)
    return Source(path, text, compiled)
