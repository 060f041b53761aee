"""The Python API (docs/python.md): compile, check, format, decompile, schema and
run from `import maestro_spec` alone, against real files and real servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import maestro_spec
from maestro_spec.compiler.credentials import redact_request

from .conftest import EXAMPLES, ROOT
from .runtime_support import closed_port, runs_created, server
from .test_golden import EXAMPLE_ENV, SPEC_TO_JSON

HEAVY = ("lark", "httpx", "pydantic", "rich", "starlette", "uvicorn", "anyio", "click")


def _loaded_after(code: str) -> list[str]:
    """The heavy top-level packages loaded by running `code` in a fresh interpreter."""
    probe = f"import sys\n{code}\nprint(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().replace("'", '"'))


# ------------------------------------------------------------------ import cost


def test_import_loads_no_parser_client_or_server():
    assert _loaded_after("import maestro_spec\nmaestro_spec.SpecError, maestro_spec.loads, maestro_spec.RunResult") == []
    probe = "import sys, maestro_spec\nprint(sorted(m for m in sys.modules if m.startswith('maestro_spec')))"
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "['maestro_spec']", proc.stderr  # not even the compiler, until a call needs it


def test_importtime_of_the_package_shows_no_heavy_import():
    """What `python -X importtime -c 'import maestro_spec'` prints: every module
    the import ran, as a profile would show it (sys.modules is checked above)."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "import maestro_spec"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    rows = [line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:") and "|" in line]
    imported = {name.lstrip() for name in rows[1:]}  # rows[0] is the header
    assert "maestro_spec" in imported  # the profile was read
    assert sorted(n for n in imported if n.split(".")[0] in HEAVY) == []


def test_compiling_loads_the_parser_and_no_runtime():
    # The parser is the generated maestro_spec.grammar.standalone: not even lark loads.
    loaded = _loaded_after(
        "import maestro_spec\nmaestro_spec.loads('input \"x\"')\nmaestro_spec.check({'input': 'x'})\n"
        "assert 'maestro_spec.grammar.standalone' in sys.modules"
    )
    assert loaded == []


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        maestro_spec.nothing  # noqa: B018
    assert {"load", "loads", "run", "run_async", "SpecError"} <= set(dir(maestro_spec))


# ------------------------------------------------------------------ compile


def test_loads_fills_params_from_a_plain_dict():
    text = 'param who\nparam n\nparam flag\ninput "{{who}} {{n}} {{flag}}"\n'
    assert maestro_spec.loads(text, vars={"who": "Ada", "n": 1.5, "flag": True}) == {"input": "Ada 1.5 true"}


@pytest.mark.parametrize("bad", [None, [1], {"a": 1}])
def test_a_value_that_is_not_text_number_or_boolean_is_a_type_error(bad):
    with pytest.raises(TypeError, match="vars\\['who'\\]"):
        maestro_spec.loads('param who\ninput "{{who}}"\n', vars={"who": bad})


def test_an_invalid_spec_raises_spec_error_with_its_diagnostics():
    text = 'input "x"\nbudget hihg\n'
    with pytest.raises(maestro_spec.SpecError) as caught:
        maestro_spec.loads(text)
    e = caught.value
    assert [d.code for d in e.diagnostics] == ["E240"] and [d.code for d in e.errors] == ["E240"]
    assert e.text == text and e.path is None
    assert str(e).splitlines() == [
        "<string>:2:8: error[E240]: unknown budget 'hihg': allowed are low, medium, high",
        "  2 | budget hihg",
        "    |        ^~~~",
        "  hint: did you mean 'high'?",
    ]
    (as_json,) = json.loads(e.to_json())
    assert as_json["code"] == "E240" and as_json["range"]["start"] == {"line": 2, "column": 8} and as_json["json_path"] == "budget"
    assert e.render("github").startswith("::error file=<string>,line=2,col=8")
    with pytest.raises(ValueError, match="unknown format"):
        e.render("xml")


