"""What every command shares: exit codes, reading input files, the var options."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from ..compiler.check import Compiled, compile_text

from ..compiler.params import Vars, VarUsageError, load_vars
from ..compiler.report import FORMATS, render

# Exit codes, documented in `maestro --help` and README.md.
EXIT_OK = 0
EXIT_SPEC_ERRORS = 1
EXIT_USAGE = 2
EXIT_RUN_FAILED = 3
EXIT_REQUIREMENTS_UNMET = 4

EXIT_CODES_HELP = """\b
Exit codes:
  0  success (warnings allowed)
  1  the spec or body has errors
  2  usage error, or a file cannot be read
  3  the run failed, timed out, or the server could not be reached
  4  the run completed but a mandatory requirement was unmet
     or the score was below --min-score"""


class InputFileError(Exception):
    """A file we were asked to read cannot be read; one line says why."""


def read_source(path: str) -> str:
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputFileError(f"{path}: is a directory; pass the spec files in it (e.g. {path.rstrip('/')}/*.maestro)") from None
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


def fail(message: str, code: int = EXIT_USAGE) -> "click.exceptions.Exit":
    click.secho(f"error: {message}", fg="red", err=True)
    return click.exceptions.Exit(code)


@dataclass
class Source:
    path: str
    text: str
    compiled: Compiled


def compile_path(path: str, vars: Vars | None, *, require_values: bool) -> Source:
    """Read and compile a .maestro spec or check a .json body (raises InputFileError)."""
    text = read_source(path)
    if path.endswith(".json"):
        from ..compiler.jsonbody import check_json_text

        compiled = check_json_text(text)
    else:
        compiled = compile_text(text, vars, require_values=require_values)
    return Source(path, text, compiled)


def report(source: Source, fmt: str, *, stdout_is_data: bool = False) -> None:
    """Print diagnostics: text for people goes to stderr, json/github to stdout
    for tools, unless stdout carries the command's own data (compile, run)."""
    if source.compiled.diagnostics:
        to_stderr = fmt == "text" or stdout_is_data
        click.echo(render(fmt, source.path, source.compiled.diagnostics, source.text), err=to_stderr)


def spec_exit_code(diagnostics) -> int:
    """1 for errors in the spec; 2 when a file named by --var/--var-file cannot be read."""
    if any(d.code == "E107" for d in diagnostics):
        return EXIT_USAGE
    return EXIT_SPEC_ERRORS if any(d.is_error for d in diagnostics) else EXIT_OK


def summary_line(errors: int, warnings: int, files: int, unreadable: int = 0) -> str:
    def n(count: int, word: str) -> str:
        return f"{count} {word}{'' if count == 1 else 's'}"

    tail = f" ({unreadable} could not be read)" if unreadable else ""
    return f"{n(errors, 'error')}, {n(warnings, 'warning')} in {n(files - unreadable, 'file')}{tail}"


def var_options(f):
    """--var and --var-file, shared by compile, run and watch."""
    f = click.option(
        "--var-file",
        "var_files",
        multiple=True,
        metavar="FILE",
        help="JSON object of param values. Repeatable; --var wins over it.",
    )(f)
    f = click.option(
        "--var",
        "var_args",
        multiple=True,
        metavar="NAME=VALUE",
        help="A param's value; NAME=@FILE reads it from a file. Repeatable.",
    )(f)
    return f


def get_vars(var_args, var_files) -> Vars:
    try:
        return load_vars(var_args, var_files)
    except VarUsageError as e:
        raise click.BadParameter(str(e), param_hint="--var") from None


def output_format_option(f):
    return click.option(
        "--output-format",
        type=click.Choice(FORMATS),
        default="text",
        show_default=True,
        help="How to print diagnostics: text for people, json (one object per line) for tools, github for workflow annotations.",
    )(f)


