"""The runtime's pure rules: retry decisions, waits, the poll schedule, exit codes, URLs."""

from __future__ import annotations

import math

import httpx
import pytest

from maestro_spec.exitcodes import EXIT_OK, EXIT_REQUIREMENTS_UNMET, EXIT_RUN_FAILED
from maestro_spec.runtime.wire import Run
from maestro_spec.runtime import errors as E
from maestro_spec.runtime import policy as P
from maestro_spec.transport import is_loopback
from maestro_spec.runtime.reasons import error_detail, transport_reason
from maestro_spec.runtime.target import usable_base_url
from maestro_spec.runtime.outcome import RunOutcome, RunSettings, judge

REQUEST = httpx.Request("POST", "https://api.example.com/studio/v1/maestro/runs")


def err(cls, message="boom"):
    return cls(message, request=REQUEST)


# ------------------------------------------------------------------ retry rules


@pytest.mark.parametrize("status", [408, 429, 500, 501, 502, 503, 504, 599])
def test_get_is_retried_on_transient_statuses(status):
    assert P.should_retry_get(status=status)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 415, 422])
def test_get_is_not_retried_on_client_errors(status):
    assert not P.should_retry_get(status=status)


@pytest.mark.parametrize(
    "cls", [httpx.ConnectError, httpx.ConnectTimeout, httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError, httpx.PoolTimeout]
)
def test_get_is_retried_on_transport_errors(cls):
    assert P.should_retry_get(error=err(cls))


@pytest.mark.parametrize("status,expected", [(429, True), (503, True), (500, False), (502, False), (504, False), (408, False), (422, False)])
def test_post_is_retried_only_on_refusals(status, expected):
    assert P.may_retry_post(status=status) is expected


@pytest.mark.parametrize(
    "cls,expected",
    [
        (httpx.ConnectError, True),  # never connected: nothing was sent
        (httpx.ConnectTimeout, True),
        (httpx.PoolTimeout, True),
        (httpx.ReadTimeout, False),  # the body was sent; a run may exist
        (httpx.ReadError, False),
        (httpx.RemoteProtocolError, False),  # dropped after sending
        (httpx.WriteError, False),
    ],
)
def test_post_is_retried_only_when_nothing_was_sent(cls, expected):
    assert P.may_retry_post(error=err(cls)) is expected


# ------------------------------------------------------------------ waits


def test_backoff_grows_exponentially_and_is_capped():
    waits = [P.retry_delay(a, None, rng=lambda: 0.0) for a in range(8)]
    assert waits[:5] == [0.5, 1.0, 2.0, 4.0, 8.0]
    assert waits[5:] == [P.MAX_RETRY_DELAY] * 3


def test_backoff_jitter_only_shortens_by_at_most_a_quarter():
    assert P.retry_delay(2, None, rng=lambda: 1.0) == pytest.approx(2.0 * 0.75)
    assert P.retry_delay(2, None, rng=lambda: 0.5) == pytest.approx(2.0 * 0.875)


def test_retry_after_seconds_is_honoured_never_shortened():
    headers = httpx.Headers({"Retry-After": "3"})
    assert P.retry_delay(0, headers, rng=lambda: 0.0) == 3.0
    assert P.retry_delay(0, headers, rng=lambda: 1.0) == pytest.approx(3.0 * (1 + P.RETRY_AFTER_SPREAD))


def test_retry_after_ms_wins_over_seconds():
    headers = httpx.Headers({"Retry-After": "3", "retry-after-ms": "250"})
    assert P.retry_delay(0, headers, rng=lambda: 0.0) == 0.25


def test_retry_after_http_date():
    headers = httpx.Headers({"Retry-After": "Wed, 21 Oct 2015 07:28:10 GMT"})
    now = 1445412480.0  # 07:28:00 that day
    assert P.parse_retry_after(headers, now=now) == pytest.approx(10.0)


def test_retry_after_garbage_falls_back_to_backoff():
    headers = httpx.Headers({"Retry-After": "soon"})
    assert P.retry_delay(1, headers, rng=lambda: 0.0) == 1.0


def test_retry_after_beyond_the_cap_means_give_up():
    headers = httpx.Headers({"Retry-After": str(int(P.MAX_RETRY_AFTER) + 1)})
    assert P.retry_delay(0, headers, rng=lambda: 0.0) is None


