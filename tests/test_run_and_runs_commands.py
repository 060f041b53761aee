"""`maestro run` and `maestro runs` end to end, against the real local server on 127.0.0.1."""

from __future__ import annotations

import json

import pytest

from maestro_spec.server.config import ServerConfig
from maestro_spec.server.faults import FaultPlan

from .conftest import EXAMPLES
from .runtime_support import FAST, SPEC_OK, SPEC_PLAIN, closed_port, invoke, records, runs_created, server, write_spec

EXAMPLE_SPECS = sorted(EXAMPLES.glob("*.maestro"))
EXAMPLE_VARS = ["--var-file", str(EXAMPLES / "data" / "ticket.json"), "--var", f"document=@{EXAMPLES / 'data' / 'lease.txt'}"]


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("MAESTRO_HOME", str(home))
    return home


@pytest.fixture(scope="module")
def fast():
    with server(run_seconds=0.2) as s:
        yield s


def run(s, *args, env=None):
    return invoke(["run", *args, "--base-url", s.base_url, *FAST], env)


# ------------------------------------------------------------------ the happy path


@pytest.mark.parametrize("spec", EXAMPLE_SPECS, ids=[p.stem for p in EXAMPLE_SPECS])
def test_each_example_runs_to_completion(fast, home, spec):
    # The tool examples read their credentials from the environment.
    result = run(fast, str(spec), *EXAMPLE_VARS, env={"GITHUB_TOKEN": "t-github", "WEATHER_API_KEY": "t-weather"})
    assert result.exit_code == 0, result.stderr
    if "output_type" not in spec.read_text():  # a structured result is JSON, with no marker
        assert "[local simulation]" in result.stdout
    assert " · completed · " in result.stdout
    [record] = records(home)
    assert record["status"] == "completed" and record["spec"] == str(spec)
    assert record["response"]["status"] == "completed"
    if "include requirements_result" in spec.read_text():
        assert "requirements" in result.stdout and "overall score" in result.stdout
    text = spec.read_text()
    if "include data_sources" in text and ("tool web_search" in text or "tool file_search" in text):
        assert "data sources" in result.stdout
    if "include data_sources" in text and ("tool http" in text or "tool mcp" in text):
        assert "tool calls" in result.stdout


def test_local_flag_uses_an_embedded_server(tmp_path, home):
    result = invoke(["run", write_spec(tmp_path, "a.maestro", SPEC_PLAIN), "--local", *FAST])
    assert result.exit_code == 0, result.stderr
    assert "local simulation" in result.stdout
    [record] = records(home)
    assert record["target"] == "local"


def test_rendering_shows_requirements_table_and_footer(fast, tmp_path):
    result = run(fast, write_spec(tmp_path, "a.maestro"))
    out = result.stdout
    assert result.exit_code == 0
    header = next(line for line in out.splitlines() if line.startswith("requirement "))
    assert header.split() == ["requirement", "mandatory", "score", "reason"]
    vendor = next(line for line in out.splitlines() if line.startswith("vendor"))
    assert "yes" in vendor and "1.00" in vendor
    assert "overall score 1.00" in out
    assert not any(line != line.rstrip() for line in out.splitlines()), "piped output has trailing blanks"
    assert "\x1b[" not in out + result.stderr, "no colour when piped"