def test_compile_result_keeps_warnings_and_withholds_the_request_while_errors_exist():
    ok = maestro_spec.compile('param unused = "u"\ninput "x"\n')
    assert ok.ok and [d.code for d in ok.warnings] == ["W104"] and ok.errors == []
    assert ok.request == {"input": "x"}
    ok.request["input"] = "changed"  # a copy: the result cannot be edited through it
    assert ok.request == {"input": "x"}
    bad = maestro_spec.compile('input "x"\nbudget hihg\nparam unused = "u"\n')
    assert not bad.ok and [d.code for d in bad.diagnostics] == ["E240", "W104"]
    with pytest.raises(maestro_spec.SpecError) as caught:
        bad.request  # noqa: B018
    assert [d.code for d in caught.value.warnings] == ["W104"]


def test_a_syntax_error_raises_spec_error():
    with pytest.raises(maestro_spec.SpecError) as caught:
        maestro_spec.loads('input "never closed\n')
    assert caught.value.errors[0].code in ("E001", "E002", "E003")


def test_a_missing_param_value_is_an_error_not_a_placeholder_left_in_the_body():
    with pytest.raises(maestro_spec.SpecError) as caught:
        maestro_spec.loads('param who\ninput "hello {{who}}"\n')
    assert [d.code for d in caught.value.diagnostics] == ["E105"]


def test_var_files_are_read_first_and_vars_override_them(tmp_path):
    values = tmp_path / "vars.json"
    values.write_text('{"who": "file", "n": 2}', encoding="utf-8")
    text = 'param who\nparam n\ninput "{{who}} {{n}}"\n'
    assert maestro_spec.loads(text, var_files=[values]) == {"input": "file 2"}
    assert maestro_spec.loads(text, var_files=[str(values)], vars={"who": "dict"}) == {"input": "dict 2"}
    with pytest.raises(maestro_spec.SpecError) as caught:
        maestro_spec.loads(text, var_files=[tmp_path / "missing.json"])
    assert "E107" in [d.code for d in caught.value.diagnostics]
    with pytest.raises(TypeError, match="list of paths"):
        maestro_spec.loads(text, var_files=str(values))


_MCP = 'input "x"\ntool mcp gh {\n    url "https://mcp.example.com/"\n    headers { Authorization "Bearer {{env.GH_TOKEN}}" }\n}\n'


def test_credentials_come_from_env_and_an_unset_one_is_an_error(monkeypatch):
    body = maestro_spec.loads(_MCP, env={"GH_TOKEN": "t-123"})
    assert body["tools"][0]["headers"] == {"Authorization": "Bearer t-123"}
    monkeypatch.setenv("GH_TOKEN", "from-os-environ")
    assert maestro_spec.loads(_MCP)["tools"][0]["headers"] == {"Authorization": "Bearer from-os-environ"}
    with pytest.raises(maestro_spec.SpecError) as caught:
        maestro_spec.loads(_MCP, env={})
    assert [d.code for d in caught.value.diagnostics] == ["E112"]


@pytest.mark.parametrize("spec", sorted(EXAMPLES.glob("*.maestro")), ids=lambda p: p.stem)
def test_load_gives_every_example_its_golden_body(spec, in_repo):
    vars = {"document": (EXAMPLES / "data" / "lease.txt").read_text(encoding="utf-8").removesuffix("\n"), "tone": "formal"}
    var_files = ["examples/data/ticket.json"] if spec.stem == "support-reply" else ()
    body = maestro_spec.load(f"examples/{spec.name}", vars=vars if spec.stem == "summarize-document" else None, var_files=var_files, env=EXAMPLE_ENV)
    golden = json.loads((SPEC_TO_JSON / f"{spec.stem}.json").read_text(encoding="utf-8"))
    assert redact_request(body) == golden


def test_load_takes_a_path_a_text_file_or_a_binary_file(tmp_path):
    path = tmp_path / "a.maestro"
    path.write_bytes(b'\xef\xbb\xbfinput "x"\r\nbudget low\r\n')  # BOM and CRLF, as an editor may save
    want = {"input": "x", "budget": "low"}
    assert maestro_spec.load(path) == want and maestro_spec.load(str(path)) == want
    with open(path, encoding="utf-8") as f:
        assert maestro_spec.load(f) == want
    with open(path, "rb") as f:
        assert maestro_spec.load(f) == want
    assert maestro_spec.load(io.StringIO('input "y"\n')) == {"input": "y"}
    assert maestro_spec.compile(path).path == str(path)


