"""What the commands share: printing diagnostics, the var and format options,
expanding directories, writing output files, and the runtime's target and
failures as one-line errors (the options of the run commands: options.py)."""

from __future__ import annotations

from pathlib import Path

import click

from ..compiler import codes as C
from ..compiler.params import Vars, load_vars
from ..compiler.report import FORMATS, render
from ..compiler.sources import STDIN, Source
from ..varargs import VarArg, VarUsageError, parse_var_args
from ..exitcodes import EXIT_OK, EXIT_SPEC_ERRORS, EXIT_USAGE, cannot_write_stdout


def fail(message: str, code: int = EXIT_USAGE) -> "click.exceptions.Exit":
    click.secho(f"error: {message}", fg="red", err=True)
    return click.exceptions.Exit(code)


def expand_paths(paths, suffixes=(".maestro",)) -> list[str]:
    """Directories become the spec files under them, sorted; files stay as given."""
    out = []
    for path in paths:
        if path != STDIN and Path(path).is_dir():
            found = sorted(str(p) for p in Path(path).rglob("*") if p.suffix in suffixes and p.is_file())
            if not found:
                raise fail(f"{path}: is a directory with no {' or '.join(suffixes)} files in it")
            out += found
        else:
            out.append(path)
    return out


def write_or_echo(text: str, output: str | None) -> None:
    """A command's result: to the -o file when given, else to stdout."""
    if not output:
        try:
            click.echo(text, nl=False)
        except BrokenPipeError:
            raise  # the reader left (`| head`): click ends quietly
        except OSError as e:
            raise fail(cannot_write_stdout(e)) from None
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as e:
        raise fail(f"cannot write {output}: {e.strerror or e}") from None


def report(source: Source, fmt: str) -> None:
    """Print diagnostics. One rule for every command and format: they go to
    stderr; stdout carries only a command's data (compile's body, run's
    result, fmt -'s text), so `maestro check --output-format json x 2> d.jsonl`
    is as parseable as compile's."""
    if source.compiled.diagnostics:
        click.echo(render(fmt, source.path, source.compiled.diagnostics, source.text), err=True)


def spec_exit_code(diagnostics) -> int:
    """1 for errors in the spec; 2 when a file named by --var/--var-file cannot be read."""
    if any(d.code == C.UNREADABLE_VAR for d in diagnostics):
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


def parsed_var_args(var_args) -> tuple[VarArg, ...]:
    """The --var options parsed (NAME=VALUE, NAME=@FILE), or a click usage error."""
    try:
        return parse_var_args(var_args)
    except VarUsageError as e:
        raise click.BadParameter(str(e), param_hint="--var") from None


def get_vars(var_args, var_files) -> Vars:
    return load_vars(parsed_var_args(var_args), var_files)


def output_format_option(f):
    return click.option(
        "--output-format",
        type=click.Choice(FORMATS),
        default="text",
        show_default=True,
        help="How to print diagnostics: text for people, json (one object per line) for tools, github for workflow annotations.",
    )(f)




def fail_runtime(e) -> click.exceptions.Exit:
    """fail() for a runtime.errors.RuntimeFailure: its line, its hint, its exit code."""
    code = fail(str(e), e.exit_code)
    if e.hint:
        click.echo(f"  hint: {e.hint}", err=True)
    return code


def resolve_target(local: bool, base_url: str | None) -> tuple[str | None, str | None]:
    """(base URL, key) for `run` and `watch` (runtime/target.py's rules), or a
    one-line error and its exit code when they cannot work."""
    from ..runtime import errors as E
    from ..runtime import target

    try:
        return target.choose_target(local, base_url)
    except E.RuntimeFailure as e:
        raise fail_runtime(e) from None


def start_local_server():
    """The built-in local server, started (the caller stops it); a one-line error if it cannot start."""
    from ..runtime import errors as E
    from ..runtime.target import launch_local_server

    try:
        return launch_local_server()
    except E.RuntimeFailure as e:
        raise fail(str(e)) from None
