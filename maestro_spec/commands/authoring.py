"""Authoring commands: fmt, decompile, schema, init. Thin: the work is in
compiler/fmt.py, compiler/decompile.py and compiler/schema.py; the starter
spec of `init` is at the end of this file."""

from __future__ import annotations

import difflib
import os
import tempfile
from pathlib import Path

import click

from ..compiler.diagnostics import count_errors
from ..compiler.report import render
from ..compiler.sources import InputFileError, display_name, read_file
from ..exitcodes import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_SPEC_ERRORS, EXIT_USAGE, NO_RUN_INTERRUPTED, exit_codes_help
from .common import STDIN, expand_paths, fail, write_or_echo


FMT_EXIT_CODES = exit_codes_help(
    (EXIT_OK, EXIT_SPEC_ERRORS, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED),
    {EXIT_SPEC_ERRORS: "a file has syntax errors (left alone), or with --check:\n     a file would be reformatted", **NO_RUN_INTERRUPTED},
)
DECOMPILE_EXIT_CODES = exit_codes_help(
    (EXIT_OK, EXIT_SPEC_ERRORS, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED),
    {EXIT_SPEC_ERRORS: "the body has errors; it is not decompiled", **NO_RUN_INTERRUPTED},
)


@click.command(epilog=FMT_EXIT_CODES)
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if any file would be reformatted (each is named on stderr).")
@click.option("--diff", is_flag=True, help="Change nothing; print a unified diff of what would change.")
def fmt(paths, check, diff):
    """Give .maestro specs their one canonical layout, in place.

    Comments, blank lines between statements and every string's value are
    kept. A file with syntax errors is left alone and its errors shown.
    A directory means every .maestro file under it; - reads stdin and
    writes the result to stdout. A file keeps its BOM, if it has one, and
    its line ends (CRLF or LF, one kind throughout).
    """
    from ..compiler.fmt import format_text

    changed = unchanged = refused = 0
    unreadable = False
    for path in expand_paths(paths):
        try:
            file = read_file(path)
        except InputFileError as e:
            click.secho(f"error: {e}", fg="red", err=True)
            unreadable = True
            continue
        name = display_name(path)
        result = format_text(file.text)
        if result.text is None:
            click.echo(render("text", name, result.diagnostics, file.text), err=True)
            click.echo(f"{name}: not formatted: fix the syntax errors first", err=True)
            refused += 1
            continue
        # The formatter reads and writes "\n"; the file keeps its BOM and
        # its (majority) line ends, one kind throughout.
        formatted = file.as_written(result.text)
        if path == STDIN and not (check or diff):
            click.echo(formatted, nl=False)
            continue
        if formatted == file.original:
            unchanged += 1
            continue
        changed += 1
        if diff:
            click.echo(_unified_diff(name, file.original, formatted), nl=False)
        if check or diff:
            if check:
                click.echo(f"would reformat {name}", err=True)
            continue
        try:
            _write_atomic(Path(path), formatted)
        except OSError as e:
            raise fail(f"cannot write {path}: {e.strerror or e}") from None
        click.echo(f"reformatted {path}", err=True)
    if paths != (STDIN,):
        verb = "would be reformatted" if check or diff else "reformatted"
        summary = f"{_n(changed, 'file')} {verb}, {_n(unchanged, 'file')} unchanged"
        if refused:
            summary += f", {_n(refused, 'file')} with syntax errors left alone"
        click.echo(summary, err=True)
    if unreadable:
        raise SystemExit(EXIT_USAGE)
    raise SystemExit(EXIT_SPEC_ERRORS if refused or (check and changed) else EXIT_OK)


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _unified_diff(path: str, before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"{path}",
            tofile=f"{path} (formatted)",
        )
    )


