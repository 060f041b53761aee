"""The click options that `run`, `runs attach` and `watch` share, each defined
once, and the help epilog of `run` and `runs`.

Ranges and defaults are runtime/defaults.py's (the Python API reads the same
ones), so `--help` imports nothing heavy. A command whose wording of an
option differs passes its own `help`; the option itself stays this one.
"""

from __future__ import annotations

import click

from ..exitcodes import EXIT_REQUIREMENTS_UNMET, RUN_EXIT_CODES, exit_codes_help
from ..runtime.defaults import (
    DEFAULT_RUN_TIMEOUT,
    MAX_POLL_INTERVAL,
    MAX_RETRIES,
    MAX_RETRIES_LIMIT,
    MIN_POLL_INTERVAL,
    MIN_SCORE_RANGE,
)
from ..transport import DEFAULT_BASE_URL

RUN_HELP_EPILOG = (
    exit_codes_help(RUN_EXIT_CODES)
    + """

\b
Environment:
  AI21_API_KEY   the API key (sent only over https, or http to loopback)
  AI21_API_HOST  the base URL (default """ + DEFAULT_BASE_URL + """)
  MAESTRO_HOME   where run records are kept (default: the user data dir)"""
)


class PollInterval(click.ParamType):
    """--poll-interval: 'auto' (None: the adaptive schedule) or a number of seconds."""

    name = "auto|SECONDS"

    def convert(self, value, param, ctx):
        if value is None or (isinstance(value, str) and value.strip().lower() == "auto"):
            return None
        try:
            seconds = float(value)
        except ValueError:
            self.fail(f"{value!r} is neither 'auto' nor a number of seconds", param, ctx)
        if not MIN_POLL_INTERVAL <= seconds <= MAX_POLL_INTERVAL:
            self.fail(f"{seconds:g} s is outside {MIN_POLL_INTERVAL:g} .. {MAX_POLL_INTERVAL:g}", param, ctx)
        return seconds


def local_option(help: str = "Run on the built-in local server (a simulation: no key, no cost)."):
    return click.option("--local", is_flag=True, help=help)


def base_url_option(help: str = "The API's base URL, e.g. http://127.0.0.1:8021/studio/v1 for `maestro serve`."):
    return click.option("--base-url", metavar="URL", help=help)


def timeout_option(help: str = "Stop waiting after this long; the run goes on and `maestro runs attach ID` resumes it."):
    return click.option(
        "--timeout",
        type=click.FloatRange(0.0, min_open=True),
        default=DEFAULT_RUN_TIMEOUT,
        show_default=True,
        metavar="SECONDS",
        help=help,
    )


def poll_interval_option(
    help: str = "Seconds between status checks; 'auto' checks often at first and rarely for long runs (docs/runtime.md).",
):
    return click.option("--poll-interval", type=PollInterval(), default="auto", show_default=True, help=help)


def polling_options(f):
    """--timeout, --poll-interval, --json, --min-score and --max-retries: what
    `run` and `runs attach` both take to follow a run."""
    f = click.option(
        "--max-retries",
        type=click.IntRange(0, MAX_RETRIES_LIMIT),
        metavar="N",
        default=MAX_RETRIES,
        show_default=True,
        help="Retries per HTTP call (GETs; the POST only when no run can have been created).",
    )(f)
    f = click.option(
        "--min-score",
        type=click.FloatRange(*MIN_SCORE_RANGE),
        metavar="0..1",
        help=f"Exit {EXIT_REQUIREMENTS_UNMET} when the overall requirements score is below this (needs include requirements_result).",
    )(f)
    f = click.option("--json", "as_json", is_flag=True, help="Print the Run object as JSON and nothing else on stdout.")(f)
    f = poll_interval_option()(f)
    f = timeout_option()(f)
    return f
