"""`maestro check` and `maestro compile` as real processes: exit codes,
output formats, files in and out, and bad input that must never show a
traceback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

GOOD = """\
# a clean spec
input "Extract vendor name and total from the document"
requirement "presence" mandatory "Every field is present."
include requirements_result
"""

GOOD_BODY = {
    "input": "Extract vendor name and total from the document",
    "requirements": [{"name": "presence", "description": "Every field is present.", "is_mandatory": True}],
    "include": ["requirements_result"],
}

BAD = """\
input "x"
budget hihg
language klingon
"""

WARN = """\
param unused
input "x"
"""

TEMPLATE = """\
param document
param tone = "friendly"
input \"\"\"
    Summarise in a {{tone}} tone:
    {{document}}
    \"\"\"
"""


def maestro(*args: str, cwd: Path | None = None, script: bool = False) -> subprocess.CompletedProcess:
    command = [shutil.which("maestro")] if script else [sys.executable, "-m", "maestro_spec.cli"]
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("MAESTRO_DEBUG", None)
    return subprocess.run(
        [*command, *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8", errors="replace", env=env, timeout=60
    )


def no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "internal error" not in proc.stderr


@pytest.fixture
def write(tmp_path):
    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write


# ------------------------------------------------------------------ check


def test_check_clean_spec_exits_0(write):
    spec = write("good.maestro", GOOD)
    proc = maestro("check", str(spec))
    assert proc.returncode == 0
    assert proc.stdout == ""
    assert proc.stderr.strip() == "0 errors, 0 warnings in 1 file"


def test_check_warnings_only_exits_0(write):
    proc = maestro("check", str(write("warn.maestro", WARN)))
    assert proc.returncode == 0
    assert "warning[W104]" in proc.stderr
    assert proc.stderr.strip().endswith("0 errors, 1 warning in 1 file")


def test_check_errors_text_format(write, tmp_path):
    spec = write("bad.maestro", BAD)
    proc = maestro("check", "bad.maestro", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert lines[:4] == [
        "bad.maestro:2:8: error[E240]: unknown budget 'hihg': allowed are low, medium, high",
        "  2 | budget hihg",
        "    |        ^~~~",
        "  hint: did you mean 'high'?",
    ]
    assert lines[4].startswith("bad.maestro:3:10: error[E242]: unknown response language 'klingon'")
    assert lines[-1] == "2 errors, 0 warnings in 1 file"
    assert spec.read_text(encoding="utf-8") == BAD  # check never rewrites
    no_traceback(proc)


def test_check_json_format(write):
    spec = write("bad.maestro", BAD)
    proc = maestro("check", "--output-format", "json", str(spec))
    assert proc.returncode == 1
    records = [json.loads(line) for line in proc.stderr.splitlines()]
    assert [r["code"] for r in records] == ["E240", "E242"]
    first = records[0]
    assert {"path", "range", "severity", "code", "message", "hint"} <= set(first)
    assert first["path"] == str(spec)
    assert first["range"] == {"start": {"line": 2, "column": 8}, "end": {"line": 2, "column": 12}}
    assert first["severity"] == "error"
    assert first["hint"] == "did you mean 'high'?"
    assert proc.stdout == ""  # diagnostics go to stderr, in every format, with no summary line mixed in


def test_check_github_format(write, tmp_path):
    write("bad.maestro", BAD)
    write("warn.maestro", WARN)
    proc = maestro("check", "--output-format", "github", "bad.maestro", "warn.maestro", cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert lines[0] == (
        "::error file=bad.maestro,line=2,col=8,endLine=2,endColumn=12,title=E240::"
        "unknown budget 'hihg': allowed are low, medium, high (hint: did you mean 'high'?)"
    )
    assert lines[1].startswith("::error file=bad.maestro,line=3,col=10,")
    assert lines[2].startswith("::warning file=warn.maestro,line=1,col=7,endLine=1,endColumn=13,title=W104::")
    assert len(lines) == 3


def test_check_several_files_collects_everything(write, tmp_path):
    write("good.maestro", GOOD)
    write("bad.maestro", BAD)
    write("warn.maestro", WARN)
    proc = maestro("check", "good.maestro", "bad.maestro", "warn.maestro", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1] == "2 errors, 1 warning in 3 files"


def test_check_leaves_params_without_values_alone(write):
    proc = maestro("check", str(write("t.maestro", TEMPLATE)))
    assert proc.returncode == 0, proc.stderr


def test_check_accepts_vars(write):
    proc = maestro("check", "--var", "documnet=x", str(write("t.maestro", TEMPLATE)))
    assert proc.returncode == 0
    assert "warning[W108]" in proc.stderr and "did you mean 'document'?" in proc.stderr


def test_check_syntax_error(write, tmp_path):
    write("s.maestro", 'input "x"\nlanguge french\n')
    proc = maestro("check", "s.maestro", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[:4] == [
        "s.maestro:2:1: error[E001]: unknown keyword 'languge': expected a statement "
        "(input, requirement, tool, model, budget, include, language, system_prompt, output_type, param) or end of file",
        "  2 | languge french",
        "    | ^~~~~~~",
        "  hint: did you mean 'language'?",
    ]


# ------------------------------------------------------------- .json bodies

BODY = """\
{
  "input": "Plan a trip",
  "requirements": [
    {"name": "a", "description": "first"},
    {"name": "b", "description": "second"},
    {"name": "c", "description": "third"},
    {"name": "d", "description": "", "is_mandatory": "yes"}
  ],
  "budget": "max"
}
"""


def test_check_json_body_text_names_json_paths(write, tmp_path):
    write("body.json", BODY)
    proc = maestro("check", "body.json", cwd=tmp_path)
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert "body.json:7:34: error[E213]: requirements[3].description: this requirement's description is empty" in lines
    assert any(line.startswith("body.json:7:54: error[E203]: requirements[3].is_mandatory: ") for line in lines)
    assert any(line.startswith("body.json:9:13: error[E240]: budget: unknown budget 'max'") for line in lines)


def test_check_json_body_json_format(write):
    proc = maestro("check", "--output-format", "json", str(write("body.json", BODY)))
    assert proc.returncode == 1
    records = [json.loads(line) for line in proc.stderr.splitlines()]
    assert [(r["code"], r["json_path"], r["range"]["start"]["line"]) for r in records] == [
        ("E213", "requirements[3].description", 7),
        ("E203", "requirements[3].is_mandatory", 7),
        ("E240", "budget", 9),
    ]


def test_check_clean_json_body(write):
    proc = maestro("check", str(write("ok.json", json.dumps(GOOD_BODY))))
    assert proc.returncode == 0, proc.stderr


def test_check_broken_json(write, tmp_path):
    write("broken.json", '{\n  "input": "x",\n}\n')
    proc = maestro("check", "broken.json", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[0].startswith("broken.json:3:1: error[E005]: invalid JSON: ")
    no_traceback(proc)


def test_spec_and_its_compiled_body_check_the_same(write, tmp_path):
    spec = write("bad.maestro", BAD)
    body = maestro("compile", str(spec))
    assert body.returncode == 1  # errors: no body
    spec = write("good.maestro", 'input "x"\ninclude data_sources\n')
    body = maestro("compile", "-o", str(tmp_path / "good.json"), str(spec))
    assert body.returncode == 0
    from_spec = maestro("check", "--output-format", "json", str(spec))
    from_json = maestro("check", "--output-format", "json", str(tmp_path / "good.json"))
    pick = lambda proc: [(r["code"], r["json_path"]) for r in map(json.loads, proc.stderr.splitlines())]  # noqa: E731
    assert pick(from_spec) == pick(from_json) == [("W244", "include[0]")]


# ---------------------------------------------------------------- compile


def test_compile_prints_the_request_body(write):
    proc = maestro("compile", str(write("good.maestro", GOOD)))
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == GOOD_BODY
    assert list(json.loads(proc.stdout)) == ["input", "requirements", "include"]  # stable key order
    assert proc.stderr == ""


def test_compile_to_a_file(write, tmp_path):
    out = tmp_path / "out" / "body.json"
    out.parent.mkdir()
    proc = maestro("compile", str(write("good.maestro", GOOD)), "-o", str(out))
    assert proc.returncode == 0
    assert proc.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8")) == GOOD_BODY
    assert out.read_text(encoding="utf-8").endswith("}\n")


def test_compile_keeps_non_ascii_text(write, tmp_path):
    proc = maestro("compile", str(write("fr.maestro", 'input "Résumé du café, s\'il vous plaît \\u2014 😀"\n')))
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["input"] == "Résumé du café, s'il vous plaît — 😀"


def test_compile_with_errors_prints_no_body(write, tmp_path):
    out = tmp_path / "out.json"
    proc = maestro("compile", str(write("bad.maestro", BAD)), "-o", str(out))
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert not out.exists()
    assert "error[E240]" in proc.stderr


def test_compile_errors_in_json_format(write):
    proc = maestro("compile", "--output-format", "json", str(write("bad.maestro", BAD)))
    assert proc.returncode == 1
    # stdout carries compile's own output, so diagnostics go to stderr in every format
    assert proc.stdout == ""
    assert [json.loads(line)["code"] for line in proc.stderr.splitlines()] == ["E240", "E242"]


def test_compile_warnings_in_json_format_keep_stdout_parseable(write):
    proc = maestro("compile", "--output-format", "json", str(write("warn.maestro", WARN)))
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == {"input": "x"}
    assert [json.loads(line)["code"] for line in proc.stderr.splitlines()] == ["W104"]


def test_compile_warnings_go_to_stderr_and_the_body_to_the_file(write, tmp_path):
    out = tmp_path / "out.json"
    proc = maestro("compile", str(write("warn.maestro", WARN)), "-o", str(out))
    assert proc.returncode == 0
    assert "warning[W104]" in proc.stderr
    assert json.loads(out.read_text(encoding="utf-8")) == {"input": "x"}


def test_compile_needs_param_values(write):
    proc = maestro("compile", str(write("t.maestro", TEMPLATE)))
    assert proc.returncode == 1
    assert "error[E105]: param 'document' has no value" in proc.stderr
    assert proc.stdout == ""


def test_compile_with_var(write):
    proc = maestro("compile", str(write("t.maestro", TEMPLATE)), "--var", "document=Rent is 900 EUR.", "--var", "tone=formal")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"input": "Summarise in a formal tone:\nRent is 900 EUR."}


def test_compile_with_var_from_file(write):
    doc = write("data/lease.txt", "The lease runs 12 months.\nRent is 900 EUR.\n")
    proc = maestro("compile", str(write("t.maestro", TEMPLATE)), "--var", f"document=@{doc}")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["input"] == "Summarise in a friendly tone:\nThe lease runs 12 months.\nRent is 900 EUR."


def test_compile_with_var_file_and_var_override(write):
    values = write("vars.json", json.dumps({"document": "From the file.", "tone": "dry"}))
    spec = write("t.maestro", TEMPLATE)
    proc = maestro("compile", str(spec), "--var-file", str(values))
    assert json.loads(proc.stdout)["input"] == "Summarise in a dry tone:\nFrom the file."
    proc = maestro("compile", str(spec), "--var-file", str(values), "--var", "tone=warm")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["input"] == "Summarise in a warm tone:\nFrom the file."


@pytest.mark.parametrize("arg", ["document", "=x"])
def test_malformed_var_is_a_usage_error(write, arg):
    proc = maestro("compile", str(write("t.maestro", TEMPLATE)), "--var", arg)
    assert proc.returncode == 2
    assert "NAME=VALUE" in proc.stderr
    assert proc.stdout == ""
    no_traceback(proc)


def test_var_file_that_cannot_be_read(write, tmp_path):
    proc = maestro("compile", str(write("t.maestro", TEMPLATE)), "--var", f"document=@{tmp_path / 'missing.txt'}")
    assert proc.returncode == 2  # a file named on the command line cannot be read
    assert "error[E107]" in proc.stderr and "missing.txt" in proc.stderr and "no such file" in proc.stderr
    assert proc.stdout == ""
    no_traceback(proc)


def test_var_file_with_bad_json(write):
    values = write("vars.json", "{not json")
    proc = maestro("compile", str(write("t.maestro", TEMPLATE)), "--var-file", str(values))
    assert proc.returncode == 2
    assert "error[E107]" in proc.stderr and "invalid JSON at line 1 column 2" in proc.stderr
    no_traceback(proc)


def test_compile_a_json_body(write):
    proc = maestro("compile", str(write("ok.json", json.dumps(GOOD_BODY))))
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == GOOD_BODY


def test_compile_output_to_a_missing_directory(write, tmp_path):
    proc = maestro("compile", str(write("good.maestro", GOOD)), "-o", str(tmp_path / "no" / "such" / "dir.json"))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: cannot write ")
    no_traceback(proc)


# ------------------------------------------------------- unreadable inputs


def unreadable(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    (tmp_path / "a-dir.maestro").mkdir()
    binary = tmp_path / "image.maestro"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    latin = tmp_path / "latin1.maestro"
    latin.write_bytes('input "café"\n'.encode("latin-1"))
    return {
        "missing": (tmp_path / "missing.maestro", "no such file"),
        "directory": (tmp_path / "a-dir.maestro", "is a directory"),
        "binary": (binary, "binary file"),
        "not-utf8": (latin, "is not UTF-8 text (byte 0xe9)"),
    }


@pytest.mark.parametrize("case", ["missing", "directory", "binary", "not-utf8"])
@pytest.mark.parametrize("command", ["check", "compile"])
def test_unreadable_file_is_one_line_and_exit_2(tmp_path, command, case):
    path, reason = unreadable(tmp_path)[case]
    proc = maestro(command, str(path))
    assert proc.returncode == 2
    assert proc.stdout == ""
    no_traceback(proc)
    first, *rest = proc.stderr.splitlines()
    assert first.startswith(f"error: {path}") and reason in first
    if command == "compile" or case == "directory":  # an empty directory stops check at once
        assert rest == []
    else:  # check goes on with the other files, then sums up
        assert rest == ["0 errors, 0 warnings in 0 files (1 could not be read)"]


def test_check_expands_a_directory_to_its_specs(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "bad.maestro").write_text('input "x"\nbudget hihg\n', encoding="utf-8")
    (tmp_path / "good.maestro").write_text('input "x"\n', encoding="utf-8")
    (tmp_path / "vars.json").write_text("{}", encoding="utf-8")  # not a request body: skipped
    proc = maestro("check", str(tmp_path))
    assert proc.returncode == 1
    assert "bad.maestro:2:8: error[E240]" in proc.stderr
    assert proc.stderr.splitlines()[-1] == "1 error, 0 warnings in 2 files"


def test_unreadable_file_among_good_ones_still_exits_2(write, tmp_path):
    write("good.maestro", GOOD)
    write("bad.maestro", BAD)
    proc = maestro("check", "good.maestro", "missing.maestro", "bad.maestro", cwd=tmp_path)
    assert proc.returncode == 2
    assert "error[E240]" in proc.stderr  # the readable files were still checked
    assert "error: missing.maestro: no such file" in proc.stderr


def test_utf8_bom_is_not_text(write):
    proc = maestro("compile", str(write("bom.maestro", "\ufeff" + GOOD)))
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == GOOD_BODY


@pytest.mark.skipif(shutil.which("maestro") is None, reason="the maestro script is not installed")
def test_console_script_reports_unreadable_files_the_same_way(tmp_path):
    path, _ = unreadable(tmp_path)["binary"]
    proc = maestro("compile", str(path), script=True)
    assert proc.returncode == 2
    assert proc.stderr == f"error: {path}:3: is a binary file (a NUL byte), not a spec\n"


def test_missing_argument_and_unknown_option_are_usage_errors():
    assert maestro("compile").returncode == 2
    proc = maestro("check", "--output-format", "xml", "x.maestro")
    assert proc.returncode == 2 and "xml" in proc.stderr
    no_traceback(proc)


def test_help_documents_exit_codes():
    for args in (["--help"], ["check", "--help"], ["compile", "--help"]):
        proc = maestro(*args)
        assert proc.returncode == 0
        assert "Exit codes:" in proc.stdout
        assert "1   the spec or body has errors" in proc.stdout
        assert "2   usage error, or a file cannot be read" in proc.stdout
        assert "70  internal error" in proc.stdout


def test_compile_stays_off_the_heavy_imports(write):
    """`maestro compile` must not pay for httpx, pydantic, rich, starlette or uvicorn."""
    spec = write("good.maestro", GOOD)
    code = (
        "import sys\n"
        "from maestro_spec.cli import main\n"
        "try:\n"
        f"    main(['compile', {str(spec)!r}], standalone_mode=False)\n"
        "finally:\n"
        "    heavy = sorted(m for m in ('httpx', 'pydantic', 'rich', 'starlette', 'uvicorn') if m in sys.modules)\n"
        "    print('HEAVY', heavy, file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stderr
