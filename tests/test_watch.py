"""Watch mode against real files, real watchfiles events and the real local server.

The loop runs in a thread and writes to a Screen; each test edits files the
way editors do and waits (bounded) for what the loop shows.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from maestro_spec.runtime.outcome import RunSettings
from maestro_spec.watch.loop import watch
from maestro_spec.watch.requestdiff import diff_requests, render_plan
from maestro_spec.server.config import ServerConfig
from maestro_spec.server.embedded import LocalServer

WAIT = 10.0  # seconds; every wait is bounded, and normally ends in milliseconds

SPEC = """\
# a spec under watch
input "Extract the vendor and the total from the invoice"

requirement "vendor" mandatory "Name the vendor exactly as printed."
requirement "total" "Give the total in USD."

include requirements_result
"""

SLOW_SPEC = SPEC + "budget high\n"  # 4 x run_seconds: long enough to edit during a run


class Screen:
    """A text stream written by the watch thread; tests wait on what it shows."""

    def __init__(self, tty: bool = False) -> None:
        self._parts: list[str] = []
        self._cond = threading.Condition()
        self._tty = tty

    def write(self, text: str) -> int:
        with self._cond:
            self._parts.append(text)
            self._cond.notify_all()
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return self._tty

    @property
    def text(self) -> str:
        with self._cond:
            return "".join(self._parts)

    def mark(self) -> int:
        return len(self.text)

    def wait_for(self, pattern: str, *, after: int = 0, timeout: float = WAIT) -> re.Match:
        regex = re.compile(pattern, re.M)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = regex.search("".join(self._parts), after)
                if found:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    pytest.fail(f"{pattern!r} not shown within {timeout} s; the screen after {after}:\n{''.join(self._parts)[after:]}")
                self._cond.wait(left)


class Watching:
    """The watch loop in a thread, for the length of a with-block."""

    def __init__(self, spec: Path, **options) -> None:
        self.screen = Screen(tty=options.pop("tty", False))
        self.stop = threading.Event()
        self.summary = None
        self.error: BaseException | None = None
        options.setdefault("interactive", self.screen.isatty())
        self.thread = threading.Thread(target=self._main, args=(os.path.relpath(spec), options), daemon=True)

    def _main(self, spec: str, options: dict) -> None:
        try:
            self.summary = watch(spec, out=self.screen, stop_event=self.stop, **options)
        except BaseException as e:  # surfaced by __exit__
            self.error = e

    def __enter__(self) -> "Watching":
        self.thread.start()
        self.screen.wait_for(r"(^|\x1b\[[0-9;]*[A-Za-z])watching ")
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(WAIT)
        assert not self.thread.is_alive(), "the watch loop did not stop"
        if self.error is not None and exc[0] is None:
            raise self.error

    def wait_for(self, pattern: str, **kw) -> re.Match:
        return self.screen.wait_for(pattern, **kw)

    def mark(self) -> int:
        return self.screen.mark()


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    """Paths as a user types them: relative to where watch was started."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="module")
def server():
    with LocalServer(ServerConfig(run_seconds=0.3)) as s:
        yield s


def server_runs(server) -> int:
    return httpx.get(server.root_url + "/health").json()["runs"]


@pytest.fixture
def settings(server, tmp_path):
    return RunSettings(base_url=server.base_url, local=True, store_root=tmp_path / "records")


def records(settings) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((settings.store_root / "runs").glob("*.json"))]