@pytest.mark.parametrize("value", ["-5", "nan", "NaN", "-inf", "soon", "", "1" * 100, "Wed, 99 Foo 2015"])
def test_negative_or_junk_retry_after_means_the_normal_backoff(value):
    # issue 10 #10: "-5" meant no wait at all (5 retries in 0.3 s)
    for header in ("Retry-After", "retry-after-ms"):
        headers = httpx.Headers({header: value})
        assert P.retry_delay(1, headers, rng=lambda: 0.0, now=1445412480.0) == 1.0, (header, value)


@pytest.mark.parametrize("value", ["inf", "1e400", "99999999999999999999", "Wed, 21 Oct 2099 07:28:10 GMT"])
def test_an_endless_retry_after_means_give_up(value):
    assert P.retry_delay(0, httpx.Headers({"Retry-After": value}), rng=lambda: 0.0, now=1445412480.0) is None


@pytest.mark.parametrize("value", ["0", "0.0", "Wed, 21 Oct 2015 07:00:00 GMT"])
def test_a_zero_or_past_retry_after_still_waits_a_little(value):
    delay = P.retry_delay(0, httpx.Headers({"Retry-After": value}), rng=lambda: 0.0, now=1445412480.0)
    assert delay == P.MIN_RETRY_AFTER


# ------------------------------------------------------------------ what a failed POST means


@pytest.mark.parametrize("status", [500, 502, 504, 200, 201, 303])
def test_a_post_answered_after_the_body_was_sent_may_have_created_a_run(status):
    assert P.post_meaning(status=status) == P.MAYBE_CREATED


@pytest.mark.parametrize("status", [400, 401, 403, 404, 408, 422, 429, 503, 301, 307, 308])
def test_a_post_refused_before_processing_created_none(status):
    assert P.post_meaning(status=status) == P.NOT_CREATED


