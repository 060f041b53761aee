"""`maestro lsp`: the language server, on stdio. The work is in maestro_spec/lsp/."""

from __future__ import annotations

import logging
import sys

import click

from .common import parsed_var_args, var_options


@click.command()
@var_options
@click.option("--stdio", is_flag=True, help="Talk LSP over stdin/stdout (the default and only transport; accepted for clients that pass it).")
@click.option("--ppid", type=int, metavar="PID", help="Exit when this process (the editor) exits.")
@click.option("--log-level", type=click.Choice(("error", "warning", "info", "debug")), default="warning", show_default=True, help="What goes to stderr (the editor's log).")
def lsp(var_args, var_files, stdio, ppid, log_level):
    """Run the language server for .maestro specs (and .json request bodies).

    An editor starts it and talks LSP over stdin/stdout: diagnostics as you
    type, completion, hover, quick fixes, formatting, rename and the outline.
    --var/--var-file give param values, as for `maestro check`; their
    problems (a file that cannot be read) show in every spec.
    See docs/editors.md for VS Code, Neovim and Helix.
    """
    var_args = parsed_var_args(var_args)  # a malformed --var is a usage error before the editor connects
    logging.basicConfig(stream=sys.stderr, level=log_level.upper(), format="maestro lsp: %(levelname)s %(name)s: %(message)s")
    from ..lsp.server import NoDocumentText, build_server

    for handler in logging.getLogger().handlers:
        handler.addFilter(NoDocumentText())

    build_server(var_args, var_files, ppid).start_io()