def test_load_names_the_file_in_its_diagnostics(tmp_path):
    path = tmp_path / "bad.maestro"
    path.write_text('input "x"\nbudget hihg\n', encoding="utf-8")
    with pytest.raises(maestro_spec.SpecError) as caught:
        maestro_spec.load(path)
    assert caught.value.path == str(path) and str(caught.value).startswith(f"{path}:2:8: error[E240]")


def test_an_unreadable_file_raises_os_error_and_a_binary_one_value_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        maestro_spec.load(tmp_path / "missing.maestro")
    binary = tmp_path / "b.maestro"
    binary.write_bytes(b'input "x"\x00')
    with pytest.raises(ValueError, match="binary file"):
        maestro_spec.load(binary)
    with pytest.raises(TypeError, match="a path or an open file"):
        maestro_spec.load(42)


def test_output_type_files_are_read_next_to_the_spec(tmp_path, monkeypatch):
    (tmp_path / "shape.json").write_text('{"type": "object", "properties": {"a": {"type": "string"}}}', encoding="utf-8")
    spec = tmp_path / "s.maestro"
    spec.write_text('input "x"\noutput_type "shape.json"\n', encoding="utf-8")
    monkeypatch.chdir(ROOT)  # not the spec's folder
    assert maestro_spec.load(spec)["output_type"]["type"] == "object"
    assert maestro_spec.loads(spec.read_text(), base_dir=tmp_path)["output_type"]["type"] == "object"
    with pytest.raises(maestro_spec.SpecError) as caught:
        maestro_spec.loads(spec.read_text())
    assert [d.code for d in caught.value.diagnostics] == ["E114"]


# ------------------------------------------------------------------ check, format, decompile, schema


def test_check_takes_a_dict_or_json_text():
    assert maestro_spec.check({"input": "x"}) == []
    (d,) = maestro_spec.check({"input": "x", "budget": "hihg"})
    assert d.code == "E240" and d.path == ("budget",) and d.span is None
    (d,) = maestro_spec.check('{"input": "x",\n "budget": "hihg"}')
    assert d.code == "E240" and (d.span.line, d.span.column) == (2, 12)
    assert [d.code for d in maestro_spec.check("{not json")] == ["E005"]
    assert [d.code for d in maestro_spec.check([1])] == ["E200"]


def test_format_lays_out_a_spec_and_refuses_one_that_does_not_parse():
    assert maestro_spec.format('input   "x"   # why\nbudget    low') == 'input "x"  # why\nbudget low\n'
    with pytest.raises(maestro_spec.SpecError) as caught:
        maestro_spec.format('input "x\n')
    assert caught.value.errors


def test_decompile_round_trips_and_refuses_a_body_with_errors():
    body = maestro_spec.load(EXAMPLES / "invoice.maestro")
    spec = maestro_spec.decompile(body)
    assert maestro_spec.loads(spec) == body
    assert maestro_spec.decompile(json.dumps(body)) == spec
    with pytest.raises(maestro_spec.SpecError) as caught:
        maestro_spec.decompile('{"input": 3}')
    assert str(caught.value).startswith("<body>.json:1:11: error[E203]: input: ")
    with pytest.raises(maestro_spec.SpecError, match="E240"):
        maestro_spec.decompile({"input": "x", "budget": "hihg"})


