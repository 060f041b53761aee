"""`maestro serve`: the local Maestro-compatible server, in the foreground."""

from __future__ import annotations

import math
import signal

import click

from ..transport import API_PREFIX
from ..exitcodes import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, exit_codes_help
from ..server.config import DEFAULT_HOST, DEFAULT_MAX_RUNS, DEFAULT_MAX_STORE_BYTES, DEFAULT_PORT, ServerConfig
from .common import fail


class _Finite(click.FloatRange):
    """A FloatRange that refuses nan and inf (FloatRange lets nan through any bound)."""

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


RATE = _Finite(0.0, 1.0)
SECONDS = _Finite(min=0.0)
POSITIVE_SECONDS = _Finite(min=0.0, min_open=True)

SERVE_EPILOG = """\b
Examples:
  maestro serve                                  http://127.0.0.1:8021/studio/v1
  maestro serve --port 0 --run-seconds 0.2       a free port, quick runs
  maestro serve --seed 7 --fail-rate 0.2 --rate-limit-rate 0.1
  AI21_API_HOST=http://127.0.0.1:8021/studio/v1 python my_sdk_script.py

""" + exit_codes_help(
    (EXIT_OK, EXIT_USAGE, EXIT_INTERNAL),
    {EXIT_OK: "stopped by Ctrl-C or SIGTERM", EXIT_USAGE: "bad option, or the port cannot be used"},
) + """

See docs/server.md for what the simulation does and does not do."""


@click.command(epilog=SERVE_EPILOG)
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on. Anything but loopback exposes the server to the network (a warning is printed).")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on; 0 picks a free one (the URL printed says which).")
@click.option("--run-seconds", default=1.0, show_default=True, type=SECONDS, help="Simulated duration of a low-budget run; medium takes 2x, high 4x.")
@click.option("--unmet-rate", default=0.0, show_default=True, type=RATE, help="Fraction of requirements scored below 1 (chosen by a hash of the request).")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed for fault injection: same seed and call order, same faults.")
@click.option("--fail-rate", default=0.0, show_default=True, type=RATE, help="Fraction of runs that end 'failed' with an error message.")
@click.option("--requires-action-rate", default=0.0, show_default=True, type=RATE, help="Fraction of runs that end 'requires_action'.")
@click.option("--rate-limit-rate", default=0.0, show_default=True, type=RATE, help="Fraction of API calls answered HTTP 429 with Retry-After.")
@click.option("--retry-after", default=1.0, show_default=True, type=SECONDS, help="Seconds sent in Retry-After with 429 and 503.")
@click.option("--error-rate", default=0.0, show_default=True, type=RATE, help="Fraction of API calls answered HTTP 500 or 503 (half each).")
@click.option("--latency", default=0.0, show_default=True, type=SECONDS, help="Seconds added to every API call.")
@click.option("--drop-rate", default=0.0, show_default=True, type=RATE, help="Fraction of API calls whose connection is closed without a response.")
@click.option("--require-key", envvar="MAESTRO_SERVE_KEY", metavar="KEY", help="Demand 'Authorization: Bearer KEY' on API calls (env MAESTRO_SERVE_KEY keeps it out of ps).")
@click.option("--max-runs", default=DEFAULT_MAX_RUNS, show_default=True, type=click.IntRange(min=1), help="Runs kept in memory; past it the oldest finished run is evicted.")
@click.option("--max-store-bytes", default=DEFAULT_MAX_STORE_BYTES, show_default=True, type=click.IntRange(min=1024 * 1024), help="Bytes of runs (as JSON) kept in memory; past it the oldest finished runs are evicted.")
@click.option("--header-timeout", default=10.0, show_default=True, type=POSITIVE_SECONDS, help="Seconds a connection has to send a whole request head before it is closed.")
@click.option("--call-tools", is_flag=True, help="Really POST each http tool's arguments to its endpoint when that is on loopback (others are not called); see docs/server.md.")
@click.option("--tool-timeout", default=5.0, show_default=True, type=POSITIVE_SECONDS, help="Seconds each real tool call may take (with --call-tools).")
@click.option("-q", "--quiet", is_flag=True, help="No request log; only the ready line and warnings.")
def serve(host, port, quiet, **options):
    """Serve a local simulation of the Maestro runs API, for offline runs and tests.

    Speaks POST /studio/v1/maestro/runs and GET /studio/v1/maestro/runs/{id}
    like the cloud, judges bodies with the same rules as `maestro check`, and
    answers with a deterministic simulated run. No model is called.
    """
    try:
        config = ServerConfig(**options)
    except ValueError as e:
        message = str(e)
        for name in options:
            message = message.replace(name, "--" + name.replace("_", "-"))
        raise click.UsageError(message) from None

    from ..server.app import create_app
    from ..server.net import BindError, bind, make_server, resolves_to_loopback, url_host

    try:
        sock = bind(host, port)
    except BindError as e:
        raise fail(str(e), EXIT_USAGE) from None
    if not resolves_to_loopback(host):
        click.secho(
            f"warning: listening on {host}, not loopback: anyone who can reach this machine can use the server"
            + (" and the key travels unencrypted" if config.require_key else "; consider --require-key"),
            fg="yellow",
            err=True,
        )
    # A wildcard bind is reached through loopback from here; print what a client can use.
    client_host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    base_url = f"http://{url_host(client_host)}:{sock.getsockname()[1]}{API_PREFIX}"

    def ready() -> None:
        click.echo(f"maestro serve: simulating the Maestro runs API at {base_url}")
        for line in _summary(config):
            click.echo(f"  {line}")

    server = make_server(
        create_app(config), on_ready=ready, log_config=_log_config(quiet), access_log=not quiet, header_timeout=config.header_timeout
    )
    # uvicorn catches SIGINT and SIGTERM, shuts down gracefully, then raises
    # the signal again under the handler that was in place before: for
    # SIGTERM (Docker, systemd) the default one would kill us silently.
    stopped_by: list[str] = []
    previous = signal.signal(signal.SIGTERM, lambda *_: stopped_by.append("SIGTERM"))
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it handled
        stopped_by.append("Ctrl-C")
    finally:
        signal.signal(signal.SIGTERM, previous)
        sock.close()
    click.echo("maestro serve: stopped" + (f" ({stopped_by[0]})" if stopped_by else ""), err=True)


