"""Injected faults: the retries that are safe happen and end well; the unsafe one never does.

Faults come from the local server's seeded plan (faults.py): call 0 is the
POST, calls 1.. are GETs. Each test picks the seed whose first calls have
the shape it needs, so the story it tells is exact.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from maestro_spec.runtime import RunSettings, execute
from maestro_spec.runtime import errors as E
from maestro_spec.server.config import ServerConfig
from maestro_spec.server.embedded import LocalServer
from maestro_spec.server.faults import DROP, RATE_LIMIT, SERVER_ERROR, UNAVAILABLE

from .runtime_support import FAST, SPEC_OK, closed_port, invoke, records, runs_created, seed_where, server, write_spec

REQUEST = {"input": "Say hello", "requirements": [{"name": "short", "description": "One line."}], "include": ["requirements_result"]}


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("MAESTRO_HOME", str(home))
    return home


def run_cli(s, tmp_path, *args):
    return invoke(["run", write_spec(tmp_path, "a.maestro", SPEC_OK), "--base-url", s.base_url, *FAST, *args])


def settings(s, **kw) -> RunSettings:
    return RunSettings(base_url=s.base_url, poll_interval=0.05, initial_retry_delay=0.05, **kw)


# ------------------------------------------------------------------ retried and fine


def test_429_with_retry_after_is_waited_out_for_post_and_get(tmp_path, home):
    config = dict(rate_limit_rate=0.4, retry_after=0.2)
    seed = seed_where(lambda f: f[0] == RATE_LIMIT and RATE_LIMIT in f[2:6], **config)
    with server(run_seconds=0.3, seed=seed, **config) as s:
        t0 = time.monotonic()
        result = run_cli(s, tmp_path)
        took = time.monotonic() - t0
        assert runs_created(s) == 1  # the 429'd POST was repeated, but only one run exists
    assert result.exit_code == 0, result.stderr
    [record] = records(home)
    assert record["retries"] >= 2 and record["status"] == "completed"
    assert took >= 0.4  # two Retry-After waits of 0.2 s were honoured, not skipped


def test_500s_on_gets_are_retried(tmp_path, home):
    config = dict(error_rate=0.5)
    seed = seed_where(lambda f: f[0] is None and SERVER_ERROR in f[1:4], **config)
    with server(run_seconds=0.2, seed=seed, **config) as s:
        result = run_cli(s, tmp_path)
    assert result.exit_code == 0, result.stderr
    assert records(home)[0]["retries"] >= 1


def test_503_on_post_is_retried(home):
    config = dict(error_rate=0.5, retry_after=0.05)
    seed = seed_where(lambda f: f[0] == UNAVAILABLE and f[1] is None, **config)
    with server(run_seconds=0.1, seed=seed, **config) as s:
        outcome = asyncio.run(execute(REQUEST, settings=settings(s)))
        assert runs_created(s) == 1
    assert outcome.exit_code == 0 and outcome.retries >= 1


def test_dropped_connections_on_gets_are_retried(tmp_path, home):
    config = dict(drop_rate=0.4)
    seed = seed_where(lambda f: f[0] is None and DROP in f[1:4], **config)
    with server(run_seconds=0.2, seed=seed, **config) as s:
        result = run_cli(s, tmp_path)
    assert result.exit_code == 0, result.stderr
    assert records(home)[0]["retries"] >= 1


def test_slow_calls_end_well(tmp_path, home):
    with server(run_seconds=0.2, latency=0.15) as s:
        result = run_cli(s, tmp_path)
    assert result.exit_code == 0, result.stderr
    [record] = records(home)
    assert record["retries"] == 0 and record["elapsed"] >= 0.2 + 0.15


def test_connection_refused_post_is_retried_until_the_server_is_up(home):
    port = closed_port()
    local = LocalServer(ServerConfig(run_seconds=0.1), port=port)
    starter = threading.Timer(0.3, local.start)
    starter.start()
    try:
        url = f"http://127.0.0.1:{port}/studio/v1"
        outcome = asyncio.run(execute(REQUEST, settings=RunSettings(base_url=url, poll_interval=0.05, initial_retry_delay=0.2)))
        assert outcome.exit_code == 0, outcome.error
        assert outcome.retries >= 1
        assert runs_created(local) == 1
    finally:
        starter.join()
        local.stop()


# ------------------------------------------------------------------ never retried: a run may exist


def test_500_on_post_is_not_retried_and_is_recorded_as_unknown(tmp_path, home):
    # The body was sent: a 500 does not say that no run was created (issue 10 #1).
    config = dict(error_rate=0.5)
    seed = seed_where(lambda f: f[0] == SERVER_ERROR, **config)
    with server(run_seconds=0.1, seed=seed, **config) as s:
        result = run_cli(s, tmp_path)
    assert result.exit_code == 3
    assert "(HTTP 500: " in result.stderr and "a run may have been created" in result.stderr
    assert "check your AI21 account" in result.stderr
    [record] = records(home)
    assert record["retries"] == 0 and record["status"] == "unknown"


def test_dropped_post_is_not_retried_and_is_recorded_as_unknown(tmp_path, home):
    config = dict(drop_rate=0.5)
    seed = seed_where(lambda f: f[0] == DROP and f[1] is None, **config)
    with server(run_seconds=0.1, seed=seed, **config) as s:
        result = run_cli(s, tmp_path)
    assert result.exit_code == 3
    assert "a run may have been created" in result.stderr
    assert "not retried, so that no run is paid for twice" in result.stderr
    [record] = records(home)
    assert record["retries"] == 0 and record["status"] == "unknown" and record["run_id"] is None


def test_post_read_timeout_is_not_retried_so_only_one_run_exists(home):
    with server(run_seconds=0.1, latency=0.4) as s:
        outcome = asyncio.run(execute(REQUEST, settings=settings(s, read_timeout=0.1)))
        assert isinstance(outcome.error, E.MaybeSubmitted)
        assert outcome.retries == 0
        time.sleep(0.5)  # let the server finish (or drop) the request the client gave up on
        assert runs_created(s) <= 1


def test_a_server_that_always_fails_ends_in_one_line(home):
    config = dict(error_rate=1.0, retry_after=0.05)
    with server(run_seconds=0.1, seed=0, **config) as s:
        # every call fails: the POST's 503s are retried, 500s are not; either way it ends in one line
        outcome = asyncio.run(execute(REQUEST, settings=settings(s, max_retries=2)))
    assert outcome.exit_code == 3
    # 503s (refused) are retried and end as a server error; a 500 after the body was sent: a run may exist
    assert str(outcome.error).startswith("503: server error") or isinstance(outcome.error, E.MaybeSubmitted)


def test_lost_contact_while_polling_suggests_attach(home):
    # The server goes away mid-run: the GETs fail, the run id is kept.
    s = LocalServer(ServerConfig(run_seconds=5)).start()
    stopper = threading.Timer(0.3, s.stop)
    stopper.start()
    try:
        outcome = asyncio.run(execute(REQUEST, settings=settings(s, max_retries=1)))
    finally:
        stopper.join()
    assert isinstance(outcome.error, E.LostContact)
    assert f"maestro runs attach {outcome.run_id}" in outcome.error.hint
    assert outcome.record.status == "in_progress" and outcome.record.run_id == outcome.run_id
