"""Reading what a server says: JSON read safely, the Run or its id, secrets scrubbed, text made safe."""

from __future__ import annotations

import json

import pytest

from maestro_spec.transport import BaseURLError, check_base_url, shown_url
from maestro_spec.runtime.answer import MAX_JSON_DEPTH, UnreadableAnswer, parse_json, read_run, salvage_id
from maestro_spec.sanitize import REDACTED, for_terminal, one_line, scrub


def test_numbers_that_are_not_finite_become_null():
    data = parse_json(b'{"a": NaN, "b": Infinity, "c": -Infinity, "d": 1e999, "e": ' + b"9" * 5000 + b', "f": 0.5, "g": 7}')
    assert data == {"a": None, "b": None, "c": None, "d": None, "e": None, "f": 0.5, "g": 7}
    json.dumps(data, allow_nan=False)  # nothing left that JSON cannot hold


@pytest.mark.parametrize("body", [b"[" * 100_000, b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1)])
def test_deep_json_is_refused_in_words(body):
    with pytest.raises(UnreadableAnswer, match="nested deeper"):
        parse_json(body)


@pytest.mark.parametrize("body", [b"", b"<html>", b"\xff\xfe{"])
def test_no_json_is_refused_in_words(body):
    with pytest.raises(UnreadableAnswer):
        parse_json(body)


def test_the_id_of_a_body_too_deep_to_parse_is_kept():
    assert salvage_id(b'{"status": "x", "result": {"id": "inner"}, "id": "run-1", "deep": ' + b"[" * 100_000) == "run-1"
    assert salvage_id(b'{"result": {"id": "inner"}}') is None
    assert salvage_id(b"[[[") is None


def test_read_run_keeps_the_id_when_the_rest_is_unusable():
    assert read_run({"id": "r1"}).run_id == "r1" and read_run({"id": "r1"}).run is None
    assert read_run({"id": 5, "status": "in_progress"}).run.id == "5"
    assert read_run([1]).run_id is None and read_run([1]).problem
    reading = read_run({"id": "r1", "status": "Completed\x1b[2J"})
    assert reading.run is None and "\x1b" not in reading.problem


def test_a_status_we_do_not_know_is_kept_and_is_not_final():
    run = read_run({"id": "r1", "status": "queued"}).run
    assert run.status == "queued" and not run.is_terminal


def test_fields_of_the_wrong_shape_are_dropped_with_a_warning():
    reading = read_run({"id": "r1", "status": "completed", "result": "ok", "requirements_result": "high", "data_sources": [1]})
    assert reading.run.result == "ok" and reading.run.requirements_result is None
    assert len(reading.warnings) == 2


def test_tool_calls_are_read():
    call = {"tool_name": "get_weather", "tool_type": "http", "parameters": {"city": "Paris"}, "response": {"t": 20}, "status": "success"}
    run = read_run({"id": "r", "status": "completed", "data_sources": {"tool_calls": [call, {"server_label": "files", "tool_type": "mcp", "x": 1}]}}).run
    first, second = run.data_sources.tool_calls
    assert first.tool_name == "get_weather" and first.parameters == {"city": "Paris"}
    assert second.server_label == "files" and second.x == 1


def test_scrub_replaces_values_never_json_structure():
    key = "12345678"
    data = {"polls": 12345678, "k12345678": "a 12345678 b", key: [{"x": key * 2}], "score": 1.0}
    out = scrub(data, [key, None, ""])
    assert out == {"polls": 12345678, f"k{REDACTED}": f"a {REDACTED} b", REDACTED: [{"x": REDACTED + REDACTED}], "score": 1.0}
    assert data["k12345678"] == "a 12345678 b"  # a copy
    json.loads(json.dumps(out))


def test_a_secret_too_short_to_tell_from_words_is_not_scrubbed():
    # AI21_API_KEY=1 must not turn every id, port and count into ***.
    assert scrub({"error": "no run 1a at http://127.0.0.1"}, ["1", "x"]) == {"error": "no run 1a at http://127.0.0.1"}


def test_scrub_takes_the_longest_secret_first_and_survives_any_depth():
    assert scrub("key sk-abc-long", ["sk-abc", "sk-abc-long"]) == f"key {REDACTED}"
    deep = value = []
    for _ in range(5000):
        value.append([])
        value = value[0]
    scrub(deep, ["x"])


def test_lone_surrogates_become_replacement_characters():
    assert scrub({"a": "x\ud800"}, []) == {"a": "x\ufffd"}
    assert for_terminal("x\udfff") == "x\ufffd"


