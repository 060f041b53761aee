"""Reading the files a command is given: one clear line when one cannot be read,
then a spec compiled or a JSON body checked, by the file's extension."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the compiler (and its parser) load when a file is compiled, not before
    from .pipeline import Compiled
    from .params import Vars

STDIN = "-"
STDIN_NAME = "<stdin>"
_BOM = "\ufeff"


class InputFileError(Exception):
    """A file we were asked to read cannot be read; one line says why."""


@dataclass(frozen=True)
class TextFile:
    """A file's text as the compiler reads it (no BOM, "\\n" line ends), and
    how it was written, so that a rewrite (fmt) keeps its BOM and line ends."""

    text: str
    bom: bool = False
    newline: str = "\n"
    raw: str | None = None  # the text as decoded, BOM and line ends and all (None: same as text)

    def as_written(self, text: str) -> str:
        """`text` (with "\\n" line ends) written the way this file was."""
        if self.newline != "\n":
            text = text.replace("\n", self.newline)
        return _BOM + text if self.bom else text

    @property
    def original(self) -> str:
        return self.text if self.raw is None else self.raw


def decode(data: bytes, name: str) -> TextFile:
    """Bytes to text, or InputFileError: binary, or not UTF-8. CRLF is read
    as LF; a file mostly in CRLF is remembered as CRLF (fmt writes it back
    so, one kind of line end throughout)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputFileError(f"{name}: is UTF-16 text; save it as UTF-8")
    at = data.find(b"\x00")
    if at != -1:
        line = data.count(b"\n", 0, at) + 1
        raise InputFileError(f"{name}:{line}: is a binary file (a NUL byte), not a spec")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise InputFileError(f"{name}:{line}: is not UTF-8 text (byte 0x{data[e.start]:02x}); save it as UTF-8") from None
    raw, bom = text, text.startswith(_BOM)
    if bom:
        text = text[1:]
    crlf = text.count("\r\n") if "\r" in text else 0  # `in` is a memchr: ~0.03 ms a MB, count ~1 ms
    if not crlf:
        return TextFile(text, bom, "\n", raw if bom else None)
    newline = "\r\n" if crlf * 2 >= text.count("\n") else "\n"
    return TextFile(text.replace("\r\n", "\n"), bom, newline, raw)


def read_file(path: str) -> TextFile:
    """A named file, or stdin for "-"."""
    if path == STDIN:
        return decode(sys.stdin.buffer.read(), STDIN_NAME)
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
    return decode(data, path)


def read_source(path: str) -> str:
    """The text the compiler reads (BOM dropped; CRLF files read with LF)."""
    return read_file(path).text


def display_name(path: str) -> str:
    return STDIN_NAME if path == STDIN else path


def is_json_body(path: str, text: str) -> bool:
    """A .json file is a request body; so is stdin that starts with "{"
    (no spec does: every statement starts with a keyword)."""
    if path == STDIN:
        return text.lstrip().startswith("{")
    return path.endswith(".json")


@dataclass
class Source:
    path: str
    text: str
    compiled: Compiled


def compile_path(path: str, vars: Vars | None, *, require_values: bool, require_env: bool | None = None) -> Source:
    """Read and compile a .maestro spec or check a .json body (raises InputFileError)."""
    text = read_source(path)
    if is_json_body(path, text):
        from .jsonbody import check_json_text

        compiled = check_json_text(text)
    else:
        from .pipeline import compile_text

        # `output_type "x.json"` is read next to the spec (stdin: the working directory).
        base_dir = Path(path).parent if path != STDIN else None
        compiled = compile_text(text, vars, require_values=require_values, base_dir=base_dir, require_env=require_env)
    return Source(display_name(path), text, compiled)
