"""The poll history: expected durations read from real record files, and a real run that uses them."""

from __future__ import annotations

import asyncio
import time

from maestro_spec.runtime import RunSettings, execute
from maestro_spec.runtime.history import HISTORY_RUNS, RunHistory
from maestro_spec.runtime.store import RunStore

from .runtime_support import server

TARGET = "http://127.0.0.1:9/studio/v1"
REQUEST = {"input": "Say hello", "budget": "low"}


def _ended(store: RunStore, request: dict, seconds: float, *, status="completed", spec=None, target=TARGET) -> None:
    """A record of a run that took `seconds` from its POST's answer to the GET that saw it end."""
    record = store.new(request, spec=spec, target=target, base_url=target)
    record.status = status
    record.submitted_at = "2026-01-01T10:00:00.000Z"
    whole, frac = divmod(seconds, 1)
    record.finished_at = f"2026-01-01T10:00:{int(whole):02d}.{round(frac * 1000):03d}Z"
    store.save(record)


def test_the_shortest_of_the_last_runs_of_the_same_request(tmp_path):
    store = RunStore(tmp_path)
    for seconds in (9.0, 3.5, 4.0):
        _ended(store, REQUEST, seconds)
    history = RunHistory.load(RunStore(tmp_path))
    assert history.expected(REQUEST, target=TARGET) == 3.5
    assert history.expected(REQUEST, target="local") is None  # another server says nothing
    assert history.expected({"input": "Say goodbye"}, target=TARGET) is None


def test_only_runs_seen_to_end_count(tmp_path):
    store = RunStore(tmp_path)
    _ended(store, REQUEST, 1.0, status="in_progress")
    _ended(store, REQUEST, 2.0, status="unknown")
    record = store.new(REQUEST, spec=None, target=TARGET, base_url=TARGET)
    record.status = "completed"  # no finished_at: no duration
    store.save(record)
    assert RunHistory.load(store).expected(REQUEST, target=TARGET) is None
    _ended(store, REQUEST, 6.0, status="failed")
    assert RunHistory.load(store).expected(REQUEST, target=TARGET) == 6.0


def test_a_damaged_record_is_skipped_not_fatal(tmp_path):
    store = RunStore(tmp_path)
    _ended(store, REQUEST, 2.5)
    (store.runs_dir / "99999999-000000.000-zzzzzz.json").write_text("{not json", encoding="utf-8")
    history = RunHistory.load(store)
    assert history.expected(REQUEST, target=TARGET) == 2.5
    assert store.skipped  # named for `runs list`, as the store does


def test_an_edited_spec_falls_back_to_runs_of_the_same_spec_and_budget(tmp_path):
    store = RunStore(tmp_path)
    _ended(store, {"input": "Say hello", "budget": "high"}, 40.0, spec="a.maestro")
    _ended(store, {"input": "Say hello", "budget": "low"}, 4.0, spec="a.maestro")
    history = RunHistory.load(store)
    edited = {"input": "Say hello again", "budget": "high"}
    assert history.expected(edited, target=TARGET, spec="a.maestro") == 40.0
    assert history.expected(edited, target=TARGET, spec="b.maestro") is None
    assert history.expected(edited, target=TARGET) is None


def test_only_the_newest_runs_count(tmp_path):
    store = RunStore(tmp_path)
    _ended(store, REQUEST, 1.0)  # the oldest, and the shortest
    for _ in range(HISTORY_RUNS):
        time.sleep(0.002)  # record ids sort by the millisecond
        _ended(store, REQUEST, 8.0)
    assert RunHistory.load(store).expected(REQUEST, target=TARGET) == 8.0
    assert RunHistory.load(store, limit=0).expected(REQUEST, target=TARGET) is None


def test_a_request_run_before_costs_fewer_gets_and_is_noticed_no_later(tmp_path):
    # A 1.3 s run: without history GETs at 1 and 2 s (the second sees the end);
    # with it, the end lies in (1, 2]: aimed at 1.5, GETs at 1.25 and 1.5.
    with server(run_seconds=1.3) as s:
        settings = RunSettings(base_url=s.base_url, store_root=tmp_path)

        async def twice():
            first = await execute(REQUEST, settings=settings)
            second = await execute(REQUEST, settings=settings)
            return first, second

        first, second = asyncio.run(asyncio.wait_for(twice(), 20))
    assert first.exit_code == 0 and second.exit_code == 0
    assert first.gets == 2
    assert second.gets == 2  # the SDK's: right after the POST, at 1 s and at 2 s
    assert second.elapsed < first.elapsed - 0.3
    assert RunStore(tmp_path).list()[1].ran_until >= 0.9  # the first run's GET at 1 s found it going
    # The second run's record is history too, for the next.
    assert RunHistory.load(RunStore(tmp_path)).expected(REQUEST, target=s.base_url) is not None


def test_the_aim_is_halfway_between_the_last_going_get_and_the_end_seen(tmp_path):
    store = RunStore(tmp_path)
    _ended(store, REQUEST, 30.0)  # an old record: no lower bound
    record = store.new(REQUEST, spec=None, target=TARGET, base_url=TARGET)
    record.status, record.submitted_at, record.finished_at, record.ran_until = "completed", "2026-01-01T10:00:00.000Z", "2026-01-01T10:00:32.000Z", 27.0
    store.save(record)
    assert RunHistory.load(RunStore(tmp_path)).expected(REQUEST, target=TARGET) == 28.5  # (27 + 30) / 2
    _ended(store, {"input": "other"}, 4.0)
    assert RunHistory.load(RunStore(tmp_path)).expected({"input": "other"}, target=TARGET) == 4.0
