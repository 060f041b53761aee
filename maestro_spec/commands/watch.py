"""`maestro watch`: a thin click layer over maestro_spec.watch."""

from __future__ import annotations

import os
import sys

import click

from ..compiler.params import value_files
from ..transport import DEFAULT_BASE_URL
from ..exitcodes import EXIT_OK, EXIT_TERMINATED
from ..runtime.defaults import DEFAULT_MAX_RUNS, DEFAULT_SETTLE
from .common import fail, parsed_var_args, resolve_target, start_local_server, var_options
from .options import base_url_option, local_option, poll_interval_option, timeout_option

WATCH_EPILOG = """\b
Runs cost money on AI21's cloud, so with --run a run is submitted only when
the compiled request differs from the last one submitted (comments, layout
and reordering that compiles the same submit nothing), after it has stayed
the same for --settle seconds, and at most --max-runs times per session.

\b
Ctrl-C stops watching and prints a one-line summary (exit 0); SIGTERM
does the same and exits 143.

\b
Environment:
  AI21_API_KEY   the API key (for --run without --local)
  AI21_API_HOST  the base URL (default """ + DEFAULT_BASE_URL + """)
  MAESTRO_HOME   where run records are kept (default: the user data dir)"""


@click.command(epilog=WATCH_EPILOG)
@click.argument("path", metavar="PATH")
@var_options
@click.option("--run", "run_", is_flag=True, help="Also run the spec whenever its compiled request changes.")
@local_option(help="Run on the built-in local server (a simulation: no key, no cost). Implies --run.")
@base_url_option(help="Run on this API base URL, e.g. http://127.0.0.1:8021/studio/v1 for `maestro serve`. Implies --run.")
@click.option(
    "--max-runs",
    type=click.IntRange(0),
    default=DEFAULT_MAX_RUNS,
    show_default=True,
    help="At most this many runs per session; then diagnostics go on and runs stop.",
)
@click.option(
    "--settle",
    type=click.FloatRange(0.0, 60.0),
    default=DEFAULT_SETTLE,
    show_default=True,
    metavar="SECONDS",
    help="Submit a changed request only after it stayed the same this long (a burst of saves is one run).",
)
@timeout_option(help="Stop waiting for one run after this long.")
@poll_interval_option(help="Seconds between status checks of a run.")
def watch(path, var_args, var_files, run_, local, base_url, max_runs, settle, timeout, poll_interval):
    """Re-check a spec on every save; with --run, run it when its request changes.

    \b
    maestro watch examples/invoice.maestro
    maestro watch examples/invoice.maestro --local
    maestro watch spec.maestro --var-file vars.json --run --max-runs 5

    Follows the spec and every file its values come from (--var-file,
    --var NAME=@FILE), including saves through a temp file and files deleted
    and re-created. On a terminal the screen is redrawn in place; piped, each
    rebuild is appended after a timestamped separator.
    """
    from ..watch.inputs import input_problem

    # What `maestro check PATH` would refuse is refused now, not waited for.
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise fail(f"{path}: no such directory {directory}")
    if not os.path.lexists(path):
        raise fail(f"{path}: no such file")
    var_args = parsed_var_args(var_args)  # a malformed --var is a usage error now, not on every save
    problem = next(filter(None, map(input_problem, [path, *map(str, value_files(var_args, var_files))])), None)
    if problem:
        raise fail(problem)
    run_ = run_ or local or bool(base_url)
    options = dict(var_args=var_args, var_files=var_files, max_runs=max_runs, settle=settle)
    if not run_:
        _watch(path, **options)

    from ..runtime.outcome import RunSettings

    url, key = resolve_target(local, base_url)
    common = dict(api_key=key, timeout=timeout, poll_interval=poll_interval)
    if local:
        server = start_local_server()
        try:
            settings = RunSettings(base_url=server.base_url, local=True, **common)
            _watch(path, run=True, settings=settings, target="the built-in local server", **options)
        finally:
            server.stop()
    else:
        _watch(path, run=True, settings=RunSettings(base_url=url, **common), target=url, **options)


def _watch(path, **options):
    from ..watch.loop import watch

    code = EXIT_OK
    try:
        if watch(path, **options).terminated:
            code = EXIT_TERMINATED
    except BrokenPipeError:
        # The reader went away (`maestro watch x | head`): nothing left to show,
        # and nothing more to write at exit either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    raise SystemExit(code)