def save(path: Path, text: str) -> None:
    """An editor's atomic save: write a temp file beside it, then rename over it."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def test_diagnostics_update_after_an_edit(tmp_path):
    spec = tmp_path / "spec.maestro"
    spec.write_text(SPEC)
    with Watching(spec) as w:
        w.wait_for(r"ok: no problems")
        at = w.mark()
        spec.write_text(SPEC + "budget hihg\n")
        w.wait_for(r"rebuild 1 · spec.maestro changed", after=at)
        w.wait_for(r"error\[E240\]: unknown budget 'hihg'.*\n.*\n.*\^~~~\n  hint: did you mean 'high'\?", after=at)
        at = w.mark()
        spec.write_text(SPEC + "budget high\n")
        w.wait_for(r"rebuild 2 .*\nok: no problems", after=at)
    assert w.summary.rebuilds == 2
    assert "watch stopped: 2 rebuilds" in w.screen.text
    assert "submitted" not in w.screen.text  # no --run: diagnostics only


def test_half_typed_spec_shows_its_diagnostics(tmp_path):
    spec = tmp_path / "spec.maestro"
    spec.write_text(SPEC)
    with Watching(spec) as w:
        at = w.mark()
        spec.write_text('input "Extract the vendor\n')
        w.wait_for(r"error\[E002\]: unterminated string", after=at)
        at = w.mark()
        spec.write_text(SPEC)
        w.wait_for(r"ok: no problems", after=at)


def test_diagnostics_are_printed_as_check_prints_them(tmp_path):
    """The renderer cuts each finding's line out around its offset (splitting
    a 1 MB spec on every save cost 2 ms): watch's excerpts must be those of
    `maestro check`, on any line, in a CRLF file, in a long string, at the end."""
    from maestro_spec.compiler.report import render_text
    from maestro_spec.compiler.sources import compile_path

    spec = tmp_path / "spec.maestro"
    spec.write_text(SPEC)
    findings = (
        'budget hihg\r\ninput """\r\n  first\r\n  then {{nope}} and {{nope2}}\r\n  """\r\n'
        + "\r\n" * 40
        + 'requirement "a" "b"\r\nrequirement "a" "c"\r\nlanguage klingon'
    )
    with Watching(spec) as w:
        for text in (findings, 'budget high\n\ninput """\n  never closed', "budget high\nfoo"):
            at = w.mark()
            save(spec, text)
            w.wait_for(r"\d+ errors?, \d+ warnings? \(", after=at)
            source = compile_path("spec.maestro", None, require_values=False)
            expected = render_text("spec.maestro", source.compiled.diagnostics, source.text)
            assert expected.count("\n  ") >= 3  # excerpts, carets and hints
            assert expected in w.screen.text[at:]


def test_atomic_save_is_one_rebuild_and_editor_files_are_ignored(tmp_path):
    spec = tmp_path / "spec.maestro"
    spec.write_text(SPEC)
    with Watching(spec) as w:
        at = w.mark()
        (tmp_path / ".spec.maestro.swp").write_text("editor noise")  # not a watched file
        (tmp_path / "spec.maestro~").write_text(SPEC + "budget nope\n")
        save(spec, SPEC + "budget hihg\n")
        w.wait_for(r"error\[E240\]", after=at)
        at = w.mark()
        save(spec, SPEC)
        w.wait_for(r"rebuild 2 .*\nok: no problems", after=at)
    assert w.summary.rebuilds == 2
    assert "budget nope" not in w.screen.text


def test_a_touch_or_a_rewrite_of_the_same_bytes_rebuilds_nothing(tmp_path):
    spec = tmp_path / "spec.maestro"
    spec.write_text(SPEC)
    with Watching(spec) as w:
        os.utime(spec)
        spec.write_text(SPEC)
        save(spec, SPEC)
        time.sleep(0.1)  # fifty watcher steps: those events are handled before the next ones
        at = w.mark()
        spec.write_text(SPEC + "budget hihg\n")
        w.wait_for(r"rebuild 1 · spec.maestro changed", after=at)
    assert w.summary.rebuilds == 1
    assert w.summary.saves_ignored >= 1


def test_deleting_and_recreating_the_spec(tmp_path):
    spec = tmp_path / "spec.maestro"
    spec.write_text(SPEC)
    with Watching(spec) as w:
        at = w.mark()
        spec.unlink()
        w.wait_for(r"cannot read the spec: .*spec.maestro: no such file; waiting for it to change", after=at)
        at = w.mark()
        spec.write_text(SPEC + "budget hihg\n")
        w.wait_for(r"rebuild 2 .*\n.*error\[E240\]", after=at)
        at = w.mark()
        spec.unlink()
        save(spec, SPEC)  # re-created by a rename this time
        w.wait_for(r"ok: no problems", after=at)


def test_a_missing_spec_at_start_is_waited_for(tmp_path):
    spec = tmp_path / "later.maestro"
    with Watching(spec) as w:
        w.wait_for(r"no such file")
        at = w.mark()
        spec.write_text(SPEC)
        w.wait_for(r"ok: no problems", after=at)


