"""The `maestro` command: thin click commands over the compiler, runtime and server.

Commands other than check/compile live in maestro_spec/commands/ and are
imported only when invoked, so `maestro compile` starts without httpx,
pydantic or a server stack.
"""

from __future__ import annotations

import importlib

import click

from . import __version__
from .commands.common import (
    expand_paths,
    fail,
    get_vars,
    output_format_option,
    report,
    spec_exit_code,
    summary_line,
    var_options,
    write_or_echo,
)
from .compiler.diagnostics import count_errors
from .compiler.sources import InputFileError, compile_path
from .exitcodes import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_MEANINGS,
    EXIT_OK,
    EXIT_SPEC_ERRORS,
    EXIT_USAGE,
    INTERRUPTED_LINE,
    NO_RUN_INTERRUPTED,
    exit_codes_help,
    run_guarded,
)

# check and compile return these; run, watch and the others list their own.
COMPILER_EXIT_CODES = exit_codes_help((EXIT_OK, EXIT_SPEC_ERRORS, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED), NO_RUN_INTERRUPTED)

# command name -> ("module:attribute" imported on first use, the first
# paragraph of its help). The help is written here too so that `maestro
# --help` imports no command module (tests/test_cli_startup.py keeps the two
# the same).
LAZY_COMMANDS = {
    "run": ("maestro_spec.commands.run:run", "Run specs on Maestro: submit, wait for the end, show the result."),
    "runs": ("maestro_spec.commands.runs:runs", "The local record of runs: list them, show one, resume one, prune stale ones."),
    "watch": ("maestro_spec.commands.watch:watch", "Re-check a spec on every save; with --run, run it when its request changes."),
    "serve": ("maestro_spec.commands.serve:serve", "Serve a local simulation of the Maestro runs API, for offline runs and tests."),
    "fmt": ("maestro_spec.commands.authoring:fmt", "Give .maestro specs their one canonical layout, in place."),
    "decompile": ("maestro_spec.commands.authoring:decompile", "Turn a request body (JSON) into an idiomatic .maestro spec."),
    "schema": ("maestro_spec.commands.authoring:schema", "Print the JSON Schema (draft 2020-12) of the request body."),
    "init": ("maestro_spec.commands.authoring:init", "Write a commented starter spec, NAME.maestro (default main.maestro)."),
    "lsp": ("maestro_spec.commands.lsp:lsp", "Run the language server for .maestro specs (and .json request bodies)."),
}