def test_json_prints_the_run_and_nothing_else(fast, tmp_path):
    result = run(fast, write_spec(tmp_path, "a.maestro"), "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["status"] == "completed" and data["id"]
    assert data["requirements_result"]["requirements"][0]["name"] == "vendor"


def test_output_file_gets_the_json(fast, tmp_path):
    out = tmp_path / "run.json"
    result = run(fast, write_spec(tmp_path, "a.maestro"), "-o", str(out))
    assert result.exit_code == 0
    assert json.loads(out.read_text())["status"] == "completed"
    assert "overall score" in result.stdout


# ------------------------------------------------------------------ terminal statuses and exit codes


def test_failed_run_exits_3(tmp_path, home):
    with server(run_seconds=0.1, fail_rate=1.0) as s:
        result = run(s, write_spec(tmp_path, "a.maestro"))
    assert result.exit_code == 3
    assert "failed:" in result.stderr and "simulated" in result.stderr
    assert " · failed · " in result.stdout
    assert records(home)[0]["status"] == "failed"


def test_requires_action_exits_3(tmp_path, home):
    with server(run_seconds=0.1, requires_action_rate=1.0) as s:
        result = run(s, write_spec(tmp_path, "a.maestro"))
    assert result.exit_code == 3
    assert "requires_action" in result.stderr
    assert records(home)[0]["status"] == "requires_action"


def test_mandatory_requirement_unmet_exits_4(tmp_path):
    with server(run_seconds=0.1, unmet_rate=1.0) as s:
        result = run(s, write_spec(tmp_path, "a.maestro"))
    assert result.exit_code == 4
    assert "mandatory requirement not met: 'vendor'" in result.stderr
    assert "1 mandatory unmet" in result.stdout


def test_a_score_below_min_score_exits_4(tmp_path):
    optional_only = SPEC_OK.replace(" mandatory", "")
    spec = write_spec(tmp_path, "a.maestro", optional_only)
    with server(run_seconds=0.1, unmet_rate=1.0) as s:
        assert run(s, spec).exit_code == 0  # nothing mandatory, no threshold
        result = run(s, spec, "--min-score", "0.99")
    assert result.exit_code == 4
    assert "below --min-score 0.99" in result.stderr


def test_min_score_needs_requirements_result_before_any_call(tmp_path):
    spec = write_spec(tmp_path, "a.maestro", SPEC_PLAIN)
    result = invoke(["run", spec, "--base-url", f"http://127.0.0.1:{closed_port()}/studio/v1", "--min-score", "0.5"])
    assert result.exit_code == 2
    assert "include requirements_result" in result.stderr


def test_spec_errors_exit_1_before_any_network_call(tmp_path, home):
    good = write_spec(tmp_path, "good.maestro")
    bad = write_spec(tmp_path, "bad.maestro", 'input "x"\nbudget hihg\n')
    result = invoke(["run", good, bad, "--base-url", f"http://127.0.0.1:{closed_port()}/studio/v1"])
    assert result.exit_code == 1
    assert "bad.maestro:2" in result.stderr and "not run" in result.stderr
    assert not (home / "runs").exists(), "nothing is recorded or sent when a spec has errors"


def test_server_rejection_exits_1_with_its_reasons(fast, tmp_path):
    # The command never sends a body the compiler rejects, so send one through the API.
    import asyncio

    from maestro_spec.runtime import RunSettings, execute

    outcome = asyncio.run(execute({"input": ""}, settings=RunSettings(base_url=fast.base_url, record=False)))
    assert outcome.exit_code == 1
    assert str(outcome.error).startswith("422: the server rejected the request: input")


def test_no_key_exits_2_and_suggests_local(tmp_path):
    result = invoke(["run", write_spec(tmp_path, "a.maestro")])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines == ["error: no API key: set AI21_API_KEY, or add --local to run against the built-in local server"]


def test_plain_http_to_another_host_is_refused(tmp_path):
    result = invoke(["run", write_spec(tmp_path, "a.maestro"), "--base-url", "http://api.example.com/studio/v1"], {"AI21_API_KEY": "sk-x"})
    assert result.exit_code == 2
    assert "refusing plain http to api.example.com" in result.stderr and "https://" in result.stderr


def test_ai21_api_host_is_checked_like_base_url(tmp_path):
    env = {"AI21_API_KEY": "sk-x", "AI21_API_HOST": "http://10.1.2.3/studio/v1"}
    result = invoke(["run", write_spec(tmp_path, "a.maestro")], env)
    assert result.exit_code == 2 and "refusing plain http to 10.1.2.3" in result.stderr


def test_ai21_api_host_is_used(fast, tmp_path):
    result = invoke(["run", write_spec(tmp_path, "a.maestro"), *FAST], {"AI21_API_HOST": fast.base_url})
    assert result.exit_code == 0, result.stderr


def test_local_and_base_url_conflict(tmp_path):
    result = invoke(["run", write_spec(tmp_path, "a.maestro"), "--local", "--base-url", "http://127.0.0.1:1/studio/v1"])
    assert result.exit_code == 2 and "pick one" in result.stderr


def test_missing_file_exits_2(tmp_path):
    result = invoke(["run", str(tmp_path / "nope.maestro"), "--local"])
    assert result.exit_code == 2 and "no such file" in result.stderr


def test_bad_poll_interval_is_a_usage_error(tmp_path):
    result = invoke(["run", write_spec(tmp_path, "a.maestro"), "--local", "--poll-interval", "often"])
    assert result.exit_code == 2 and "neither 'auto' nor a number" in result.stderr


def test_unreachable_host_exits_3_in_one_line(tmp_path, home):
    url = f"http://127.0.0.1:{closed_port()}/studio/v1"
    result = invoke(["run", write_spec(tmp_path, "a.maestro"), "--base-url", url, "--max-retries", "1"])
    assert result.exit_code == 3
    assert f"error: could not reach {url}: connection refused" in result.stderr
    assert "Traceback" not in result.stderr
    [record] = records(home)
    assert record["status"] == "error" and record["retries"] == 1


def test_wrong_key_exits_3(tmp_path):
    spec = write_spec(tmp_path, "a.maestro")
    with server(run_seconds=0.1, require_key="sk-right-key") as s:
        wrong = run(s, spec, env={"AI21_API_KEY": "sk-wrong-key"})
        none = run(s, spec)
        right = run(s, spec, env={"AI21_API_KEY": "sk-right-key"})
    assert wrong.exit_code == 3 and "error: 401: the API key was rejected" in wrong.stderr
    assert none.exit_code == 3 and "401: the server wants an API key" in none.stderr
    assert right.exit_code == 0, right.stderr


def test_timeout_exits_3_and_names_the_run(tmp_path, home):
    with server(run_seconds=5) as s:
        result = run(s, write_spec(tmp_path, "a.maestro"), "--timeout", "0.3")
    assert result.exit_code == 3
    run_id = records(home)[0]["run_id"]
    assert f"run {run_id} is still in progress after 0.3 s" in result.stderr
    assert f"maestro runs attach {run_id}" in result.stderr
    assert records(home)[0]["status"] == "in_progress"


# ------------------------------------------------------------------ many at once


def _seed_with_mixed_fates(n: int, fail_rate: float) -> int:
    for seed in range(200):
        plan = FaultPlan(ServerConfig(seed=seed, fail_rate=fail_rate))
        fates = [plan.next_run() for _ in range(n)]
        if 2 <= fates.count("failed") <= n - 2:
            return seed
    raise AssertionError("no seed")


def test_many_specs_with_a_mix_of_successes_and_failures(tmp_path, home):
    n = 6
    seed = _seed_with_mixed_fates(n, 0.5)
    plan = FaultPlan(ServerConfig(seed=seed, fail_rate=0.5))
    expected_failed = [plan.next_run() for _ in range(n)].count("failed")
    specs = [write_spec(tmp_path, f"s{i}.maestro", SPEC_OK.replace("invoice", f"invoice {i}")) for i in range(n)]
    with server(run_seconds=0.3, fail_rate=0.5, seed=seed) as s:
        result = run(s, *specs, "-j", "3")
        assert runs_created(s) == n
    assert result.exit_code == 3  # a failure outranks successes
    table = [line for line in result.stdout.splitlines() if line.startswith(str(tmp_path))]
    assert len(table) == n
    assert sum(" failed " in line for line in table) == expected_failed
    assert sum(" completed " in line for line in table) == n - expected_failed
    progress = [line for line in result.stderr.splitlines() if line.startswith("[")]
    assert len(progress) == n and progress[-1].startswith(f"[{n}/{n}]")
    assert sorted(r["status"] for r in records(home)) == sorted(["failed"] * expected_failed + ["completed"] * (n - expected_failed))


def test_batch_json_lists_every_spec(fast, tmp_path):
    specs = [write_spec(tmp_path, f"s{i}.maestro") for i in range(3)]
    result = run(fast, *specs, "--json", "-j", "2")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [d["spec"] for d in data] == specs
    assert all(d["status"] == "completed" and d["exit_code"] == 0 and d["run"]["id"] == d["run_id"] for d in data)


def test_bounded_concurrency(tmp_path):
    # 4 runs of 0.4 s with -j 2 take two rounds; with -j 4 one.
    import time

    specs = [write_spec(tmp_path, f"s{i}.maestro", SPEC_PLAIN.replace("hello", f"hello {i}")) for i in range(4)]
    with server(run_seconds=0.4) as s:
        t0 = time.monotonic()
        assert run(s, *specs, "-j", "2").exit_code == 0
        two = time.monotonic() - t0
        t0 = time.monotonic()
        assert run(s, *specs, "-j", "4").exit_code == 0
        four = time.monotonic() - t0
    assert two >= 0.8 and four < two


# ------------------------------------------------------------------ records and cache


def test_cache_reuses_only_when_asked(fast, tmp_path, home):
    spec = write_spec(tmp_path, "a.maestro")
    before = runs_created(fast)
    assert run(fast, spec).exit_code == 0
    assert run(fast, spec).exit_code == 0  # no --cache: runs again
    assert runs_created(fast) == before + 2
    cached = run(fast, spec, "--cache")
    assert cached.exit_code == 0
    assert runs_created(fast) == before + 2
    assert "cached:" in cached.stderr and "(--cache)" in cached.stderr
    assert "cached (record" in cached.stdout
    changed = write_spec(tmp_path, "b.maestro", SPEC_OK.replace("USD", "EUR"))
    assert run(fast, changed, "--cache").exit_code == 0
    assert runs_created(fast) == before + 3


def test_runs_list_and_show(fast, tmp_path, home):
    assert run(fast, write_spec(tmp_path, "a.maestro")).exit_code == 0
    run_id = records(home)[0]["run_id"]
    listed = invoke(["runs", "list"])
    assert listed.exit_code == 0 and run_id in listed.stdout and "completed" in listed.stdout
    as_json = [json.loads(line) for line in invoke(["runs", "list", "--json"]).stdout.splitlines()]
    assert as_json[0]["run_id"] == run_id and as_json[0]["score"] == 1.0
    shown = invoke(["runs", "show", run_id[:8]])
    assert shown.exit_code == 0 and "overall score 1.00" in shown.stdout
    record = json.loads(invoke(["runs", "show", run_id, "--json"]).stdout)
    assert record["request"]["requirements"][0]["name"] == "vendor"
    assert invoke(["runs", "show", "no-such-run"]).exit_code == 2


def test_runs_list_when_empty(home):
    result = invoke(["runs", "list"])
    assert result.exit_code == 0 and "no runs recorded yet" in result.stderr


def test_attach_after_timeout_picks_the_run_up(tmp_path, home):
    with server(run_seconds=0.8) as s:
        first = run(s, write_spec(tmp_path, "a.maestro"), "--timeout", "0.2")
        assert first.exit_code == 3
        run_id = records(home)[0]["run_id"]
        again = invoke(["runs", "attach", run_id, *FAST])
    assert again.exit_code == 0, again.stderr
    assert f"run {run_id} · completed" in again.stdout
    [record] = records(home)
    assert record["status"] == "completed" and record["error"] is None
    # Attaching to a finished run needs no server.
    shown = invoke(["runs", "attach", run_id])
    assert shown.exit_code == 0 and "already ended" in shown.stderr


def test_attach_refuses_a_local_run(tmp_path, home):
    result = invoke(["run", write_spec(tmp_path, "a.maestro"), "--local", "--timeout", "0.1"])
    assert result.exit_code == 3
    assert "local server" in result.stderr and "runs attach" not in result.stderr
    run_id = records(home)[0]["run_id"]
    attached = invoke(["runs", "attach", run_id])
    assert attached.exit_code == 2 and "has stopped" in attached.stderr


def test_record_is_written_before_output(fast, tmp_path, home, monkeypatch):
    """The final record exists by the time the first byte of the result is printed."""
    from maestro_spec.runtime import render

    seen = {}
    original = render.render_outcome

    def spy(outcome, console):
        seen["records"] = records(home)
        return original(outcome, console)

    monkeypatch.setattr(render, "render_outcome", spy)
    assert run(fast, write_spec(tmp_path, "a.maestro")).exit_code == 0
    assert seen["records"][0]["status"] == "completed"
    assert seen["records"][0]["response"]["requirements_result"]["score"] == 1.0


def test_help_documents_exit_codes():
    result = invoke(["run", "--help"])
    for line in ("0   success", "3   the run failed", "4   the run completed but a mandatory", "130 interrupted", "143 terminated", "MAESTRO_HOME"):
        assert line in result.stdout