def test_a_symlinked_spec_follows_edits_where_the_file_lives(tmp_path):
    elsewhere = tmp_path / "shared"
    elsewhere.mkdir()
    target = elsewhere / "invoice.maestro"
    target.write_text(SPEC)
    spec = tmp_path / "spec.maestro"
    spec.symlink_to(target)
    with Watching(spec) as w:
        at = w.mark()
        save(target, SPEC + "budget hihg\n")
        w.wait_for(r"rebuild 1 · spec.maestro changed ---\n.*error\[E240\]", after=at)


def test_var_file_changes_rebuild_and_change_the_request(tmp_path, server, settings):
    spec = tmp_path / "spec.maestro"
    spec.write_text('param tone\nparam doc\ninput "Summarise in a {{tone}} tone: {{doc}}"\n')
    values = tmp_path / "values"  # another directory than the spec's
    values.mkdir()
    var_file = values / "vars.json"
    var_file.write_text('{"tone": "friendly"}')
    doc = tmp_path / "doc.txt"
    doc.write_text("first draft\n")
    before = server_runs(server)
    options = dict(var_files=["values/vars.json"], var_args=["doc=@doc.txt"], run=True, settings=settings, settle=0.02)
    with Watching(spec, **options) as w:
        assert "watching spec.maestro (and values/vars.json, doc.txt)" in w.screen.text
        w.wait_for(r"result of rebuild 0")
        at = w.mark()
        save(var_file, '{"tone": "formal"}')
        w.wait_for(r"rebuild 1 · .*vars.json changed", after=at)
        w.wait_for(r'~ input: "Summarise in a friendly tone: first draft" -> "Summarise in a formal tone: first draft"', after=at)
        w.wait_for(r"result of rebuild 1", after=at)
        at = w.mark()
        doc.write_text("second draft\n")
        w.wait_for(r"rebuild 2 · .*doc.txt changed", after=at)
        w.wait_for(r"result of rebuild 2", after=at)
        at = w.mark()
        var_file.write_text("{not json")
        w.wait_for(r"error\[E107\]: --var-file .*vars.json: invalid JSON", after=at)
    assert server_runs(server) - before == 3
    assert w.summary.runs_submitted == 3


def test_comment_layout_and_reordering_edits_submit_nothing(tmp_path, server, settings):
    spec = tmp_path / "spec.maestro"
    spec.write_text(SPEC)
    before = server_runs(server)
    with Watching(spec, run=True, settings=settings, settle=0.02) as w:
        w.wait_for(r"result of rebuild 0 · run \S+")
        edits = [
            SPEC.replace("# a spec under watch", "# a spec under watch, now commented more"),
            SPEC.replace('requirement "total"', 'requirement   "total"') + "\n\n",
            # include moved above the requirements: the top level is order-free
            SPEC.replace("include requirements_result\n", "").replace("\nrequirement", "\ninclude requirements_result\nrequirement", 1),
        ]
        for n, text in enumerate(edits, 1):
            at = w.mark()
            save(spec, text)
            w.wait_for(rf"rebuild {n} .*\nok: no problems.*\nrequest unchanged since run \S+ \(rebuild 0\): nothing submitted", after=at)
    assert server_runs(server) - before == 1
    assert (w.summary.runs_submitted, w.summary.runs_unchanged) == (1, 3)
    assert len(records(settings)) == 1
    assert "watch stopped: 3 rebuilds, 1 run submitted, 3 skipped as unchanged" in w.screen.text


def test_a_semantic_edit_submits_exactly_one_run_with_its_plan(tmp_path, server, settings):
    spec = tmp_path / "spec.maestro"
    spec.write_text(SPEC)
    before = server_runs(server)
    with Watching(spec, run=True, settings=settings, settle=0.02) as w:
        w.wait_for(r"plan: first run of this session: input of \d+ chars, 2 requirements")
        first = w.wait_for(r"result of rebuild 0 · run (\S+)").group(1)
        at = w.mark()
        save(spec, SPEC.replace("in USD", "in EUR"))
        change = r'~ requirements\["total"\]\.description: "Give the total in USD\." -> "Give the total in EUR\."'
        w.wait_for(rf"plan: 1 change since run {first}\n  {change}", after=at)
        second = w.wait_for(r"result of rebuild 1 · run (\S+)\n", after=at).group(1)
    assert server_runs(server) - before == 2
    assert w.summary.runs_submitted == 2
    recorded = {r["run_id"]: r for r in records(settings)}
    assert recorded.keys() == {first, second}
    assert recorded[second]["status"] == "completed"
    assert recorded[second]["request"]["requirements"][1]["description"] == "Give the total in EUR."