class LazyGroup(click.Group):
    def invoke(self, ctx):
        # Ctrl-C in any command exits 130 saying so, as the exit-code table
        # says; click's own handling would print "Aborted!" and exit 1, which
        # here means "the spec has errors". (`run` handles SIGINT itself.)
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo(f"\n{INTERRUPTED_LINE}", err=True)  # the newline closes the terminal's ^C
            ctx.exit(EXIT_INTERRUPTED)

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(LAZY_COMMANDS))

    def get_command(self, ctx, name):
        if name in self.commands:
            return self.commands[name]
        if name not in LAZY_COMMANDS:
            return None
        module, attr = LAZY_COMMANDS[name][0].split(":")
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx, formatter):
        """click's listing, with the lazy commands' help from LAZY_COMMANDS."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names))
        rows = []
        for name in names:
            if name in LAZY_COMMANDS:
                rows.append((name, click.Command(name, help=LAZY_COMMANDS[name][1]).get_short_help_str(limit)))
            else:
                rows.append((name, self.commands[name].get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, epilog=exit_codes_help(sorted(EXIT_MEANINGS)), context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="maestro")
def main() -> None:
    """Author, check, compile and run AI21 Maestro requests from .maestro specs.

    \b
    Start here:
      maestro check examples/*.maestro     diagnostics for specs (or .json bodies)
      maestro compile examples/invoice.maestro   the request JSON
    """


@main.command(epilog=COMPILER_EXIT_CODES)
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@var_options
@output_format_option
def check(paths, var_args, var_files, output_format):
    """Check specs (.maestro) or request bodies (.json) against the API's rules.

    A directory stands for the .maestro files under it; - reads stdin (a
    JSON body when it starts with "{", else a spec). Diagnostics and the
    summary go to stderr in every format, as for every command: stdout
    carries only a command's data.

    A param without a --var value is left as {{name}} rather than reported,
    so a spec can be checked before its values exist.
    """
    vars = get_vars(var_args, var_files)
    errors = warnings = unreadable = 0
    code = EXIT_OK
    paths = expand_paths(paths)
    for path in paths:
        try:
            source = compile_path(path, vars, require_values=False)
        except InputFileError as e:
            click.secho(f"error: {e}", fg="red", err=True)
            unreadable += 1
            continue
        report(source, output_format)
        e = count_errors(source.compiled.diagnostics)
        errors += e
        warnings += len(source.compiled.diagnostics) - e
        code = max(code, spec_exit_code(source.compiled.diagnostics))
    if output_format == "text":
        click.echo(summary_line(errors, warnings, len(paths), unreadable), err=True)
    raise SystemExit(EXIT_USAGE if unreadable else code)


@main.command(epilog=COMPILER_EXIT_CODES)
@click.argument("path", metavar="PATH")
@var_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write the JSON here instead of stdout.")
@click.option(
    "--emit",
    type=click.Choice(("json", "curl", "python", "http")),
    default="json",
    show_default=True,
    help="The body as JSON, or a ready-to-paste curl command, Python snippet (official ai21 SDK) or raw HTTP request; these read the key from $AI21_API_KEY.",
)
@click.option(
    "--base-url",
    metavar="URL",
    help="Where --emit curl|python|http sends the request (default: AI21's cloud); e.g. http://127.0.0.1:8021/studio/v1 for `maestro serve`.",
)
@click.option(
    "--reveal-secrets",
    is_flag=True,
    help="Write tool header values (credentials) into the JSON; without it they are written <redacted>. "
    "--emit curl|python|http never writes them: a {{env.NAME}} value is referenced as $NAME.",
)
@output_format_option
def compile(path, var_args, var_files, output, emit, base_url, reveal_secrets, output_format):
    """Compile a spec to the exact JSON body of POST /maestro/runs.

    The output is accepted unchanged by any client, including the official
    SDK: client.beta.maestro.runs.create(**json.load(f)). Diagnostics go to
    stderr; - reads the spec from stdin.
    """
    from .compiler.emit import json_body

    if base_url and emit == "json":
        raise click.UsageError("--base-url goes with --emit curl, python or http")
    # Credentials are needed only to be written out (--reveal-secrets).
    source = _compile_or_exit(path, get_vars(var_args, var_files), require_env=reveal_secrets)
    report(source, output_format)
    if count_errors(source.compiled.diagnostics):
        raise SystemExit(spec_exit_code(source.compiled.diagnostics))
    request = source.compiled.request
    if emit == "json":
        from .compiler.credentials import redact_request, secret_paths_in
        from .compiler.diagnostics import format_path

        hidden = secret_paths_in(request) if not reveal_secrets else []
        if hidden:
            request = redact_request(request)
            shown = ", ".join(format_path(p) for p in hidden[:3]) + (", ..." if len(hidden) > 3 else "")
            click.echo(f"note: {len(hidden)} header value{'s' if len(hidden) > 1 else ''} written <redacted> ({shown}); --reveal-secrets writes them", err=True)
        body = json_body(request)
    else:
        from .transport import BaseURLError
        from .compiler.exports import render_export

        try:
            body = render_export(emit, request, base_url, source.compiled.secrets)
        except BaseURLError as e:
            raise fail(str(e)) from None
    write_or_echo(body, output)


def _compile_or_exit(path: str, vars, *, require_env: bool = True):
    try:
        return compile_path(path, vars, require_values=True, require_env=require_env)
    except InputFileError as e:
        raise fail(str(e)) from None


def run() -> None:
    """The click CLI's entry (entry.start hands it every invocation the fast
    path does not answer; `python -m maestro_spec.cli` runs it alone)."""
    run_guarded(lambda: main(prog_name="maestro"))


if __name__ == "__main__":
    run()
