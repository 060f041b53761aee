"""Helpers shared by tests/test_runtime_*.py: real servers on 127.0.0.1, specs, the CLI."""

from __future__ import annotations

import contextlib
import json
import socket
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from maestro_spec.cli import main
from maestro_spec.server.config import ServerConfig
from maestro_spec.server.embedded import LocalServer
from maestro_spec.server.faults import FaultPlan

FAST = ["--poll-interval", "0.05"]

SPEC_OK = """\
input "Extract the vendor name and the total from the invoice"

requirement "vendor" mandatory
    "Name the vendor exactly as written."

requirement "total" "Give the total in USD."

include requirements_result
"""

SPEC_PLAIN = 'input "Say hello"\n'


@contextlib.contextmanager
def server(**config):
    with LocalServer(ServerConfig(**config)) as s:
        yield s


def runs_created(s: LocalServer) -> int:
    """How many runs the server holds: proves a POST was (not) repeated."""
    with urllib.request.urlopen(s.root_url + "/health", timeout=5) as response:
        return json.load(response)["runs"]


def write_spec(directory: Path, name: str, text: str = SPEC_OK) -> str:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def closed_port() -> int:
    """A loopback port nobody listens on: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def invoke(args: list[str], env: dict[str, str | None] | None = None):
    """`maestro ARGS` in-process; the result has exit_code, stdout, stderr."""
    runner = CliRunner(env={"AI21_API_KEY": None, "AI21_API_HOST": None, "COLUMNS": "200", **(env or {})})
    return runner.invoke(main, args, catch_exceptions=False)


def seed_where(want, limit: int = 500, **config) -> int:
    """The first seed whose fault sequence satisfies want(list of the first calls' faults)."""
    for seed in range(limit):
        plan = FaultPlan(ServerConfig(seed=seed, **config))
        if want([plan.next_call() for _ in range(8)]):
            return seed
    raise AssertionError("no seed found; widen the search")


def records(home: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((home / "runs").glob("*.json"))]