def test_edits_during_a_run_abandon_it_and_show_only_the_newest_result(tmp_path, server, settings):
    spec = tmp_path / "spec.maestro"
    spec.write_text(SLOW_SPEC)
    before = server_runs(server)
    with Watching(spec, run=True, settings=settings, settle=0.02) as w:
        stale = [w.wait_for(r"run (\S+) submitted: in_progress").group(1)]
        for version in ("B", "C"):
            at = w.mark()
            save(spec, SLOW_SPEC.replace("the invoice", f"invoice version {version}"))
            w.wait_for(rf"run {stale[-1]} \(rebuild \d\) abandoned: the request changed", after=at)
            stale.append(w.wait_for(r"run (\S+) submitted: in_progress", after=at).group(1))
        newest = stale.pop()
        w.wait_for(rf"result of rebuild 2 · run {newest}\n(.*\n)*?> .*invoice version C", timeout=WAIT)
    text = w.screen.text
    assert text.count("result of rebuild") == 1
    assert "result of rebuild 0" not in text and "result of rebuild 1" not in text
    assert server_runs(server) - before == 3
    assert (w.summary.runs_submitted, w.summary.runs_abandoned) == (3, 2)
    # The stale runs are not lost: their ids stay in the run records.
    recorded = {r["run_id"]: r for r in records(settings)}
    for run_id in stale:
        assert "interrupted" in recorded[run_id]["error"]
    assert recorded[newest]["status"] == "completed"


def test_a_run_abandoned_while_its_post_is_out_still_gets_its_id_recorded(tmp_path):
    spec = tmp_path / "spec.maestro"
    spec.write_text(SPEC)
    with LocalServer(ServerConfig(run_seconds=0.3, latency=0.4)) as slow:  # every call takes 0.4 s
        settings = RunSettings(base_url=slow.base_url, local=True, store_root=tmp_path / "records")
        with Watching(spec, run=True, settings=settings, settle=0.02) as w:
            w.wait_for(r"submitting run 1 of this session")
            at = w.mark()
            save(spec, SPEC.replace("USD", "EUR"))  # while the first POST is still out
            w.wait_for(r"run #1 \(rebuild 0\) abandoned", after=at)
            newest = w.wait_for(r"result of rebuild 1 · run (\S+)", after=at).group(1)
    assert w.screen.text.count("result of rebuild") == 1
    by_id = {r["run_id"]: r for r in records(settings)}
    assert len(by_id) == 2 and None not in by_id  # both runs named by the server, none lost
    [stale] = set(by_id) - {newest}
    assert "interrupted" in by_id[stale]["error"]


def test_an_invalid_edit_during_a_run_keeps_it_but_never_shows_it_as_current(tmp_path, server, settings):
    spec = tmp_path / "spec.maestro"
    spec.write_text(SLOW_SPEC)
    with Watching(spec, run=True, settings=settings, settle=0.02) as w:
        run_id = w.wait_for(r"run (\S+) submitted: in_progress").group(1)
        at = w.mark()
        save(spec, SLOW_SPEC + "budget hihg\n")  # half-typed: no request to compare
        w.wait_for(r"error\[E101\]", after=at)
        w.wait_for(rf"result of rebuild 0 · run {run_id} \(earlier version: the spec has errors now\)", after=at)
        at = w.mark()
        save(spec, SLOW_SPEC)  # back to what that run was for
        w.wait_for(rf"request unchanged since run {run_id} \(rebuild 0\): nothing submitted", after=at)
    assert (w.summary.runs_submitted, w.summary.runs_abandoned) == (1, 0)


