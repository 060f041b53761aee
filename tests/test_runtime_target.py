"""The run policy the commands and the Python API share: runtime/target.py
(where a run goes, with which key) and the wording of what an interrupted
command left behind (errors.left_behind, errors.stopped_lines)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

import maestro_spec
from maestro_spec.runtime import errors as E
from maestro_spec.runtime.target import API_NAMES, choose_target

CLOUD = "https://api.ai21.com/studio/v1"


@pytest.fixture(autouse=True)
def no_env(monkeypatch):
    monkeypatch.delenv("AI21_API_KEY", raising=False)
    monkeypatch.delenv("AI21_API_HOST", raising=False)


def test_local_and_base_url_conflict_in_each_callers_words():
    with pytest.raises(E.UsageFailure, match=r"^--local and --base-url name two servers; pick one$"):
        choose_target(True, "http://127.0.0.1:1/studio/v1")
    with pytest.raises(E.UsageFailure, match=r"^local=True and base_url name two servers; pick one$"):
        choose_target(True, "http://127.0.0.1:1/studio/v1", names=API_NAMES)
    with pytest.raises(maestro_spec.RuntimeFailure, match="local=True and base_url"):
        maestro_spec.run({"input": "hi"}, local=True, base_url="http://127.0.0.1:1/studio/v1")


def test_the_local_server_gets_no_key(monkeypatch):
    monkeypatch.setenv("AI21_API_KEY", "sk-never-sent")
    assert choose_target(True, None) == (None, None)


def test_host_comes_from_the_option_then_the_environment_then_the_default(monkeypatch):
    monkeypatch.setenv("AI21_API_KEY", "sk-x")
    assert choose_target(False, None) == (CLOUD, "sk-x")
    monkeypatch.setenv("AI21_API_HOST", "http://localhost:9/studio/v1/")
    assert choose_target(False, None) == ("http://localhost:9/studio/v1", "sk-x")
    assert choose_target(False, "https://example.com/studio/v1") == ("https://example.com/studio/v1", "sk-x")


def test_the_key_never_goes_over_plain_http_off_loopback(monkeypatch):
    monkeypatch.setenv("AI21_API_KEY", "sk-x")
    with pytest.raises(E.InsecureURL, match="refusing plain http to api.example.com"):
        choose_target(False, "http://api.example.com/studio/v1")
    monkeypatch.setenv("AI21_API_HOST", "http://api.example.com/studio/v1")
    with pytest.raises(E.InsecureURL):
        choose_target(False, None)


def test_a_missing_key_suggests_local_only_where_it_helps():
    with pytest.raises(E.MissingKey, match="or add --local"):
        choose_target(False, None)
    with pytest.raises(E.MissingKey, match=f"to reach {CLOUD}$"):
        choose_target(False, None, names=API_NAMES, offer_local=False)
    assert choose_target(False, "http://127.0.0.1:8021/studio/v1") == ("http://127.0.0.1:8021/studio/v1", None)


def _event(run_id, spec="a.maestro"):
    return SimpleNamespace(run_id=run_id, spec=spec)


def test_stopped_lines_say_what_was_left_behind():
    assert E.stopped_lines([_event("r1")], total=1, started=1, local=False) == [
        "interrupted: run r1 keeps going on the server",
        "  resume with: maestro runs attach r1",
    ]
    # SIGTERM: one line per run, for a service manager's log.
    assert E.stopped_lines([_event("r1")], total=1, started=1, local=False, word="terminated") == [
        "terminated: run r1 keeps going on the server; resume with: maestro runs attach r1"
    ]
    assert E.stopped_lines([_event("r1")], total=1, started=1, local=True) == [
        "interrupted: run r1 was on the built-in local server, which stops now"
    ]
    assert E.stopped_lines([_event(None, "b.maestro")], total=3, started=1, local=False) == [
        "interrupted: b.maestro: before the server answered; a run may or may not have been created",
        "interrupted: 2 specs not started",
    ]
    assert E.stopped_lines([], total=2, started=2, local=False, word="terminated") == ["terminated"]


def test_interrupted_records_the_same_words():
    assert str(E.Interrupted("r1")) == "interrupted; run r1 keeps going on the server"
    assert E.Interrupted("r1").hint == "resume with: maestro runs attach r1"
    assert str(E.Interrupted(None)) == "interrupted before the server answered; a run may or may not have been created"
    assert E.left_behind("r1", local=True)[1] is None  # nothing to resume on a stopped local server
