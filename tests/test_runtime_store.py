"""Run records on disk: where they live, how they are found, what they never hold."""

from __future__ import annotations

import io
import json
import stat

import pytest
from rich.console import Console

from maestro_spec.runtime.wire import Run
from maestro_spec.runtime import errors as E
from maestro_spec.runtime.outcome import RunOutcome
from maestro_spec.runtime.render import outcome_text, render_outcome
from maestro_spec.runtime.record import LOCAL_TARGET
from maestro_spec.runtime.store import RunStore, StoreError, default_root

REQUEST = {"input": "hello", "include": ["requirements_result"], "requirements": [{"name": "a", "description": "b"}]}
RESPONSE = {
    "id": "run-1",
    "status": "completed",
    "result": "Hi.",
    "requirements_result": {"score": 1.0, "finish_reason": "done", "requirements": [{"name": "a", "is_mandatory": True, "score": 1.0, "reason": "ok"}]},
}


def test_maestro_home_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("MAESTRO_HOME", str(tmp_path / "h"))
    assert default_root() == tmp_path / "h"
    monkeypatch.delenv("MAESTRO_HOME")
    assert default_root().name == "maestro-spec"


def test_records_are_private_and_complete(tmp_path):
    store = RunStore(tmp_path)
    record = store.new(REQUEST, spec="a.maestro", target="https://x/studio/v1", base_url="https://x/studio/v1")
    path = tmp_path / "runs" / f"{record.id}.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    data = json.loads(path.read_text())
    assert data["status"] == "submitting" and data["request"] == REQUEST and data["run_id"] is None
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")], "no temp file left behind"


def test_every_write_is_redacted(tmp_path):
    store = RunStore(tmp_path, secrets=("sk-secret",))
    record = store.new({"input": "my key is sk-secret"}, spec=None, target="t", base_url="b")
    record.error = "401 for sk-secret"
    store.save(record)
    text = (tmp_path / "runs" / f"{record.id}.json").read_text()
    assert "sk-secret" not in text and text.count("***") == 2


def test_find_by_record_id_run_id_and_prefix(tmp_path):
    store = RunStore(tmp_path)
    a = store.new(REQUEST, spec=None, target="t", base_url="b")
    a.run_id = "abc-111"
    store.save(a)
    b = store.new(REQUEST, spec=None, target="t", base_url="b")
    b.run_id = "abc-222"
    store.save(b)
    assert store.find(a.id).run_id == "abc-111"
    assert store.find("abc-222").id == b.id
    assert store.find("abc-1").id == a.id
    assert isinstance(store.find("abc-"), list)
    assert store.find("zzz") is None
    assert store.find("../../etc/passwd") is None


def test_find_rejects_blank_ids_and_prefers_a_whole_run_id(tmp_path):
    store = RunStore(tmp_path)
    for run_id in ("abc", "abcd"):
        record = store.new(REQUEST, spec=None, target="t", base_url="b")
        record.run_id = run_id
        store.save(record)
    assert store.find("") is None and store.find("  \t") is None  # as a prefix, "" would match every record
    assert store.find("abc").run_id == "abc"  # whole, though also a prefix of "abcd"
    assert store.find("abcd").run_id == "abcd"
    assert [r.run_id for r in store.find("ab")] == ["abcd", "abc"]


def test_find_reads_each_record_once(tmp_path, monkeypatch):
    store = RunStore(tmp_path)
    for n in range(3):
        record = store.new(REQUEST, spec=None, target="t", base_url="b")
        record.run_id = f"run-{n}"
        store.save(record)
    reads = []
    real_read = RunStore._read
    monkeypatch.setattr(RunStore, "_read", lambda self, path: reads.append(path.name) or real_read(self, path))
    assert len(store.find("run-")) == 3  # no whole run id matches: still no second pass
    record_reads = [name for name in reads if name != "run-.json"]  # run-.json: the exact-id look-up, absent
    assert len(record_reads) == 3 and len(set(record_reads)) == 3


def test_list_is_newest_first_and_skips_broken_files(tmp_path):
    store = RunStore(tmp_path)
    ids = [store.new({"input": str(i)}, spec=None, target="t", base_url="b").id for i in range(3)]
    (tmp_path / "runs" / "zzzz-broken.json").write_text("{not json")
    listed = [r.id for r in store.list()]
    assert set(listed) == set(ids) and listed == sorted(listed, reverse=True)
    assert len(store.list(limit=2)) == 2


def test_cache_needs_a_completed_run_of_the_same_request_at_the_same_target(tmp_path):
    store = RunStore(tmp_path)
    record = store.new(REQUEST, spec=None, target=LOCAL_TARGET, base_url="http://127.0.0.1:1/studio/v1")
    assert store.cached(REQUEST, LOCAL_TARGET) is None  # not finished
    record.status, record.response, record.run_id = "completed", RESPONSE, "run-1"
    store.save(record)
    assert store.cached(dict(reversed(list(REQUEST.items()))), LOCAL_TARGET).id == record.id  # key order is irrelevant
    assert store.cached(REQUEST, "https://api.ai21.com/studio/v1") is None
    assert store.cached({**REQUEST, "budget": "high"}, LOCAL_TARGET) is None


def test_unwritable_home_is_one_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    store = RunStore(blocker)
    with pytest.raises(StoreError) as info:
        store.new(REQUEST, spec=None, target="t", base_url="b")
    assert "cannot write run records to" in str(info.value) and "MAESTRO_HOME" in info.value.hint
    assert info.value.exit_code == 2


def test_execute_refuses_to_send_what_it_cannot_record(tmp_path):
    import asyncio

    from maestro_spec.runtime import RunSettings, execute

    blocker = tmp_path / "file"
    blocker.write_text("")
    # An unroutable port: if a request were sent this would fail differently.
    settings = RunSettings(base_url="http://127.0.0.1:9/studio/v1", store_root=blocker, max_retries=0)
    outcome = asyncio.run(execute(REQUEST, settings=settings))
    assert isinstance(outcome.error, StoreError) and outcome.exit_code == 2


# ------------------------------------------------------------------ rendering, the reusable part


def test_outcome_text_for_watch_mode():
    outcome = RunOutcome(request=REQUEST, run=Run.model_validate(RESPONSE), run_id="run-1", elapsed=1.25)
    text = outcome_text(outcome)
    assert text.startswith("Hi.\n")
    assert "overall score 1.00 · finish reason done" in text
    assert "run run-1 · completed · 1.2 s" in text
    assert "\x1b[" not in text


def test_outcome_text_includes_the_problem_line():
    outcome = RunOutcome(request=REQUEST, error=E.Unreachable("https://x/studio/v1", "connection refused"))
    assert "error: could not reach https://x/studio/v1: connection refused" in outcome_text(outcome)


def test_render_outcome_onto_a_terminal_console_uses_colour():
    buffer = io.StringIO()
    console = Console(file=buffer, width=100, force_terminal=True, color_system="standard")
    render_outcome(RunOutcome(request=REQUEST, run=Run.model_validate(RESPONSE), run_id="run-1"), console)
    assert "\x1b[" in buffer.getvalue()
