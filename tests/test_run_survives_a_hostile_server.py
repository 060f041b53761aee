"""`maestro run` and `maestro runs attach` against every fault of a hostile server.

Every mode of tests/hostile_server.py, as real processes: each ends within
--timeout plus a few seconds, without a traceback or exit 70, with the exit
code the mode calls for, with the key in no output and no file, with no raw
control character of the server's on the terminal, and with the run id
recorded whenever the server gave one. The processes of all modes run a few
at a time in one module fixture (the file takes ~30 s, not one process after
another); each mode is then its own test.
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from maestro_spec.runtime import RunSettings, execute, outcome_text
from maestro_spec.runtime import errors as E

from .hostile_server import (
    ENCODED_PATH_ID,
    HEADER_SECRET,
    KEY,
    MODES,
    HostileServer,
    attach_maestro,
    leaks,
    records,
    run_maestro,
)
from .runtime_support import SPEC_OK

TIMEOUT = 3.0
# Modes that end well only after backoff waits (1 s to the first GET, then
# 0.5 s and 1 s of backoff): a 3 s deadline would test the machine's load,
# not the retry rule, so they get room.
TIMEOUTS = {"retry_after_negative": 10.0, "retry_after_junk": 10.0, "retry_after_date": 10.0}
SLACK = 8.0  # process start-up (~1 s of imports) and the last call's wind-down, on a busy 2-core machine
WORKERS = 3
# Attach where it has something to do (the run did not end) and once for a run shown from its record.
ATTACH_ENDED = ("escapes",)

# Extra options per mode: --json where the JSON itself is under test.
EXTRA = {"nan_score": ["--json", "--min-score", "0.5"], "big_numbers": ["--json"], "surrogate": ["--json"], "escapes_json": ["--json"]}


@pytest.fixture(scope="module")
def hostile():
    with HostileServer() as server:
        yield server


@pytest.fixture(scope="module")
def ran(hostile, tmp_path_factory):
    """mode -> (home, run, attach or None), all modes run concurrently."""
    base = tmp_path_factory.mktemp("hostile")

    def one(mode: str):
        home = base / mode
        home.mkdir()
        spec = home / "a.maestro"
        spec.write_text(SPEC_OK, encoding="utf-8")
        out = home / "out.json"
        first = run_maestro(hostile, mode, str(spec), home, timeout=TIMEOUTS.get(mode, TIMEOUT), extra=[*EXTRA.get(mode, ()), "-o", str(out)])
        recs = records(home)
        attached = None
        if recs and recs[0].get("run_id") and (recs[0]["status"] not in ("completed", "failed") or mode in ATTACH_ENDED):
            attached = attach_maestro(home, recs[0]["id"], timeout=TIMEOUT)
        return mode, (home, first, attached)

    with ThreadPoolExecutor(WORKERS) as pool:
        return dict(pool.map(one, MODES))


@pytest.mark.parametrize("mode", list(MODES))
def test_run_and_attach_hold(mode, ran):
    home, first, attached = ran[mode]
    expect = MODES[mode]
    why = f"{mode}: exit {first.code} in {first.seconds:.1f} s\n{first.stderr[-2000:]}"
    assert leaks(first, home) == [], why
    assert first.seconds < TIMEOUTS.get(mode, TIMEOUT) + SLACK, why
    assert first.code in expect.exits, why
    [record] = records(home)
    assert record["run_id"] == expect.run_id, why
    if expect.status is not None:
        assert record["status"] == expect.status, why
    assert record["status"] not in ("submitting",), why
    if attached is not None:
        why = f"{mode} attach: exit {attached.code} in {attached.seconds:.1f} s\n{attached.stderr[-2000:]}"
        assert leaks(attached, home) == [], why
        assert attached.seconds < TIMEOUT + SLACK, why
        assert attached.code in (0, 3, 4), why
    # -o always holds valid JSON (no NaN), whatever the server sent
    json.loads((home / "out.json").read_text(encoding="utf-8"), parse_constant=_no_constants)


def _no_constants(name):
    raise AssertionError(f"{name} in JSON output")


def test_a_5xx_after_the_post_is_unknown_and_never_repeated(hostile, ran):
    home, first, _ = ran["html_502_post"]
    assert hostile.count("html_502_post", "POST") == 1
    assert "a run may have been created" in first.stderr and "check your AI21 account" in first.stderr


def test_the_run_id_cannot_rewrite_the_poll_url(hostile, ran):
    [get, *_] = [c for c in hostile.calls["id_path"] if c.method == "GET"]
    assert get.path.endswith("/maestro/runs/" + ENCODED_PATH_ID)
    assert ran["id_path"][1].code == 0


def test_a_nan_score_never_passes_min_score(ran):
    home, first, _ = ran["nan_score"]
    assert first.code == 4
    run = json.loads(first.stdout, parse_constant=_no_constants)
    assert run["requirements_result"]["score"] is None


def test_a_status_we_do_not_know_is_followed_until_it_is_one_we_do(ran):
    home, first, _ = ran["queued_then_done"]
    assert first.code == 0 and "the vendor is ACME" in first.stdout


def test_escapes_are_shown_not_obeyed(ran):
    home, first, _ = ran["escapes"]
    assert "\\x1b[2J" in first.stdout  # visible, so the user sees something was there
    assert "tool calls" in first.stdout and "(http)" in first.stdout


def test_negative_and_junk_retry_after_mean_the_normal_backoff(hostile, ran):
    for mode in ("retry_after_negative", "retry_after_junk"):
        home, first, _ = ran[mode]
        gets = [c for c in hostile.calls[mode] if c.method == "GET"]
        assert len(gets) == 3, mode
        # two backoff waits (0.5 s and 1 s, less up to 25 % jitter), not two instant retries
        assert first.code == 0 and records(home)[0]["retries"] == 2, mode
    # an endless wait is not waited: each command (run, then attach) gives up after one GET
    assert hostile.count("retry_after_inf", "GET") == 2


def test_a_redirect_is_not_followed(hostile, ran):
    home, first, _ = ran["redirect_post"]
    assert "redirected" in first.stderr and "not followed" in first.stderr
    assert hostile.count("redirect_post", "POST") == 1


# ------------------------------------------------------------ tool header secrets (in-process)

# TODO(lead): once the compiler accepts `tool mcp`, drive this through `maestro run` above too.
REQUEST_WITH_HEADERS = {
    "input": "Say hello",
    "tools": [{"type": "mcp", "server_url": "https://mcp.example/x", "server_label": "files", "headers": {"Authorization": HEADER_SECRET}}],
    "include": ["requirements_result", "data_sources"],
}


def test_an_echoed_header_secret_and_key_are_scrubbed_from_values(hostile, tmp_path):
    settings = RunSettings(base_url=hostile.base_url("echo_secrets"), api_key=KEY, poll_interval=0.05, store_root=tmp_path)
    outcome = asyncio.run(execute(REQUEST_WITH_HEADERS, settings=settings))
    assert outcome.run is not None and outcome.run_id == "run-echo"
    dumped = json.dumps(outcome.run.model_dump(mode="json"))
    shown = outcome_text(outcome)
    on_disk = "".join(p.read_text() for p in tmp_path.rglob("*.json"))
    for text in (dumped, shown, on_disk):
        assert HEADER_SECRET not in text and KEY not in text
    assert "***" in outcome.run.result
    # the record holds the request without its header values, and stays JSON
    [record] = [json.loads(p.read_text()) for p in (tmp_path / "runs").glob("*.json")]
    assert record["request"]["tools"][0]["headers"]["Authorization"] == "<redacted>"


def test_a_short_key_never_corrupts_a_record(hostile, tmp_path):
    # Values are scrubbed before serializing: a key "1" cannot turn `"polls": 1` into `"polls": ***`.
    settings = RunSettings(base_url=hostile.base_url("ok"), api_key="1", poll_interval=0.05, store_root=tmp_path)
    outcome = asyncio.run(execute({"input": "Extract 1 total"}, settings=settings))
    assert outcome.exit_code == 0  # the scores (1.0) are numbers, left alone
    [path] = (tmp_path / "runs").glob("*.json")
    record = json.loads(path.read_text())
    assert record["request"]["input"] == "Extract 1 total" and isinstance(record["polls"], int)


def test_the_deadline_covers_a_dripping_answer(hostile):
    settings = RunSettings(base_url=hostile.base_url("drip_get"), api_key=KEY, poll_interval=0.05, timeout=1.0, record=False)
    import time

    started = time.monotonic()
    outcome = asyncio.run(execute({"input": "Say hello"}, settings=settings))
    assert time.monotonic() - started < 3.5  # the 1 s timeout, the 1 s grace of the call in flight, and slack
    assert isinstance(outcome.error, E.PollTimeout) and outcome.run_id == "run-drip"


# ------------------------------------------------------------ what was recorded, shown again

SHOWN_AGAIN = ("escapes", "failed_escapes", "id_escape", "id_long", "echo_secrets")


def test_runs_list_and_show_of_hostile_records_hold(ran):
    from .hostile_server import maestro

    def one(mode):
        home = ran[mode][0]
        [record] = records(home)
        return mode, home, [maestro(["runs", "list"], home, limit=20), maestro(["runs", "show", record["id"]], home, limit=20)]

    with ThreadPoolExecutor(WORKERS) as pool:
        for mode, home, commands in pool.map(one, SHOWN_AGAIN):
            for done in commands:
                assert leaks(done, home) == [], f"{mode}: {done.args[:2]}\n{done.stderr[-1000:]}"
                assert done.code == 0, f"{mode}: {done.args[:2]} exit {done.code}\n{done.stderr[-1000:]}"


def test_a_batch_of_hostile_runs_holds(hostile, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    specs = []
    for name in ("a", "b"):
        spec = tmp_path / f"{name}.maestro"
        spec.write_text(SPEC_OK, encoding="utf-8")
        specs.append(str(spec))
    done = run_maestro(hostile, "failed_escapes", specs[0], home, timeout=TIMEOUT, extra=[specs[1], "-j", "2"])
    assert leaks(done, home) == [], done.stderr
    assert done.code == 3 and "boom" in done.stdout + done.stderr
