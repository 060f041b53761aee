"""The Python API's compiler half: compile, check, format, decompile, schema.

A thin layer over maestro_spec.compiler, in the style of `json` (load/loads):
plain dicts in and out, keyword-only options, and one exception type,
SpecError, for any input that does not give a valid request. Nothing here
changes what the compiler decides; it only shapes its results for a caller.
`maestro_spec/__init__.py` loads this module on first use, and this module
loads the compiler (and its parser) only when a call needs it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Union

if TYPE_CHECKING:
    from .compiler.diagnostics import Diagnostic
    from .compiler.params import Vars

STRING_NAME = "<string>"  # how a spec given as text is named in diagnostics
BODY_NAME = "<body>.json"  # a request body given as a dict or JSON text (".json": findings name their JSON path)
_BOM = "\ufeff"

Source = Union[str, "os.PathLike[str]", IO[str], IO[bytes]]
VarValue = Union[str, int, float, bool]


class _Findings:
    """errors and warnings, split from `diagnostics`."""

    diagnostics: list[Diagnostic]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]


class SpecError(_Findings, ValueError):
    """A spec (or a request body) with errors: it gives no request.

    `diagnostics` holds every finding (errors and warnings, in source order),
    `text` the source they point into, `path` its name (a file's path, or
    None for a string). `str(e)` is the text rendering `maestro check`
    prints; `e.to_json()` the JSON one; `e.render(fmt)` any of "text",
    "json" (one object per line) and "github". Messages are shown with
    control characters replaced, so printing one is safe on a terminal.
    """

    def __init__(self, diagnostics: list[Diagnostic], *, text: str | None = None, path: str | None = None) -> None:
        self.diagnostics = list(diagnostics)
        self.text = text
        self.path = path
        super().__init__(self.render("text"))

    @property
    def _name(self) -> str:
        return self.path or STRING_NAME

    def render(self, fmt: str = "text") -> str:
        """The diagnostics as `maestro check --output-format FMT` prints them."""
        from .compiler.report import FORMATS, render

        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
        return render(fmt, self._name, self.diagnostics, self.text)

    def to_json(self) -> str:
        """The diagnostics as one JSON array (the objects of --output-format json)."""
        from .compiler.report import to_json

        return json.dumps([to_json(self._name, d) for d in self.diagnostics], ensure_ascii=False)

    def __str__(self) -> str:
        return self.args[0]

    def __reduce__(self):
        # The default would call __init__ with the rendered text (pickle, multiprocessing).
        return _spec_error, (self.diagnostics, self.text, self.path)


def _spec_error(diagnostics, text, path) -> SpecError:
    return SpecError(diagnostics, text=text, path=path)


class CompileResult(_Findings):
    """What compiling a spec found. `request` is the body to send, and raises
    SpecError while the spec has errors: an invalid spec never yields one."""

    def __init__(self, compiled, *, text: str, path: str | None) -> None:
        self._compiled = compiled
        self.text = text
        self.path = path
        self.diagnostics: list[Diagnostic] = list(compiled.diagnostics)

    @property
    def ok(self) -> bool:
        """True when the spec has no errors (it may have warnings)."""
        return self._compiled.ok

    @property
    def request(self) -> dict:
        """The request body (a fresh copy each time), or SpecError with the diagnostics."""
        if not self.ok:
            raise SpecError(self.diagnostics, text=self.text, path=self.path)
        import copy

        return copy.deepcopy(self._compiled.request)

    def __repr__(self) -> str:
        where = f" {self.path}" if self.path else ""
        return f"<CompileResult{where}: {len(self.errors)} errors, {len(self.warnings)} warnings>"


def _vars(vars: Mapping[str, VarValue] | None, var_files: Iterable[str | os.PathLike[str]]) -> Vars:
    """Files first, then the dict (as --var overrides --var-file)."""
    from .compiler.params import load_vars, var_text

    if isinstance(var_files, (str, os.PathLike)):
        raise TypeError("var_files takes a list of paths, not one path")
    out = load_vars((), [os.fspath(f) for f in var_files])
    for name, value in (vars or {}).items():
        if not isinstance(name, str):
            raise TypeError(f"vars: a param name is a str, not {type(name).__name__}")
        text = var_text(value)
        if text is None:
            raise TypeError(f"vars[{name!r}]: a param's value is a str, int, float or bool, not {type(value).__name__}")
        out.values[name] = text
        out.sources[name] = f"vars[{name!r}]"
    return out


def _normalized(text: str) -> str:
    """The text as the compiler reads a file: no BOM, "\\n" line ends."""
    return text.removeprefix(_BOM).replace("\r\n", "\n")


def _read(source) -> tuple[str, str | None, Path | None]:
    """(text, name, folder) of a path or an open file. OSError when a path
    cannot be read (as open() raises); ValueError when it is not UTF-8 text."""
    from .compiler.sources import InputFileError, decode

    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        name = os.fspath(source)
        data = path.read_bytes()
        folder = path.parent
    elif hasattr(source, "read"):
        data = source.read()
        named = getattr(source, "name", None)
        name = named if isinstance(named, str) else None
        folder = Path(name).parent if name else None
    else:
        raise TypeError(f"expected a path or an open file, not {type(source).__name__}")
    if isinstance(data, str):
        return data, name, folder  # _compile normalizes it, as it does any text
    try:
        return decode(data, name or "<file>").text, name, folder
    except InputFileError as e:
        raise ValueError(str(e)) from None


def _compile(text: str, name: str | None, *, vars, var_files, env, base_dir) -> CompileResult:
    from .compiler.pipeline import compile_text

    if not isinstance(text, str):
        raise TypeError(f"spec text is a str, not {type(text).__name__}")
    text = _normalized(text)
    compiled = compile_text(text, _vars(vars, var_files), require_values=True, base_dir=base_dir, env=env)
    return CompileResult(compiled, text=text, path=name)


def compile(
    source: Source,
    *,
    vars: Mapping[str, VarValue] | None = None,
    var_files: Iterable[str | os.PathLike[str]] = (),
    env: Mapping[str, str] | None = None,
    base_dir: str | os.PathLike[str] | None = None,
) -> CompileResult:
    """Compile a spec and return every finding; `.request` is the body.

    source: spec text (a `str`), or a file to read (a `pathlib.Path`, any
    os.PathLike, or an open file). vars: param values; numbers and booleans
    are written as JSON writes them, as in a --var-file. var_files: JSON
    files of values, read first (vars overrides them). env: where
    {{env.NAME}} credentials are read from (default os.environ). base_dir:
    where `output_type "file.json"` is read from (default: the file's
    folder, or the working directory for text).
    """
    if isinstance(source, str):
        return _compile(source, None, vars=vars, var_files=var_files, env=env, base_dir=base_dir)
    text, name, folder = _read(source)
    return _compile(text, name, vars=vars, var_files=var_files, env=env, base_dir=base_dir if base_dir is not None else folder)


def loads(
    text: str,
    *,
    vars: Mapping[str, VarValue] | None = None,
    var_files: Iterable[str | os.PathLike[str]] = (),
    env: Mapping[str, str] | None = None,
    base_dir: str | os.PathLike[str] | None = None,
) -> dict:
    """Compile spec text to the request body, or raise SpecError.

    The options are compile()'s. The body holds the values of credential
    headers ({{env.NAME}} filled in): send it, do not log it.
    """
    return _compile(text, None, vars=vars, var_files=var_files, env=env, base_dir=base_dir).request


def load(
    path_or_file: str | os.PathLike[str] | IO[str] | IO[bytes],
    *,
    vars: Mapping[str, VarValue] | None = None,
    var_files: Iterable[str | os.PathLike[str]] = (),
    env: Mapping[str, str] | None = None,
    base_dir: str | os.PathLike[str] | None = None,
) -> dict:
    """Compile a spec file (a path, or an open file) to the request body, or
    raise SpecError. A path that cannot be read raises OSError, as open()
    does; a file that is not UTF-8 text, ValueError. Options as compile()'s;
    `output_type "x.json"` is read next to the file."""
    text, name, folder = _read(path_or_file)
    return _compile(text, name, vars=vars, var_files=var_files, env=env, base_dir=base_dir if base_dir is not None else folder).request


def _body(body: Mapping[str, Any] | str) -> tuple[Any, str | None, list[Diagnostic]]:
    """(the body as data, its JSON text or None, the findings of check)."""
    if isinstance(body, str):
        from .compiler.jsonbody import check_json_text

        text = _normalized(body)
        checked = check_json_text(text)
        return checked.request, text, checked.diagnostics
    from .compiler.rules import check_request

    data = dict(body) if isinstance(body, Mapping) else body
    return data, None, check_request(data)


def check(body: Mapping[str, Any] | str) -> list[Diagnostic]:
    """The findings of `maestro check` on a request body: a dict, or JSON text
    (then each finding has the span of its value in the text). An empty list
    means the API's documented rules accept it."""
    return _body(body)[2]


def format(text: str) -> str:
    """The spec in fmt's canonical layout, comments kept. SpecError when it
    does not parse (the other findings do not stop fmt)."""
    from .compiler.fmt import format_text

    text = _normalized(text)
    formatted = format_text(text)
    if formatted.text is None:
        raise SpecError(formatted.diagnostics, text=text)
    return formatted.text


def decompile(body: Mapping[str, Any] | str) -> str:
    """An idiomatic spec for a request body (a dict or JSON text) that
    compiles back to it. SpecError when the body has errors; a body with
    fields no keyword can say raises maestro_spec.compiler.decompile.DecompileError."""
    from .compiler.decompile import decompile as to_spec
    from .compiler.diagnostics import count_errors

    data, text, diagnostics = _body(body)
    if count_errors(diagnostics):
        raise SpecError(diagnostics, text=text, path=BODY_NAME)
    return to_spec(data)


def schema() -> dict:
    """The JSON Schema (draft 2020-12) of a request body, as `maestro schema` prints it."""
    from .compiler.schema import request_schema

    return request_schema()