def test_schema_is_the_one_maestro_schema_prints():
    proc = subprocess.run([sys.executable, "-m", "maestro_spec", "schema"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert maestro_spec.schema() == json.loads(proc.stdout)


def test_python_dash_m_is_the_maestro_command(tmp_path):
    spec = tmp_path / "a.maestro"
    spec.write_text('input "x"\nbudget hihg\n', encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "maestro_spec", "compile", str(spec)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "error[E240]" in proc.stderr


# ------------------------------------------------------------------ run


class _Recorder(BaseHTTPRequestHandler):
    """A Maestro-shaped server that completes every run at once and keeps each request's headers."""

    seen: list[dict] = []

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        type(self).seen.append({"headers": dict(self.headers), "body": json.loads(self.rfile.read(length))})
        data = json.dumps({"id": "run-1", "status": "completed", "result": "done"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    _Recorder.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/studio/v1", _Recorder.seen
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("MAESTRO_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("AI21_API_KEY", raising=False)
    monkeypatch.delenv("AI21_API_HOST", raising=False)


def test_run_local_completes_and_records_the_run(tmp_path):
    body = maestro_spec.load(EXAMPLES / "invoice.maestro")
    result = maestro_spec.run(body, local=True, poll_interval=0.05, spec="invoice")
    assert (result.status, result.exit_code, result.ok, result.error, result.hint) == ("completed", 0, True, None, None)
    assert result.run.id == result.run_id and isinstance(result.result, str)
    assert result.to_dict()["requirements_result"]["requirements"][0]["name"] == "field presence validation"
    assert result.record is not None and result.record.run_id == result.run_id and result.record.target == "local"
    assert list((tmp_path / "home" / "runs").glob("*.json"))


def test_run_without_record_leaves_no_file(tmp_path):
    result = maestro_spec.run({"input": "hi"}, local=True, poll_interval=0.05, record=False)
    assert result.status == "completed" and result.record is None
    assert not (tmp_path / "home").exists()


def test_run_async_against_a_base_url(tmp_path):
    with server(run_seconds=0.1) as s:
        result = asyncio.run(maestro_spec.run_async({"input": "hi"}, base_url=s.base_url, poll_interval=0.05))
        assert result.status == "completed" and runs_created(s) == 1


def test_the_key_comes_from_the_argument_else_the_environment(recorder, monkeypatch):
    url, seen = recorder
    assert maestro_spec.run({"input": "a"}, base_url=url, api_key="arg-key").ok
    monkeypatch.setenv("AI21_API_KEY", "env-key")
    assert maestro_spec.run({"input": "b"}, base_url=url).ok
    assert [r["headers"].get("Authorization") for r in seen] == ["Bearer arg-key", "Bearer env-key"]
    assert [r["body"] for r in seen] == [{"input": "a"}, {"input": "b"}]
    monkeypatch.setenv("AI21_API_HOST", url)  # the base URL from the environment, as the SDK reads it
    assert maestro_spec.run({"input": "c"}).ok and len(seen) == 3


def test_the_key_is_never_in_the_result_or_the_record(recorder, tmp_path):
    url, _ = recorder
    result = maestro_spec.run({"input": "a"}, base_url=url, api_key="sk-secret-123456")
    files = "".join(p.read_text() for p in (tmp_path / "home").rglob("*") if p.is_file())
    assert "sk-secret-123456" not in files + repr(result) + json.dumps(result.to_dict())


def test_an_invalid_body_is_not_sent(recorder):
    url, seen = recorder
    with pytest.raises(maestro_spec.SpecError) as caught:
        maestro_spec.run({"input": "x", "budget": "hihg"}, base_url=url)
    assert [d.code for d in caught.value.diagnostics] == ["E240"] and seen == []
    with pytest.raises(TypeError):
        maestro_spec.run('{"input": "x"}', base_url=url)


def test_plain_http_to_another_host_is_refused_before_anything_is_sent():
    with pytest.raises(maestro_spec.RuntimeFailure, match="refusing plain http to maestro.invalid") as caught:
        maestro_spec.run({"input": "x"}, base_url="http://maestro.invalid/studio/v1", api_key="sk-secret-123456")
    assert caught.value.exit_code == 2 and "sk-secret-123456" not in str(caught.value)


def test_no_key_for_the_cloud_is_refused_and_local_with_base_url_is_ambiguous():
    with pytest.raises(maestro_spec.RuntimeFailure, match="no API key: set AI21_API_KEY to reach https://api.ai21.com/studio/v1"):
        maestro_spec.run({"input": "x"})
    with pytest.raises(maestro_spec.RuntimeFailure, match="pick one"):
        maestro_spec.run({"input": "x"}, local=True, base_url="http://127.0.0.1:1/studio/v1")


def test_an_unreachable_server_is_a_result_with_exit_code_3():
    url = f"http://127.0.0.1:{closed_port()}/studio/v1"
    result = maestro_spec.run({"input": "x"}, base_url=url, max_retries=0, timeout=5)
    assert (result.status, result.exit_code, result.run) == ("error", 3, None)
    assert result.error.startswith("could not reach") and result.to_dict() is None


def test_run_inside_an_event_loop_points_at_run_async():
    async def inside():
        maestro_spec.run({"input": "x"}, local=True)

    with pytest.raises(RuntimeError, match="run_async"):
        asyncio.run(inside())


def test_a_result_prints_without_the_request_and_its_header_values():
    result = maestro_spec.run(maestro_spec.loads(_MCP, env={"GH_TOKEN": "ghp-secret-value-1"}), local=True, poll_interval=0.05)
    assert result.ok and "ghp-secret-value-1" not in repr(result) + str(result) + json.dumps(result.to_dict())
    assert repr(result) == f"<RunResult {result.run_id}: completed, exit_code 0>"
    assert "ghp-secret-value-1" not in json.dumps(result.record.request)


@pytest.mark.parametrize(
    "options, message",
    [
        ({"timeout": 0}, "timeout=0"),
        ({"poll_interval": 0.001}, "poll_interval=0.001"),
        ({"max_retries": 21}, "max_retries=21"),
        ({"min_score": 1.5}, "min_score=1.5"),
        ({"min_score": 0.5}, "include requirements_result"),
    ],
)
def test_options_outside_what_maestro_run_accepts_are_value_errors(options, message, recorder):
    url, seen = recorder
    with pytest.raises(ValueError, match=message):
        maestro_spec.run({"input": "x"}, base_url=url, **options)
    assert seen == []


def test_a_spec_error_survives_pickling_for_multiprocessing():
    import pickle

    with pytest.raises(maestro_spec.SpecError) as caught:
        maestro_spec.load(EXAMPLES / "errors" / "enum-typos.maestro")
    again = pickle.loads(pickle.dumps(caught.value))
    assert (again.diagnostics, again.text, again.path, str(again)) == (caught.value.diagnostics, caught.value.text, caught.value.path, str(caught.value))


def test_a_value_for_no_param_is_a_warning_that_names_the_dict_entry():
    result = maestro_spec.compile('input "x"\n', vars={"tone": "formal"})
    assert result.ok and [(d.code, d.message) for d in result.warnings] == [("W108", "vars['tone'] gives a value for 'tone', which is not a param of this spec")]


def test_on_status_follows_the_run_and_runs_go_concurrently(recorder):
    url, seen = recorder
    events = []

    async def three():
        return await asyncio.gather(*(maestro_spec.run_async({"input": f"n{i}"}, base_url=url, on_status=events.append, spec=f"s{i}") for i in range(3)))

    results = asyncio.run(three())
    assert [r.status for r in results] == ["completed"] * 3 and len(seen) == 3
    assert {e.spec for e in events} == {"s0", "s1", "s2"} and {e.phase for e in events} >= {"submitting", "done"}
    assert all(e.run_id == "run-1" for e in events if e.phase == "done")


def test_a_timeout_leaves_the_run_going_and_says_how_to_resume():
    with server(run_seconds=30) as s:
        result = maestro_spec.run({"input": "slow"}, base_url=s.base_url, timeout=0.3, poll_interval=0.05)
    assert (result.status, result.exit_code) == ("in_progress", 3) and result.run_id
    assert result.error == f"run {result.run_id} is still in progress after 0.3 s"
    assert result.hint == f"it keeps going on the server; pick it up with: maestro runs attach {result.run_id}"


def test_run_takes_a_compile_result_and_refuses_one_with_errors(recorder):
    url, seen = recorder
    assert maestro_spec.run(maestro_spec.compile('input "a"\n'), base_url=url).ok
    with pytest.raises(maestro_spec.SpecError, match="E240"):
        maestro_spec.run(maestro_spec.compile('input "a"\nbudget hihg\n'), base_url=url)
    assert [r["body"] for r in seen] == [{"input": "a"}]