def _summary(config: ServerConfig) -> list[str]:
    lines = [
        f"runs take {config.run_seconds:g} s (x2 medium, x4 high budget); at most {config.max_runs} runs"
        f" and {config.max_store_bytes / 2**20:g} MiB of them kept",
        "for the ai21 SDK: AI21_API_HOST=<the URL above>; Ctrl-C to stop",
    ]
    faults = [
        f"{label} {value:.0%}"
        for label, value in (
            ("unmet requirements", config.unmet_rate),
            ("failed runs", config.fail_rate),
            ("requires_action runs", config.requires_action_rate),
            ("HTTP 429", config.rate_limit_rate),
            ("HTTP 500/503", config.error_rate),
            ("dropped connections", config.drop_rate),
        )
        if value
    ]
    if config.latency:
        faults.append(f"+{config.latency:g} s per call")
    if faults:
        lines.append(f"faults (seed {config.seed}): " + ", ".join(faults))
    if config.require_key:
        lines.append("API calls need 'Authorization: Bearer <key>'")
    if config.call_tools:
        lines.append(f"--call-tools: http tools on loopback endpoints are really called ({config.tool_timeout:g} s each); others are not called")
    return lines


def _log_config(quiet: bool) -> dict:
    level = "WARNING" if quiet else "INFO"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "access": {"()": "uvicorn.logging.AccessFormatter", "fmt": '%(client_addr)s "%(request_line)s" %(status_code)s', "use_colors": None},
            "plain": {"format": "%(message)s"},
        },
        "handlers": {
            "stdout": {"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stdout"},
            "stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"},
        },
        "loggers": {
            "uvicorn.error": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
            "uvicorn.access": {"handlers": ["stdout"], "level": level, "propagate": False},
            "maestro.serve": {"handlers": ["stderr"], "level": level, "propagate": False},
        },
    }
