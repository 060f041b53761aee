"""Run records that are damaged, hold secrets, or went stale: the one reader,
redaction before serialization, `runs prune`, and `runs attach`'s duration."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from maestro_spec.compiler.credentials import REDACTED
from maestro_spec.runtime.record import MAX_RECORD_DEPTH, read_record
from maestro_spec.runtime.store import RunStore, canonical_hash

from .runtime_support import FAST, SPEC_OK, invoke, records, runs_created, server, write_spec

REQUEST = {"input": "Extract the vendor", "include": ["requirements_result"], "requirements": [{"name": "a", "description": "b"}]}
RESPONSE = {
    "id": "run-good",
    "status": "completed",
    "result": "Hi.",
    "requirements_result": {"score": 1.0, "finish_reason": "done", "requirements": [{"name": "a", "is_mandatory": True, "score": 1.0, "reason": "ok"}]},
}


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("MAESTRO_HOME", str(home))
    return home


def good_record(home: Path, **changes):
    store = RunStore(home)
    record = store.new(REQUEST, spec="good.maestro", target="local", base_url="http://127.0.0.1:1/studio/v1")
    record.status, record.run_id, record.response = "completed", "run-good", RESPONSE
    for name, value in changes.items():
        setattr(record, name, value)
    store.save(record)
    return record


def _valid() -> dict:
    return {
        "id": "ID",
        "request": REQUEST,
        "target": "local",
        "base_url": "b",
        "status": "completed",
        "created_at": "2026-01-01T00:00:00.000Z",
    }


def _nested(depth: int) -> dict:
    node: dict = {}
    for _ in range(depth):
        node = {"a": node}
    return node


# name -> file text; the record id inside matches the file name where that matters
DAMAGED = {
    "list": "[]",
    "null": "null",
    "string": '"a string"',
    "not-json": "{not json",
    "status-null": json.dumps({**_valid(), "status": None}),
    "created-at-5": json.dumps({**_valid(), "created_at": 5}),
    "created-at-junk": json.dumps({**_valid(), "created_at": "yesterday"}),
    "response-list": json.dumps({**_valid(), "response": [1]}),
    "request-string": json.dumps({**_valid(), "request": "x"}),
    "polls-true": json.dumps({**_valid(), "polls": True}),
    "elapsed-nan": json.dumps({**_valid(), "elapsed": float("nan")}),
    "deep-list": "[" * 100_000,
    "deep-object": json.dumps({**_valid(), "request": _nested(200)}),
    "no-id": json.dumps({k: v for k, v in _valid().items() if k != "id"}),
    "latin1": "{\"id\": \"\xe9\"}",
}


def _write_damaged(home: Path) -> dict[str, Path]:
    runs = home / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    paths = {}
    for n, (name, text) in enumerate(DAMAGED.items()):
        stem = f"20250101-000000.{n:03d}-{name}"
        path = runs / f"{stem}.json"
        data = text.replace('"ID"', json.dumps(stem))
        path.write_bytes(data.encode("latin-1") if name == "latin1" else data.encode("utf-8"))
        paths[name] = path
    return paths


def test_damaged_records_are_skipped_and_named_once_never_exit_70(home):
    good = good_record(home)
    damaged = _write_damaged(home)

    listed = invoke(["runs", "list", "-n", "100"])
    assert listed.exit_code == 0, listed.stderr
    assert "run-good" in listed.stdout
    for name, path in damaged.items():
        assert listed.stderr.count(path.name) <= 1, name
    assert "skipped" in listed.stderr and "more unreadable files" in listed.stderr  # 5 named, then a count
    assert len(listed.stderr.splitlines()) == 6

    as_json = invoke(["runs", "list", "--json", "-n", "100"])
    assert as_json.exit_code == 0 and [json.loads(line)["run_id"] for line in as_json.stdout.splitlines()] == ["run-good"]
    assert invoke(["runs", "show", "run-good"]).exit_code == 0
    attached = invoke(["runs", "attach", "run-good"])
    assert attached.exit_code == 0 and "had already ended" in attached.stderr
    for path in damaged.values():
        shown = invoke(["runs", "show", path.stem])
        assert shown.exit_code == 2 and "no recorded run matches" in shown.stderr, shown.stderr
        assert invoke(["runs", "attach", path.stem]).exit_code == 2
    assert good.id in {r.id for r in RunStore(home).list()}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_or_a_directory_among_the_records_is_skipped_not_waited_on(home):
    good_record(home)
    os.mkfifo(home / "runs" / "20250101-000000.000-fifo.json")
    (home / "runs" / "20250101-000000.001-dir.json").mkdir()
    # a process with a time limit: before the fix, reading the FIFO blocked for good
    listed = subprocess.run(
        [sys.executable, "-m", "maestro_spec.cli", "runs", "list"],
        capture_output=True,
        text=True,
        timeout=20,
        env={**os.environ, "MAESTRO_HOME": str(home)},
    )
    assert listed.returncode == 0 and "run-good" in listed.stdout
    assert "20250101-000000.000-fifo.json" in listed.stderr and "is not a regular file" in listed.stderr
    assert "20250101-000000.001-dir.json" in listed.stderr


def test_the_reader_says_why_a_record_is_refused(home):
    paths = _write_damaged(home)
    reasons = {}
    for name, path in paths.items():
        with pytest.raises(ValueError) as info:
            read_record(path)
        reasons[name] = str(info.value)
    assert reasons["list"] == "holds a list, not a record object"
    assert reasons["status-null"] == "'status' is null, not str"
    assert reasons["created-at-5"] == "'created_at' is a number, not str"
    assert reasons["response-list"] == "'response' is a list, not object or null"
    assert reasons["deep-list"] == "is nested too deeply to be a record"
    assert reasons["deep-object"] == f"'request' is nested more than {MAX_RECORD_DEPTH} levels deep"


@pytest.mark.parametrize("response", [{"id": "run-good", "status": ["not", "a", "status"]}, {"id": "run-good", "result": _nested(100)}])
def test_a_response_that_is_not_a_run_keeps_the_record_and_its_run_id(home, response):
    record = good_record(home, response=response, status="unknown")
    [listed] = RunStore(home).list()
    assert (listed.id, listed.run_id) == (record.id, "run-good")
    found = RunStore(home).find("run-good")
    assert (found.id, found.run_id, found.response) == (record.id, "run-good", None)
    assert invoke(["runs", "show", "run-good"]).exit_code == 0


def test_a_huge_record_does_not_slow_runs_list(home):
    good_record(home)
    runs = home / "runs"
    big = {**_valid(), "id": "20250101-000000.000-big", "error": "x" * 50_000_000}
    (runs / "20250101-000000.000-big.json").write_text(json.dumps(big))
    long = {**_valid(), "id": "20250101-000000.001-long", "spec": "s" * 10_000_000}
    (runs / "20250101-000000.001-long.json").write_text(json.dumps(long))
    started = time.perf_counter()
    listed = invoke(["runs", "list"])
    took = time.perf_counter() - started
    assert listed.exit_code == 0 and "run-good" in listed.stdout
    assert "20250101-000000.000-big.json" in listed.stderr and "larger than any record" in listed.stderr
    assert "'spec' is 10000000 characters long" in listed.stderr
    assert took < 1.0, f"runs list took {took:.2f} s"


# ------------------------------------------------------------------ secrets, redacted as values


@pytest.mark.parametrize("key", ["1", "x", "e"])
def test_a_short_key_leaves_records_valid_and_the_cache_working(tmp_path, home, key):
    spec = write_spec(tmp_path, "a.maestro")
    with server(run_seconds=0.05) as s:
        first = invoke(["run", spec, "--base-url", s.base_url, *FAST], {"AI21_API_KEY": key})
        assert first.exit_code == 0, first.stderr
        [record] = records(home)  # every file is still JSON
        assert record["request"]["input"] == "Extract the vendor name and the total from the invoice"
        assert record["polls"] >= 1 and record["error"] is None
        assert record["status"] == record["response"]["status"] == "completed"
        assert record["response"]["id"] == record["run_id"] and record["response"]["result"]
        again = invoke(["run", spec, "--base-url", s.base_url, "--cache", *FAST], {"AI21_API_KEY": key})
        assert again.exit_code == 0 and "cached:" in again.stderr
        assert runs_created(s) == 1
    assert invoke(["runs", "list"], {"AI21_API_KEY": key}).stdout.count("completed") == 1


def test_a_four_character_key_is_scrubbed_but_never_renames_a_field_or_a_status(home):
    store = RunStore(home, secrets=("sult",))
    record = store.new({"input": "the result"}, spec=None, target="t", base_url="b")
    record.status, record.run_id = "completed", "run-sult"
    record.response = {"id": "run-sult", "status": "completed", "result": "a result"}
    store.save(record)
    data = json.loads((home / "runs" / f"{record.id}.json").read_text())
    assert data["request"]["input"] == "the re***"
    assert data["response"] == {"id": "run-sult", "status": "completed", "result": "a re***"}
    assert RunStore(home).find("run-sult").response is not None  # still a Run


def test_a_key_with_json_syntax_is_scrubbed_from_values_not_text(home):
    key = 'sk-"quoted"\\and-1'
    store = RunStore(home, secrets=(key,))
    record = store.new({"input": "hello"}, spec=None, target="t", base_url="b")
    record.status, record.run_id = "failed", "run-1"
    record.response = {"id": "run-1", "status": "failed", "error": {"message": f"bad key {key}"}}
    record.error = f"401 for {key}"
    store.save(record)
    text = (home / "runs" / f"{record.id}.json").read_text()
    data = json.loads(text)
    assert data["response"]["error"]["message"] == "bad key ***" and data["error"] == "401 for ***"
    assert key not in text and json.dumps(key)[1:-1] not in text


MCP_TOKEN = "Bearer ghp-0123456789abcdef"
HTTP_KEY = "wk-secret-5f1e2d3c"


def _with_tools(token: str = MCP_TOKEN) -> dict:
    return {
        "input": "Find the open issues",
        "tools": [
            {"type": "mcp", "server_label": "github", "server_url": "https://mcp.example.com/", "headers": {"Authorization": token}},
            {
                "type": "http",
                "function": {"name": "get_weather", "description": "d", "parameters": {"type": "object", "properties": {}}},
                "endpoint": {"url": "https://api.example.com/w", "headers": {"X-Key": HTTP_KEY}},
            },
        ],
    }


def test_tool_header_values_never_reach_a_record_and_the_cache_compares_redacted_forms(home):
    request = _with_tools()
    store = RunStore(home)
    record = store.new(request, spec="tools.maestro", target="local", base_url="b")
    assert request["tools"][0]["headers"]["Authorization"] == MCP_TOKEN  # the caller's request is untouched
    record.status, record.run_id = "completed", "run-t"
    record.response = {"id": "run-t", "status": "completed", "result": f"I used {MCP_TOKEN} and {HTTP_KEY}"}
    store.save(record)
    text = (home / "runs" / f"{record.id}.json").read_text()
    for secret in (MCP_TOKEN, HTTP_KEY, "ghp-0123"):
        assert secret not in text
    data = json.loads(text)
    assert data["request"]["tools"][0]["headers"] == {"Authorization": REDACTED}
    assert data["request"]["tools"][1]["endpoint"]["headers"] == {"X-Key": REDACTED}
    assert data["response"]["result"] == "I used *** and ***"
    assert data["request_hash"] == canonical_hash(data["request"])
    # a fresh store (another command) finds it for the same request, and for a rotated token
    assert RunStore(home).cached(request, "local").id == record.id
    assert RunStore(home).cached(_with_tools("Bearer ghp-rotated-999999"), "local").id == record.id
    assert RunStore(home).cached({**request, "budget": "high"}, "local") is None
    shown = invoke(["runs", "show", "run-t", "--json"])
    assert shown.exit_code == 0 and MCP_TOKEN not in shown.stdout and HTTP_KEY not in shown.stdout


# ------------------------------------------------------------------ runs prune


def _aged(home: Path, *, status: str, target: str, hours: float, spec: str):
    store = RunStore(home)
    record = store.new(REQUEST, spec=spec, target=target, base_url="http://127.0.0.1:1/studio/v1")
    record.status, record.run_id = status, f"run-{spec}"
    record.created_at = (datetime.now(timezone.utc) - timedelta(hours=hours)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    store.save(record)
    return record


def test_runs_prune_removes_stale_local_runs_only_unless_asked(home):
    stale = _aged(home, status="in_progress", target="local", hours=3, spec="stale")
    submitting = _aged(home, status="submitting", target="local", hours=3, spec="submitting")
    fresh = _aged(home, status="in_progress", target="local", hours=0, spec="fresh")
    done = _aged(home, status="completed", target="local", hours=3, spec="done")
    cloud = _aged(home, status="in_progress", target="https://api.ai21.com/studio/v1", hours=3, spec="cloud")
    ids = lambda: {r.id for r in RunStore(home).list()}  # noqa: E731

    dry = invoke(["runs", "prune", "--dry-run"])
    assert dry.exit_code == 0, dry.stderr
    assert {line.split()[2] for line in dry.stdout.splitlines()} == {stale.run_id, submitting.run_id}
    assert "would remove 2 records of unfinished --local runs older than 1h" in dry.stderr
    assert len(ids()) == 5

    pruned = invoke(["runs", "prune"])
    assert pruned.exit_code == 0 and "removed 2 records" in pruned.stderr
    assert ids() == {fresh.id, done.id, cloud.id}

    everything = invoke(["runs", "prune", "--cloud", "--older-than", "0"])
    assert everything.exit_code == 0 and "removed 2 records of unfinished runs" in everything.stderr
    assert ids() == {done.id}
    bad = invoke(["runs", "prune", "--older-than", "soon"])
    assert bad.exit_code == 2 and "is not an age" in bad.stderr


# ------------------------------------------------------------------ runs attach, runs show


def test_attach_records_the_runs_real_duration_not_its_own_wait(tmp_path, home):
    spec = write_spec(tmp_path, "a.maestro", SPEC_OK)
    with server(run_seconds=0.4) as s:  # 4 polls of 0.4 s: about 1.6 s in all
        timed_out = invoke(["run", spec, "--base-url", s.base_url, "--timeout", "0.2", *FAST])
        assert timed_out.exit_code == 3
        time.sleep(1.6)
        [record] = records(home)
        attached = invoke(["runs", "attach", record["run_id"], *FAST])
        assert attached.exit_code == 0, attached.stderr
    [record] = records(home)
    assert record["status"] == "completed" and record["elapsed"] >= 1.5
    assert f" · {record['elapsed']:.1f} s" in attached.stdout


def test_runs_show_piped_has_no_trailing_blanks(home):
    good_record(home)
    shown = invoke(["runs", "show", "run-good"])
    assert shown.exit_code == 0
    lines = (shown.stdout + shown.stderr).splitlines()
    assert lines and [line for line in lines if line != line.rstrip()] == []


def test_escapes_read_from_a_record_are_shown_not_obeyed(home):
    good_record(home, run_id="\x1b]52;c;SGk=\x07run-esc", status="in_progress", response=None)
    attached = invoke(["runs", "attach", "\x1b]52"])
    assert attached.exit_code == 2
    assert "\x1b" not in attached.stderr and "\\x1b]52;c;SGk=\\x07run-esc" in attached.stderr


def test_a_spec_nested_as_deep_as_the_language_allows_runs_and_its_record_reads_back(tmp_path, home):
    """The compiler, the local server and the record reader agree on depth:
    what compiles is accepted, run, recorded and listed (not skipped)."""
    from maestro_spec.compiler.parse import MAX_NESTING

    deep = "{ a " * (MAX_NESTING - 2) + '{ type "string" }' + " }" * (MAX_NESTING - 2)  # with output_type's block: the limit
    spec = write_spec(tmp_path, "deep.maestro", f'input "Say hello"\noutput_type {{ type "object" properties {deep} }}\n')
    with server(run_seconds=0.0) as s:
        result = invoke(["run", spec, "--base-url", s.base_url, *FAST])
    assert result.exit_code == 0, result.stderr
    listed = invoke(["runs", "list"])
    assert listed.exit_code == 0 and "skipped" not in listed.stderr, listed.stderr
    [record] = records(home)
    assert record["status"] == "completed"