def test_the_spend_guard_stops_runs_but_not_diagnostics(tmp_path, server, settings):
    spec = tmp_path / "spec.maestro"
    spec.write_text(SPEC)
    before = server_runs(server)
    with Watching(spec, run=True, settings=settings, settle=0.02, max_runs=2) as w:
        w.wait_for(r"result of rebuild 0")
        at = w.mark()
        save(spec, SPEC.replace("USD", "EUR"))
        w.wait_for(r"that was run 2 of --max-runs 2: later changes are checked, not run", after=at)
        w.wait_for(r"result of rebuild 1", after=at)
        at = w.mark()
        save(spec, SPEC.replace("USD", "GBP"))
        w.wait_for(r"not submitted: --max-runs 2 runs spent this session", after=at)
        at = w.mark()
        save(spec, SPEC + "budget hihg\n")
        w.wait_for(r"error\[E240\]", after=at)
    assert server_runs(server) - before == 2
    assert (w.summary.runs_submitted, w.summary.runs_held) == (2, 1)
    assert "2 runs submitted, 0 skipped as unchanged, 1 held back by --max-runs" in w.screen.text


def test_a_burst_of_saves_within_the_settle_time_is_one_run(tmp_path, server, settings):
    spec = tmp_path / "spec.maestro"
    spec.write_text(SPEC + "budget hihg\n")  # invalid at start: nothing to run yet
    before = server_runs(server)
    with Watching(spec, run=True, settings=settings, settle=0.5) as w:
        at = w.mark()
        for n in range(5):  # an autosaving editor, one save per keystroke
            save(spec, SPEC.replace("USD", "EUR" + "!" * n))
            time.sleep(0.03)
        w.wait_for(r"result of rebuild \d · run \S+\n", after=at)
    assert server_runs(server) - before == 1
    assert w.summary.runs_submitted == 1
    [record] = records(settings)
    assert record["request"]["requirements"][1]["description"] == "Give the total in EUR!!!!."


def last_frame(screen: Screen) -> str:
    return screen.text.rsplit("\x1b[H", 1)[-1]