def _write_atomic(path: Path, text: str) -> None:
    """Replace the file whole, keeping its permissions: an interrupted fmt
    never leaves half a spec behind."""
    mode = path.stat().st_mode
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.chmod(tmp, mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@click.command(epilog=DECOMPILE_EXIT_CODES)
@click.argument("body", metavar="BODY.json")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the spec here instead of stdout.")
def decompile(body, output):
    """Turn a request body (JSON) into an idiomatic .maestro spec.

    The body is checked first, exactly as `maestro check BODY.json` does; a
    body with errors is not decompiled. Nulls and defaults
    (is_mandatory false) are left out: they mean the same to the API.
    - reads the body from stdin.
    """
    from ..compiler.decompile import NoSpecForm
    from ..compiler.decompile import decompile as to_spec
    from ..compiler.jsonbody import check_json_text

    try:
        text = read_file(body).text
    except InputFileError as e:
        raise fail(str(e)) from None
    checked = check_json_text(text)
    name = display_name(body)
    if checked.diagnostics:
        click.echo(render("text", name, checked.diagnostics, text), err=True)
    if count_errors(checked.diagnostics):
        raise SystemExit(EXIT_SPEC_ERRORS)
    try:
        spec = to_spec(checked.request)
    except NoSpecForm as e:
        click.echo(f"error: {name} cannot be written as a spec: {e}", err=True)
        click.echo("  hint: remove those fields to decompile the rest; the JSON body itself is valid", err=True)
        raise SystemExit(EXIT_SPEC_ERRORS) from None
    write_or_echo(spec, output)


@click.command(epilog=exit_codes_help((EXIT_OK, EXIT_INTERNAL)))
def schema():
    """Print the JSON Schema (draft 2020-12) of the request body.

    Point an editor at it to get completion and checks in request JSON
    (docs/authoring.md shows how); `maestro check BODY.json` applies every
    rule, including the two a schema cannot say.
    """
    import json

    from ..compiler.schema import request_schema

    click.echo(json.dumps(request_schema(), indent=2, ensure_ascii=False))


@click.command(epilog=exit_codes_help((EXIT_OK, EXIT_USAGE, EXIT_INTERNAL), {EXIT_USAGE: "the file exists already, or cannot be written"}))
@click.argument("name", default="main", metavar="[NAME]")
def init(name):
    """Write a commented starter spec, NAME.maestro (default main.maestro).

    It compiles as it is; edit it from there. An existing file is never
    overwritten.
    """
    path = Path(name if name.endswith(".maestro") else f"{name}.maestro")
    try:
        with open(path, "x", encoding="utf-8") as f:
            f.write(starter_spec(path.name))
    except FileExistsError:
        raise fail(f"{path} already exists; not overwriting it (pick another NAME)") from None
    except OSError as e:
        raise fail(f"cannot write {path}: {e.strerror or e}") from None
    click.echo(f"wrote {path}; try: maestro compile {path}", err=True)



def starter_spec(filename: str) -> str:
    """A spec that compiles with no finding, showing each statement once,
    laid out by fmt; the lists of allowed values come from limits.py."""
    import textwrap

    from ..compiler import limits as L
    from ..compiler.fmt import format_text

    def note(text: str) -> str:
        return textwrap.fill(text, 86, initial_indent="# ", subsequent_indent="# ")

    others = [x for x in L.LANGUAGES if x != L.DEFAULT_LANGUAGE]
    template = f'''\
# {filename}: a starter spec for one AI21 Maestro run.
#   maestro check {filename}      what is wrong, if anything
#   maestro compile {filename}    the request JSON
#   maestro fmt {filename}        the canonical layout
# The language: docs/language.md in maestro-spec.

# A param is filled in wherever {{{{name}}}} appears: --var topic="..." overrides it.
param topic = "why the sky is blue"

# The instruction. Long text goes in triple quotes, dedented; no escaping needed.
input """
    Explain {{{{topic}}}} to a curious twelve-year-old.
    Use one everyday comparison.
    """

{note(f"What a good answer must satisfy: at most {L.MAX_REQUIREMENTS}, each description at most {L.MAX_DESCRIPTION_WORDS} words. A mandatory one that fails scores the run 0.")}
requirement "short" mandatory "Use at most 120 words."
requirement "plain words" "Avoid technical terms, or explain each in passing."

{note(f"Tools: {', '.join(L.TOOL_TYPES)}. The API ignores requirements when a tool is on, so this one is left commented out.")}
# tool web_search {{
#     urls ["https://en.wikipedia.org"]
# }}

{note(f"The model: {', '.join(L.KNOWN_MODELS)}, or a bring-your-own-key model ID in quotes. Budget: {' | '.join(L.BUDGETS)}.")}
model {L.FIRST_PARTY_MODELS[0]}
budget {L.DEFAULT_BUDGET}
include requirements_result  # and data_sources, when a tool is on
language {L.DEFAULT_LANGUAGE}  # or {", ".join(others)}
'''
    return format_text(template).text
