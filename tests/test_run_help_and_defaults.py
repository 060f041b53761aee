"""`maestro run` and `maestro watch` options: --help shows the runtime's
defaults and the Python API gets the same ones, --help stays off the heavy
imports, and --poll-interval reads "auto" or a number."""

from __future__ import annotations

import asyncio
import inspect
import subprocess
import sys

import click
import pytest

from maestro_spec.commands.options import PollInterval
from maestro_spec.runtime import defaults

from .conftest import ROOT
from .runtime_support import invoke


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("MAESTRO_HOME", str(home))
    return home


def test_help_shows_the_runtime_defaults(monkeypatch):
    from maestro_spec.runtime import batch
    from maestro_spec.watch.loop import watch_async
    from maestro_spec.runtime.outcome import RunSettings

    settings = RunSettings(base_url="http://127.0.0.1:1/studio/v1")
    assert settings.max_retries == defaults.MAX_RETRIES and settings.timeout == defaults.DEFAULT_RUN_TIMEOUT
    # What a Python caller gets when it passes nothing: the numbers --help shows.
    asked = []

    class Recording(asyncio.Semaphore):
        def __init__(self, value):
            if sys._getframe(1).f_globals["__name__"] == batch.__name__:  # not the HTTP client's
                asked.append(value)
            super().__init__(value)

    monkeypatch.setattr(asyncio, "Semaphore", Recording)
    asyncio.run(batch.run_batch([], settings=settings, concurrency=defaults.MAX_CONCURRENCY * 10))
    assert asked == [defaults.MAX_CONCURRENCY]  # the -j bound holds for Python callers too
    watch_defaults = inspect.signature(watch_async).parameters
    assert watch_defaults["max_runs"].default == defaults.DEFAULT_MAX_RUNS and watch_defaults["settle"].default == defaults.DEFAULT_SETTLE
    run_help = " ".join(invoke(["run", "--help"]).stdout.split())  # help folds lines anywhere
    assert f"[default: {defaults.MAX_RETRIES};" in run_help and f"[default: {defaults.DEFAULT_RUN_TIMEOUT};" in run_help
    too_many = invoke(["run", "-j", str(defaults.MAX_CONCURRENCY + 1), "x.maestro"])
    assert too_many.exit_code == 2 and f"1<=x<={defaults.MAX_CONCURRENCY}" in too_many.stderr
    watch_help = " ".join(invoke(["watch", "--help"]).stdout.split())
    assert f"[default: {defaults.DEFAULT_MAX_RUNS};" in watch_help and f"[default: {defaults.DEFAULT_SETTLE};" in watch_help


@pytest.mark.parametrize("command", ["run", "watch"])
def test_help_stays_off_the_heavy_imports(command):
    code = (
        "import sys\n"
        "from maestro_spec.cli import main\n"
        "try:\n"
        f"    main([{command!r}, '--help'], standalone_mode=False)\n"
        "finally:\n"
        "    heavy = sorted(m for m in ('httpx', 'pydantic', 'rich', 'starlette', 'uvicorn') if m in sys.modules)\n"
        "    print('HEAVY', heavy, file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stderr


def test_poll_interval_accepts_auto_and_numbers():
    p = PollInterval()
    assert p.convert("auto", None, None) is None and p.convert(" AUTO ", None, None) is None
    assert p.convert(2, None, None) == 2.0 and p.convert("0.5", None, None) == 0.5
    with pytest.raises(click.BadParameter, match="neither 'auto' nor a number"):
        p.convert("soon", None, None)
    with pytest.raises(click.BadParameter, match="outside"):
        p.convert("601", None, None)
