"""A run's problems reach the user once, in one line with its hint: batch
timeouts and failures, records that cannot be saved, a local server that
cannot start, a missing key, an empty run id, and the --json/-o file of a run
that never started. Against the real local server on 127.0.0.1."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from maestro_spec.compiler import limits as L
from maestro_spec.runtime import errors as E
from maestro_spec.runtime.console import make_console, print_error
from maestro_spec.runtime.store import RunStore, StoreError
from maestro_spec.runtime.target import key_for

from .runtime_support import FAST, SPEC_OK, closed_port, invoke, records, server, write_spec


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("MAESTRO_HOME", str(home))
    return home


def _specs(directory: Path, n: int) -> list[str]:
    # Long paths, so that an error line with a run id and a hint is well past 160 columns.
    deep = directory / ("a-rather-long-directory-name-for-specs-" * 2)
    deep.mkdir()
    return [write_spec(deep, f"spec-number-{i}.maestro", SPEC_OK.replace("invoice", f"invoice {i}")) for i in range(n)]


# ------------------------------------------------------------------ several specs: problems once, with hints


def test_batch_timeout_names_each_run_once_with_its_attach_hint_unfolded(tmp_path, home):
    specs = _specs(tmp_path, 2)
    with server(run_seconds=5) as s:
        # COLUMNS unset: piped stderr is 160 columns wide, and these lines are longer.
        result = invoke(["run", *specs, "--base-url", s.base_url, "--timeout", "0.3", *FAST], env={"COLUMNS": None})
    assert result.exit_code == 3
    ids = {r["spec"]: r["run_id"] for r in records(home)}
    lines = result.stderr.splitlines()
    for spec in specs:
        run_id = ids[spec]
        errors = [line for line in lines if "is still in progress" in line and spec in line]
        assert errors == [f"error: {spec}: run {run_id} is still in progress after 0.3 s"], result.stderr
        hint = lines[lines.index(errors[0]) + 1]
        assert hint.startswith("  hint: ") and hint.endswith(f"maestro runs attach {run_id}")
        assert len(errors[0]) > 160
    progress = [line for line in lines if line.startswith("[")]
    assert len(progress) == 2 and all("still in progress" not in line and line.endswith("exit 3") for line in progress)


def test_batch_reports_a_record_that_could_not_be_saved(tmp_path, home, monkeypatch):
    real_save = RunStore.save

    def save(self, record):  # the disk fails once the run has an id
        if record.run_id:
            raise StoreError(self.runs_dir, "No space left on device")
        real_save(self, record)

    monkeypatch.setattr(RunStore, "save", save)
    specs = _specs(tmp_path, 2)
    with server(run_seconds=0.1) as s:
        result = invoke(["run", *specs, "--base-url", s.base_url, *FAST])
    assert result.exit_code == 0  # the runs themselves went fine
    for spec in specs:
        warned = [line for line in result.stderr.splitlines() if line.startswith(f"error: {spec}: cannot write run records")]
        assert len(warned) == 1, result.stderr


def test_batch_failed_run_reason_is_printed_once(tmp_path):
    specs = _specs(tmp_path, 2)
    with server(run_seconds=0.1, fail_rate=1.0) as s:
        result = invoke(["run", *specs, "--base-url", s.base_url, *FAST])
    assert result.exit_code == 3
    for spec in specs:
        mentions = [line for line in result.stderr.splitlines() if "failed:" in line and spec in line]
        assert len(mentions) == 1 and mentions[0].startswith(f"error: {spec}: run "), result.stderr


def test_piped_error_lines_are_not_folded():
    buffer = io.StringIO()
    console = make_console(file=buffer)
    assert not console.is_terminal and console.width == 160
    line = "run " + "0123456789abcdef" * 8 + " is still in progress after 1 s " + "x" * 60
    print_error(console, line, "pick it up with: maestro runs attach " + "f" * 150)
    out = buffer.getvalue().splitlines()
    assert out == [f"error: {line}", "  hint: pick it up with: maestro runs attach " + "f" * 150]


# ------------------------------------------------------------------ the local server, the key, fail


def _refuse_to_start(monkeypatch):
    from maestro_spec.server.embedded import LocalServer, ServerStartError

    def start(self):
        raise ServerStartError("the local server on port 4242 failed to start; it stopped: OSError('boom')")

    monkeypatch.setattr(LocalServer, "start", start)


def test_run_local_reports_a_server_that_cannot_start_in_one_line(tmp_path, monkeypatch):
    _refuse_to_start(monkeypatch)
    result = invoke(["run", write_spec(tmp_path, "a.maestro"), "--local"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: the local server on port 4242 failed to start; it stopped: OSError('boom')"


def test_watch_local_reports_a_server_that_cannot_start_in_one_line(tmp_path, monkeypatch):
    _refuse_to_start(monkeypatch)
    result = invoke(["watch", write_spec(tmp_path, "a.maestro"), "--local"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: the local server on port 4242 failed to start; it stopped: OSError('boom')"


def test_key_rules(monkeypatch):
    monkeypatch.delenv("AI21_API_KEY", raising=False)
    cloud = "https://api.ai21.com/studio/v1"
    with pytest.raises(E.MissingKey, match="or add --local"):
        key_for(cloud, url_given=False)
    with pytest.raises(E.MissingKey) as resumed:
        key_for(cloud, url_given=False, offer_local=False)
    assert str(resumed.value) == f"no API key: set AI21_API_KEY to reach {cloud}"
    assert key_for(cloud, url_given=True) is None  # the server named by --base-url decides
    assert key_for("http://[::1]:8021/studio/v1", url_given=False) is None
    assert key_for(cloud, url_given=False, api_key="sk-given") == "sk-given"
    monkeypatch.setenv("AI21_API_KEY", "sk-x")
    assert key_for(cloud, url_given=False) == "sk-x"
    assert key_for(cloud, url_given=False, api_key="sk-given") == "sk-given"  # the caller's key wins
    monkeypatch.setenv("AI21_API_KEY", "")
    with pytest.raises(E.MissingKey):
        key_for(cloud, url_given=False)  # an empty key is no key


def test_attach_without_a_key_to_a_cloud_run_exits_2(home):
    store = RunStore(home)
    record = store.new({"input": "hi"}, spec="a.maestro", target="https://api.ai21.com/studio/v1", base_url="https://api.ai21.com/studio/v1")
    record.run_id, record.status = "run-cloud-1", L.IN_PROGRESS
    store.save(record)
    result = invoke(["runs", "attach", "run-cloud-1"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: no API key: set AI21_API_KEY to reach https://api.ai21.com/studio/v1"


def test_runs_show_refuses_an_empty_id(fast_records):
    for ident in ("", "   "):
        result = invoke(["runs", "show", ident])
        assert result.exit_code == 2
        assert len(result.stderr.strip().splitlines()) == 1 and "empty ID" in result.stderr


@pytest.fixture
def fast_records(home):
    store = RunStore(home)
    for n in range(2):
        record = store.new({"input": f"hi {n}"}, spec=None, target="t", base_url="b")
        record.run_id = f"run-{n}"
        store.save(record)
    return store


# ------------------------------------------------------------------ --json and -o


def test_json_output_file_of_a_run_that_never_started_holds_its_error(tmp_path, home):
    url = f"http://127.0.0.1:{closed_port()}/studio/v1"
    out = tmp_path / "run.json"
    result = invoke(["run", write_spec(tmp_path, "a.maestro"), "--base-url", url, "--max-retries", "0", "--json", "-o", str(out)])
    assert result.exit_code == 3
    data = json.loads(out.read_text())
    assert data["status"] == "error" and data["exit_code"] == 3 and data["run"] is None
    assert data["error"].startswith(f"could not reach {url}")
    assert json.loads(result.stdout) == data  # -o holds what --json prints