@pytest.mark.parametrize(
    "raw",
    ["\x1b[2J", "\x1b]52;c;aGk=\x07", "\x1b]8;;https://e.x/\x1b\\", "\x1b]0;title\x07", "\x9b31m", "\u202eevil", "\x00", "\x7f", "\u2028"],
)
def test_for_terminal_shows_controls_as_escapes(raw):
    shown = for_terminal("a" + raw + "b")
    assert shown.startswith("a") and shown.endswith("b")
    assert not any(c in shown for c in "\x1b\x07\x9b\u202e\x00\x7f\u2028")


def test_for_terminal_keeps_layout_and_one_line_folds_it():
    assert for_terminal("a\n\tb") == "a\n\tb"
    assert one_line("a\n\tb\x1b") == "a b\\x1b"
    assert one_line("x" * 500, 10) == "xxxxxxx..."


@pytest.mark.parametrize(
    "url",
    [
        "https://user:SECRETKEY@api.example.com/studio/v1",
        "https://:SECRETKEY@api.example.com/studio/v1",
        "https://api.example.com/studio/v1?key=SECRETKEY",
        "https://api.example.com/studio/v1#SECRETKEY",
        "http://example.com/studio/v1?key=SECRETKEY",
        "https://[SECRETKEY@api.example.com/",
        "https://api.example.com:99999999/studio/v1?key=SECRETKEY",
        "ftp://user:SECRETKEY@api.example.com/",
    ],
)
def test_a_refused_base_url_never_echoes_a_credential(url):
    # issue 10 #4: the error line showed the URL whole
    with pytest.raises(BaseURLError) as caught:
        check_base_url(url)
    assert "SECRETKEY" not in str(caught.value)
    assert "SECRETKEY" not in shown_url(url)


# ------------------------------------------------------------ the run view (issue 9 item 7)


def _outcome(run: dict):
    from maestro_spec.runtime.outcome import RunOutcome

    reading = read_run(run)
    return RunOutcome(request={"input": "x"}, run=reading.run, run_id=reading.run_id)


def test_tool_calls_are_shown_by_name_or_label_with_status_parameters_and_response():
    from maestro_spec.runtime.render import outcome_text

    calls = [
        {"tool_name": "get_weather", "tool_type": "http", "parameters": {"city": "Paris"}, "response": {"temp_c": 21}, "status": "success"},
        {"tool_name": "search", "tool_type": "mcp", "server_label": "files", "parameters": {"q": "invoice"}, "response": "x" * 500, "status": "failure"},
    ]
    run = {"id": "r1", "status": "completed", "result": "done", "data_sources": {"tool_calls": calls}}
    text = outcome_text(_outcome(run), width=160)  # piped output's width
    lines = text.splitlines()
    assert "tool calls" in lines
    [weather] = [line for line in lines if line.startswith("get_weather (http)")]
    assert "success" in weather and '{"city": "Paris"}' in weather and '{"temp_c": 21}' in weather
    [search] = [line for line in lines if line.startswith("search (mcp: files)")]
    assert "failure" in search and "x" * 500 not in text and search.endswith(("...", "…"))  # a short response


def test_a_structured_result_is_shown_as_indented_json():
    from maestro_spec.runtime.render import outcome_text

    text = outcome_text(_outcome({"id": "r1", "status": "completed", "result": {"vendor": "ACME", "total": 12.5, "lines": [1, 2]}}))
    assert '{\n  "vendor": "ACME",\n  "total": 12.5,' in text


def test_an_outcome_that_may_have_created_a_run_says_unknown_not_error():
    from maestro_spec.runtime import errors as E
    from maestro_spec.runtime.outcome import RunOutcome

    assert RunOutcome(request={}, error=E.MaybeSubmitted("u", "HTTP 502", answered=True)).status == "unknown"
    assert RunOutcome(request={}, error=E.RequestRejected(422, "bad")).status == "error"


def test_a_hint_names_an_id_only_when_it_can_be_copied():
    from maestro_spec.runtime import errors as E

    assert E.attach_command("run-1") == "maestro runs attach run-1"
    for hostile in ("run-\x1b[2J", "L" * 200_000, "a b", "\u202eevil"):
        hint = E.PollTimeout(hostile, 3).hint
        assert hostile not in hint and "record id" in hint
    assert len(str(E.PollTimeout("L" * 200_000, 3))) < 200