def test_terminal_view_redraws_in_place_and_drops_a_stale_result(tmp_path, settings, monkeypatch):
    monkeypatch.setenv("COLUMNS", "120")  # the window size the view reads (shutil)
    monkeypatch.setenv("LINES", "60")
    spec = tmp_path / "spec.maestro"
    spec.write_text(SPEC)
    with Watching(spec, tty=True, run=True, settings=settings, settle=0.4) as w:
        w.wait_for(r"result of rebuild 0")
        at = w.mark()
        save(spec, SPEC + "budget hihg\n")
        w.wait_for(r"error\[E240\]", after=at)
        assert "result of rebuild 0 · run " in last_frame(w.screen)
        assert "(earlier version: the spec has errors now)" in last_frame(w.screen)
        at = w.mark()
        save(spec, SPEC.replace("USD", "EUR"))
        w.wait_for(r"request changed: it is submitted once the saves settle", after=at)
        assert "result of rebuild 0" not in last_frame(w.screen)
        w.wait_for(r"result of rebuild 2 · run ", after=at)
        frame = last_frame(w.screen)
        assert '~ requirements["total"].description' in frame
        assert "result of rebuild 0" not in frame and "error[E240]" not in frame
    text = w.screen.text
    assert text.startswith("\x1b[2J")  # cleared once, at the start ...
    assert text.count("\x1b[2J") == 1  # ... then every frame overwrites the last
    assert "---" not in text  # no log separators


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 0), (signal.SIGTERM, 143)])
def test_cli_ctrl_c_or_sigterm_prints_a_summary(tmp_path, sig, code):
    spec = tmp_path / "spec.maestro"
    spec.write_text(SPEC)
    proc = subprocess.Popen(
        [sys.executable, "-m", "maestro_spec.cli", "watch", str(spec)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if line.startswith("watching ") or not line:
                break
        assert lines[-1].startswith("watching "), "".join(lines)
        proc.send_signal(sig)
        rest, _ = proc.communicate(timeout=WAIT)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, rest
    assert rest.strip().splitlines()[-1] == "watch stopped: 0 rebuilds"
    assert "Traceback" not in rest


def test_cli_refuses_runs_without_a_key(tmp_path):
    spec = tmp_path / "spec.maestro"
    spec.write_text(SPEC)
    env = {k: v for k, v in os.environ.items() if k not in ("AI21_API_KEY", "AI21_API_HOST")}
    done = subprocess.run(
        [sys.executable, "-m", "maestro_spec.cli", "watch", str(spec), "--run"], capture_output=True, text=True, env=env, timeout=WAIT
    )
    assert done.returncode == 2
    assert "no API key: set AI21_API_KEY, or add --local" in done.stderr


# ---------------------------------------------------------------- the plan


def test_plan_matches_requirements_by_name_and_elides_long_text():
    old = {
        "input": "Summarise the lease below for a tenant. " + "x" * 200 + " Keep every amount.",
        "requirements": [{"name": "length", "description": "At most 150 words."}, {"name": "facts", "description": "No invention."}],
        "include": ["requirements_result"],
    }
    new = {
        "input": old["input"].replace("a tenant", "a landlord"),
        "requirements": [
            {"name": "tone", "description": "Be plain."},
            {"name": "length", "description": "At most 100 words."},
            {"name": "facts", "description": "No invention."},
        ],
        "include": ["requirements_result", "data_sources"],
        "budget": "high",
    }
    assert render_plan(diff_requests(old, new)) == [
        '~ input: "…ase below for a tenant. xxxxxxxxxxxxxx…" -> "…ase below for a landlord. xxxxxxxxxxxxxx…"',
        '+ requirements["tone"]: {"description": "Be plain."}',
        '~ requirements["length"].description: "At most 150 words." -> "At most 100 words."',
        "+ include[data_sources]",
        '+ budget: "high"',
    ]
    swapped = dict(old, requirements=old["requirements"][::-1])
    assert render_plan(diff_requests(old, swapped)) == ['~ requirements order: ["length", "facts"] -> ["facts", "length"]']
    assert diff_requests(old, old) == []


def test_plan_of_a_megabyte_input_shows_only_the_part_that_changed():
    old = {"input": "Summarise: " + "abc " * 250_000 + "end."}
    at_the_end = {"input": old["input"].replace("end.", "the end.")}
    at_the_start = {"input": "Summarize: " + old["input"][len("Summarise: ") :]}
    assert render_plan(diff_requests(old, at_the_end)) == ['~ input: "…abc abc abc abc end." -> "…abc abc abc abc the end."']
    assert render_plan(diff_requests(old, at_the_start)) == ['~ input: "Summarise: abc abc abc a…" -> "Summarize: abc abc abc a…"']


# ---------------------------------------------------------------- layering


def _imports(path: Path) -> set[str]:
    """The modules a file imports, relative ones resolved against its package."""
    import ast

    package = ".".join(path.relative_to(Path(__file__).resolve().parent.parent).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(filter(None, [base, node.module]))
            found |= {module} | {f"{module}.{alias.name}" for alias in node.names}
    return found


def test_watch_sits_above_the_runtime_and_the_compiler():
    import maestro_spec

    root = Path(maestro_spec.__file__).parent
    for part in ("runtime", "compiler", "server", "lsp"):
        for path in (root / part).glob("*.py"):
            assert not any(m == "maestro_spec.watch" or m.startswith("maestro_spec.watch.") for m in _imports(path)), path
    # and the watch package imports nothing above it
    for path in (root / "watch").glob("*.py"):
        assert not any(m.startswith(("maestro_spec.commands", "maestro_spec.cli")) for m in _imports(path)), path
    assert "maestro_spec.runtime.poll.execute" in _imports(root / "watch" / "runner.py")  # the check reads real imports


# ---------------------------------------------------------------- the decisions, without a loop


def _job(request: dict, **state) -> "RunJob":
    from maestro_spec.watch.state import Build, RunJob

    return RunJob(Build(0, "spec.maestro", (), 0.0), request, **state)


def test_decisions_per_build():
    from maestro_spec.watch.decide import Decision, decision_for

    a, b = {"input": "a"}, {"input": "b"}
    settling, in_flight, ended = _job(a), _job(a, submitted=True), _job(a, submitted=True, outcome=object())
    # errors: a request still settling is dropped, a run in flight is kept
    assert decision_for(None, settling, None) == Decision(drop=settling)
    assert decision_for(None, in_flight, in_flight) == Decision()
    # the same request: nothing is sent, whether the run is in flight or ended
    assert decision_for(a, in_flight, in_flight) == Decision(unchanged=in_flight)
    assert decision_for(a, ended, ended) == Decision(unchanged=ended)
    # another request: the settling one is dropped, the one in flight abandoned
    assert decision_for(b, settling, None) == Decision(drop=settling, submit=True)
    assert decision_for(b, in_flight, in_flight) == Decision(abandon=in_flight, submit=True)
    # back to the last request submitted, while another was settling
    pending = _job(b)
    assert decision_for(a, pending, ended) == Decision(drop=pending, unchanged=ended)
    # a POST that certainly created no run may be sent again
    refused = _job(a, submitted=True, refused=True, outcome=object())
    assert decision_for(a, refused, None) == Decision(submit=True)


def test_a_result_says_when_it_is_not_for_the_spec_as_it_is_now():
    from maestro_spec.watch.state import Build
    from maestro_spec.watch.wording import result_heading

    job = _job({"input": "a"}, number=1)
    assert result_heading(job, Build(1, "spec.maestro", (), 0.0, request={"input": "a"})) == "result of rebuild 0 · run #1"
    assert result_heading(job, Build(2, "spec.maestro", (), 0.0)).endswith("(earlier version: the spec has errors now)")
    assert result_heading(job, Build(3, "spec.maestro", (), 0.0, request={"input": "b"})).endswith("(earlier version)")


# ---------------------------------------------------------------- a POST that may have created a run


class _BadGateway:
    """A real HTTP server on 127.0.0.1 whose every POST gets a 502 HTML page (as a
    proxy in front of a busy API gives): the body was sent, so a run may exist."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        owner = self
        self.posts = 0

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                owner.posts += 1
                body = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
                self.send_response(502)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/studio/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_a_post_answered_502_is_never_sent_again_for_the_same_request(tmp_path):
    spec = tmp_path / "spec.maestro"
    spec.write_text(SPEC)
    with _BadGateway() as gateway:
        settings = RunSettings(base_url=gateway.base_url, store_root=tmp_path / "records", max_retries=2, initial_retry_delay=0.01)
        with Watching(spec, run=True, settings=settings, settle=0.02) as w:
            w.wait_for(r"502")
            for n in range(1, 4):  # three comment-only saves
                at = w.mark()
                save(spec, SPEC.replace("# a spec under watch", f"# a spec under watch, comment {n}"))
                w.wait_for(
                    rf"rebuild {n} .*\nok: no problems.*\nrequest unchanged since run #1 \(rebuild 0\), "
                    r"whose POST may have created a run: nothing submitted, so none is paid for twice",
                    after=at,
                )
        assert gateway.posts == 1
    assert (w.summary.runs_submitted, w.summary.runs_unchanged) == (1, 3)
    assert "1 run submitted, 3 skipped as unchanged" in w.screen.text
    [record] = [json.loads(p.read_text()) for p in (tmp_path / "records" / "runs").glob("*.json")]
    assert record["run_id"] is None and record["status"] in ("unknown", "error")


# ---------------------------------------------------------------- files that are not files


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_spec_replaced_by_a_fifo_or_a_link_to_dev_zero_is_reported_not_read(tmp_path):
    spec = tmp_path / "spec.maestro"
    spec.write_text(SPEC)
    with Watching(spec) as w:
        w.wait_for(r"ok: no problems")
        at = w.mark()
        spec.unlink()
        os.mkfifo(spec)
        try:
            w.wait_for(r"cannot read the spec: spec.maestro: is a named pipe \(FIFO\), not a file; waiting for it to change", after=at)
        finally:
            try:  # were the loop blocked in open(), a writer would free it
                os.close(os.open(spec, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass
        at = w.mark()
        spec.unlink()
        os.symlink("/dev/zero", spec)
        w.wait_for(r"cannot read the spec: spec.maestro: is a character device, not a file", after=at)
        at = w.mark()
        spec.unlink()
        spec.write_text(SPEC)
        w.wait_for(r"ok: no problems", after=at)


@pytest.mark.parametrize(
    "given, said",
    [
        (["."], ".: is a directory, not a spec"),
        (["spec.maestr"], "spec.maestr: no such file"),
        (["spec.maestro", "--var-file", "fifo.json"], "fifo.json: is a named pipe (FIFO), not a file"),
        (["spec.maestro", "--var", "doc=@fifo.json"], "fifo.json: is a named pipe (FIFO), not a file"),
    ],
)
def test_cli_refuses_a_directory_a_misspelled_path_or_a_fifo_at_once(tmp_path, given, said):
    (tmp_path / "spec.maestro").write_text(SPEC)
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo.json")
    elif "fifo" in said:
        pytest.skip("needs FIFOs")
    done = subprocess.run(
        [sys.executable, "-m", "maestro_spec.cli", "watch", *given], capture_output=True, text=True, cwd=tmp_path, timeout=WAIT
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == f"error: {said}"


def test_plan_names_tools_by_identity_and_never_shows_a_header_value():
    token_old, token_new, weather_key = "Bearer ghp-OLD-1234567890", "Bearer ghp-NEW-0987654321", "wk-5f1e2d3c4b5a"
    github = {"type": "mcp", "server_label": "github", "server_url": "https://mcp.example.com/", "headers": {"Authorization": token_old}}
    weather = {
        "type": "http",
        "function": {"name": "get_weather", "description": "The weather.", "parameters": {"type": "object", "properties": {}}},
        "endpoint": {"url": "https://api.example.com/weather", "headers": {"X-Key": weather_key}},
    }
    old = {"input": "hi", "tools": [{"type": "web_search", "urls": ["a.com"]}, github]}
    new = {
        "input": "hi",
        "tools": [
            {"type": "web_search", "urls": ["a.com"], "query_suffix": "2025"},
            dict(github, headers={"Authorization": token_new}, allowed_tools=["search"]),
            weather,
        ],
    }
    lines = render_plan(diff_requests(old, new), max_lines=50)
    assert lines[:4] == [
        '+ tools["web_search"].query_suffix: "2025"',
        '~ tools["github"].headers.Authorization: "<redacted>" -> "<redacted: changed>"',
        '+ tools["github"].allowed_tools: ["search"]',
        '+ tools["get_weather"]: {"type": "http", "function": {"name": "get_weather", "descr…',
    ]
    # the same token again is no change at all; a first run's summary shows none either
    same = dict(new, tools=[new["tools"][0], dict(new["tools"][1]), weather])
    assert render_plan(diff_requests(new, same)) == []
    from maestro_spec.watch.requestdiff import summarize

    everything = "\n".join(lines + render_plan(diff_requests(None, new), max_lines=50) + [summarize(new)])
    for secret in (token_old, token_new, weather_key, "ghp-", "wk-5f"):
        assert secret not in everything
    assert new["tools"][1]["headers"]["Authorization"] == token_new  # the request itself is untouched


@pytest.mark.parametrize(
    "error, record_status, run_id, expected",
    [
        ("unreachable", "error", None, True),
        ("rejected", "error", None, True),
        ("rate-limited", "error", None, True),
        ("502", "error", None, False),
        ("503", "error", None, True),  # refused before any work: policy.post_meaning
        ("no-answer", "unknown", None, False),
        ("not-a-run", "error", None, False),
        ("unreachable", "unknown", None, False),  # the record says a run may exist: it wins
        ("rejected", "error", "run-1", False),  # a run id was handed out
    ],
)
def test_only_a_post_that_certainly_created_no_run_may_be_sent_again(error, record_status, run_id, expected):
    from maestro_spec.runtime import errors as E
    from maestro_spec.runtime.outcome import RunOutcome
    from maestro_spec.runtime.store import RunRecord
    from maestro_spec.watch.decide import created_no_run

    failures = {
        "unreachable": E.Unreachable("u", "connection refused"),
        "rejected": E.RequestRejected(422, "bad"),
        "rate-limited": E.RateLimited(3, None),
        # as the client reports a POST's failures (client._status_failure, _run_from)
        "502": E.MaybeSubmitted("u", "HTTP 502: <html>", answered=True),
        "503": E.ServerError(503, 0, "busy"),
        "no-answer": E.MaybeSubmitted("u", "reset"),
        "not-a-run": E.MaybeSubmitted("u", "HTTP 200 and no JSON", answered=True),
    }
    record = RunRecord(id="r", request={}, target="t", base_url="u", status=record_status, run_id=run_id)
    outcome = RunOutcome(request={}, error=failures[error], record=record)
    assert created_no_run(outcome) is expected