def test_post_meaning_of_transport_errors():
    assert P.post_meaning(error=err(httpx.ConnectError)) == P.NOT_CREATED
    for cls in (httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
        assert P.post_meaning(error=err(cls)) == P.MAYBE_CREATED


def test_submission_names_what_watch_and_batch_may_send_again():
    from maestro_spec.runtime.outcome import submission

    base = dict(request={"input": "x"})
    assert submission(RunOutcome(**base, run_id="r1")) == P.CREATED
    assert submission(RunOutcome(**base, error=E.MaybeSubmitted("u", "HTTP 502", answered=True))) == P.MAYBE_CREATED
    assert submission(RunOutcome(**base, error=E.UnreadableRun("r2", "u", "no status"))) == P.MAYBE_CREATED
    assert submission(RunOutcome(**base, error=E.Interrupted(None))) == P.MAYBE_CREATED
    assert submission(RunOutcome(**base, error=E.RequestRejected(422, "bad"))) == P.NOT_CREATED
    assert submission(RunOutcome(**base, error=E.Unreachable("u", "connection refused"))) == P.NOT_CREATED


# ------------------------------------------------------------------ poll schedule


def _schedule(run_seconds: float, interval=None, expected=None) -> tuple[int, float]:
    """GETs needed and how late the end is noticed, simulating the loop in poll._follow."""
    t, gets = 0.0, 0
    while True:
        t += P.poll_schedule(t, interval, expected)
        gets += 1
        if t >= run_seconds:
            return gets, t - run_seconds


def _sdk(run_seconds: float, overhead: float = 0.0) -> tuple[int, float]:
    """The SDK's create_and_poll: a GET right after the POST, then one 1 s after each answer."""
    t, gets = 0.0, 1
    while t < run_seconds:
        t += 1.0 + overhead
        gets += 1
    return gets, t - run_seconds


# Run lengths off the whole second too: a fixed 1 s grid lines up with whole seconds.
_LENGTHS = [x / 20 for x in range(1, 20 * 40)]


def test_poll_delay_bounds_and_growth():
    assert P.poll_delay(0) == P.POLL_STEADY_DELAY
    assert P.poll_delay(4.99) == P.POLL_STEADY_DELAY
    assert P.poll_delay(10.0) == pytest.approx(2.0)
    assert P.poll_delay(10_000) == P.POLL_MAX_DELAY
    delays = [P.poll_delay(t / 10) for t in range(0, 1000)]
    assert delays == sorted(delays), "the wait never shrinks as a run ages"


def test_short_runs_are_noticed_as_soon_as_the_sdk_does():
    # Up to 5 s, never later than the SDK's fixed grid, at any run length, with one GET fewer
    # (the SDK's GET right after the POST), even when its answers take no time at all.
    for seconds in (x for x in _LENGTHS if x <= P.POLL_GROWTH_FROM):
        gets, late = _schedule(seconds)
        sdk_gets, sdk_late = _sdk(seconds)
        assert late <= sdk_late + 1e-9, seconds
        assert gets == sdk_gets - 1, seconds
    assert _schedule(0.5) == (1, 0.5)


def test_runs_of_ten_seconds_and_more_cost_fewer_gets_than_the_sdk():
    for seconds in (x for x in _LENGTHS if x >= 10):
        gets, late = _schedule(seconds)
        assert gets < _sdk(seconds)[0], seconds
        assert late <= min(P.POLL_GROWTH * seconds, P.POLL_MAX_DELAY) + 1e-9, seconds
    assert _schedule(10)[0] == 9 and _schedule(30)[0] <= 15 and _schedule(120)[0] <= 34


def test_lateness_is_bounded_at_every_length():
    for seconds in _LENGTHS:
        _, late = _schedule(seconds)
        bound = P.POLL_STEADY_DELAY if seconds <= P.POLL_GROWTH_FROM else min(P.POLL_GROWTH * seconds, P.POLL_MAX_DELAY)
        assert late <= bound + 1e-9, seconds


def test_with_an_accurate_expectation_fewer_gets_and_no_later_than_the_sdk():
    for seconds in _LENGTHS:
        for error in (0.0, 0.01, 0.2):  # the estimate is a noticed end: never before the true one
            gets, late = _schedule(seconds, expected=seconds + error)
            sdk_gets, sdk_late = _sdk(seconds)
            assert gets <= sdk_gets, (seconds, error)
            assert late <= P.POLL_MIN_DELAY + 1e-9, (seconds, error)
    # Two GETs around the end, one per quarter of the run before it.
    assert _schedule(30, expected=30)[0] == 5
    assert _schedule(2, expected=2)[0] == 2


def test_a_run_longer_than_expected_falls_back_to_the_plain_bounds():
    for seconds in (3.0, 12.0, 60.0):
        gets, late = _schedule(seconds, expected=seconds / 3)
        assert late <= max(P.POLL_MIN_DELAY, P.poll_delay(seconds)) + 1e-9, seconds
        assert gets <= _schedule(seconds)[0] + 4, seconds


def test_a_run_shorter_than_expected_is_noticed_at_the_next_check():
    gets, late = _schedule(5.0, expected=30.0)
    assert late <= max(P.HISTORY_CHECK_MIN, P.HISTORY_CHECK_FRACTION * 30.0) + 1e-9
    assert gets == 1


def test_expected_delays_are_positive_and_land_on_the_dense_window():
    for expected in (0.1, 0.5, 2.0, 30.0, 600.0):
        ages = [0.0]
        while ages[-1] < expected + 10:
            wait = P.poll_delay_expected(ages[-1], expected)
            assert wait >= min(P.POLL_MIN_DELAY, expected) - 1e-9 or ages[-1] + wait == pytest.approx(max(0.0, expected - P.HISTORY_LEAD))
            assert wait > 0
            ages.append(ages[-1] + wait)
        assert any(a == pytest.approx(max(0.0, expected - P.HISTORY_LEAD)) for a in ages[1:]) or expected <= P.HISTORY_LEAD


def test_fixed_interval_overrides_the_schedule():
    assert P.poll_schedule(100.0, 0.05) == 0.05
    assert P.poll_schedule(100.0, 0.05, expected=100.0) == 0.05
    assert math.isclose(P.poll_schedule(100.0, None), P.POLL_MAX_DELAY)
    assert P.poll_schedule(0.0, None, expected=10.0) == P.poll_delay_expected(0.0, 10.0)
    assert P.poll_schedule(0.0, None, expected=0.0) == P.poll_delay(0.0)


# ------------------------------------------------------------------ exit codes


def _outcome(run: dict | None, *, error=None, min_score=None, request=None) -> RunOutcome:
    return RunOutcome(
        request=request or {"input": "x"},
        run=Run.model_validate(run) if run else None,
        error=error,
        min_score=min_score,
    )


def _rr(score, *reqs):
    return {"score": score, "finish_reason": "x", "requirements": [{"name": n, "is_mandatory": m, "score": s} for n, m, s in reqs]}


def test_judge_completed_is_zero():
    assert judge(_outcome({"id": "r", "status": "completed", "result": "ok"})) == (EXIT_OK, None)


def test_judge_failed_and_requires_action_are_three():
    code, why = judge(_outcome({"id": "r", "status": "failed", "error": {"message": "out of budget"}}))
    assert code == EXIT_RUN_FAILED and "out of budget" in why
    assert judge(_outcome({"id": "r", "status": "requires_action"}))[0] == EXIT_RUN_FAILED


def test_judge_mandatory_unmet_is_four():
    run = {"id": "r", "status": "completed", "requirements_result": _rr(0.0, ("a", True, 0.5), ("b", False, 1.0))}
    code, why = judge(_outcome(run))
    assert code == EXIT_REQUIREMENTS_UNMET and "'a'" in why


def test_judge_optional_unmet_is_fine_unless_min_score():
    run = {"id": "r", "status": "completed", "requirements_result": _rr(0.75, ("a", True, 1.0), ("b", False, 0.5))}
    assert judge(_outcome(run))[0] == EXIT_OK
    assert judge(_outcome(run, min_score=0.7))[0] == EXIT_OK
    code, why = judge(_outcome(run, min_score=0.8))
    assert code == EXIT_REQUIREMENTS_UNMET and "below --min-score 0.8" in why


def test_judge_errors_carry_their_own_code():
    assert judge(_outcome(None, error=E.Unreachable("https://x", "connection refused")))[0] == EXIT_RUN_FAILED
    assert judge(_outcome(None, error=E.MissingKey()))[0] == 2
    assert judge(_outcome(None, error=E.RequestRejected(422, "input: missing")))[0] == 1
    assert judge(_outcome(None, error=E.Interrupted("r")))[0] == 130


# ------------------------------------------------------------------ URLs, keys, messages


@pytest.mark.parametrize("host", ["127.0.0.1", "127.5.5.5", "localhost", "::1", "[::1]", "LOCALHOST"])
def test_loopback_hosts(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["example.com", "10.0.0.1", "192.168.1.2", "localhost.example.com", "0.0.0.0"])
def test_not_loopback_hosts(host):
    assert not is_loopback(host)


def test_plain_http_only_to_loopback():
    assert usable_base_url("http://127.0.0.1:8021/studio/v1/") == "http://127.0.0.1:8021/studio/v1"
    assert usable_base_url("https://api.ai21.com/studio/v1") == "https://api.ai21.com/studio/v1"
    with pytest.raises(E.InsecureURL) as info:
        usable_base_url("http://api.example.com/studio/v1")
    assert "api.example.com" in str(info.value) and "https://" in str(info.value)
    assert info.value.exit_code == 2


@pytest.mark.parametrize("url", ["ftp://x/y", "api.ai21.com", "https://user:pw@api.ai21.com/studio/v1"])
def test_a_base_url_without_an_http_scheme_or_with_a_password_is_refused(url):
    with pytest.raises(E.BadURL):
        usable_base_url(url)


def test_settings_repr_hides_the_key():
    settings = RunSettings(base_url="https://x", api_key="sk-very-secret")
    assert "sk-very-secret" not in repr(settings)


def test_redact_every_secret():
    # Secrets of at least sanitize.MIN_SECRET_CHARS (shorter ones are not scrubbed: they would eat words).
    failure = E.HTTPFailure(400, "bad key sk-secret-1 and sk-secret-2", hint="sk-secret-1 again").redacted("sk-secret-1", "sk-secret-2", None)
    assert "sk-" not in str(failure) and "sk-" not in failure.hint


def test_a_nan_score_never_passes_min_score():
    # issue 10 #7: NaN compares False with everything, so `score < min` let it through
    run = Run.model_validate({"id": "r", "status": "completed", "requirements_result": {"score": float("nan"), "requirements": []}})
    assert run.requirements_result.score is None
    code, why = judge(RunOutcome(request={}, run=run, min_score=0.5))
    assert code == EXIT_REQUIREMENTS_UNMET and "not a number" in why
    item = {"name": "n", "is_mandatory": True, "score": float("inf")}
    run = Run.model_validate({"id": "r", "status": "completed", "requirements_result": {"score": 1.0, "requirements": [item]}})
    assert judge(RunOutcome(request={}, run=run))[0] == EXIT_REQUIREMENTS_UNMET


def test_error_detail_reads_validation_lists():
    response = httpx.Response(422, json={"detail": [{"path": "requirements[0].name", "code": "E201", "message": "required"}]})
    assert error_detail(response.content) == "requirements[0].name: required"
    assert error_detail(httpx.Response(500, text="  oops\n  bad  ").content) == "oops bad"


def test_transport_reasons_are_short():
    assert transport_reason(err(httpx.ConnectError, "[Errno 111] Connection refused")) == "connection refused"
    assert transport_reason(err(httpx.ConnectError, "[Errno -2] Name or service not known")) == "host not found"
    assert transport_reason(err(httpx.RemoteProtocolError, "Server disconnected")) == "the server closed the connection without an answer"
