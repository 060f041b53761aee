"""The compiler commands on hostile or unusual input, as real processes:
huge numbers, huge lines, NUL bytes, CRLF and BOM files, stdin, where
diagnostics go, and what each --help promises."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = 'input "Extract the total"\nrequirement "total" mandatory "The total is present."\ninclude requirements_result\n'
BAD = 'input "x"\nbudget hihg\n'
UGLY_CRLF = '# keep me\r\ninput   "x"\r\nrequirement "a"   "b"\r\n'


def maestro(*args: str, cwd: Path | None = None, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("MAESTRO_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "maestro_spec", *args], cwd=cwd, input=stdin, capture_output=True, env=env, timeout=60)


def text(proc_bytes: bytes) -> str:
    return proc_bytes.decode("utf-8", "replace")


def no_crash(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode != 70 and b"Traceback" not in proc.stderr and b"internal error" not in proc.stderr, proc.stderr[-2000:]


# ------------------------------------------------------------- huge numbers


def test_a_5000_digit_number_in_a_body_is_e005(tmp_path):
    body = tmp_path / "body.json"
    body.write_text('{"input": "x",\n "n": ' + "7" * 5000 + "}", encoding="utf-8")
    for command in ("check", "decompile"):
        proc = maestro(command, str(body))
        no_crash(proc)
        assert proc.returncode == 1
        assert text(proc.stderr).startswith(f"{body}:2:7: error[E005]: invalid JSON: a number with 5000 digits is too long to read")
        assert len(proc.stderr) < 2000


def test_a_5000_digit_number_in_a_var_file_is_e107(tmp_path):
    spec = tmp_path / "t.maestro"
    spec.write_text('param n\ninput "{{n}}"\n', encoding="utf-8")
    (tmp_path / "vars.json").write_text('{"n": ' + "7" * 5000 + "}", encoding="utf-8")
    proc = maestro("compile", "--var-file", "vars.json", "t.maestro", cwd=tmp_path)
    no_crash(proc)
    assert proc.returncode == 2
    assert "error[E107]: --var-file vars.json: invalid JSON at line 1 column 7: a number with 5000 digits" in text(proc.stderr)


# -------------------------------------------------------------- huge lines


def test_one_finding_on_a_10_mb_line_prints_a_short_window(tmp_path):
    spec = tmp_path / "long.maestro"
    spec.write_text('input "' + "x" * 10_000_000 + '" budget hihg\n', encoding="utf-8")
    proc = maestro("check", str(spec))
    no_crash(proc)
    assert proc.returncode == 1
    assert len(proc.stderr) < 2000
    lines = text(proc.stderr).splitlines()
    assert lines[0] == f"{spec}:1:10000017: error[E240]: unknown budget 'hihg': allowed are low, medium, high"
    assert lines[1].startswith("  1 | \u2026xxx") and lines[1].endswith('x" budget hihg')
    assert lines[2].index("^") == lines[1].index("hihg")


# ------------------------------------------------------------ binary input


@pytest.mark.parametrize("command", ["check", "compile", "fmt"])
def test_a_nul_after_the_first_8_kb_is_a_binary_file(tmp_path, command):
    spec = tmp_path / "late.maestro"
    spec.write_bytes(('input "x"\n' + "# padding\n" * 2000).encode() + b'budget "\x00\x1b[2J"\n')
    proc = maestro(command, str(spec))
    no_crash(proc)
    assert proc.returncode == 2
    assert b"\x00" not in proc.stderr + proc.stdout and b"\x1b" not in proc.stderr + proc.stdout
    assert text(proc.stderr).splitlines()[0] == f"error: {spec}:2002: is a binary file (a NUL byte), not a spec"


def test_control_characters_in_a_spec_are_not_echoed_raw(tmp_path):
    spec = tmp_path / "esc.maestro"
    spec.write_text('input "x"\nbudget hi\x1b]0;pwned\x07gh\n', encoding="utf-8")
    proc = maestro("check", str(spec))
    no_crash(proc)
    assert proc.returncode == 1 and b"\x1b" not in proc.stderr and b"\x07" not in proc.stderr


# ---------------------------------------------------------- fmt: CRLF, BOM


def test_fmt_keeps_crlf_line_ends_throughout(tmp_path):
    spec = tmp_path / "crlf.maestro"
    spec.write_bytes(UGLY_CRLF.encode())
    proc = maestro("fmt", str(spec))
    assert proc.returncode == 0, proc.stderr
    data = spec.read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n") > 0  # no bare LF anywhere
    assert data.decode() == 'input "x"\n'.replace("\n", "\r\n").join(["# keep me\r\n", 'requirement "a" "b"\r\n'])
    again = maestro("fmt", "--check", str(spec))
    assert again.returncode == 0, again.stderr  # formatted CRLF stays formatted


def test_fmt_keeps_a_bom_and_a_long_strings_crlf(tmp_path):
    spec = tmp_path / "bom.maestro"
    source = '\ufeffinput  """\r\n    line one\r\n    line two\r\n    """\r\n'
    spec.write_bytes(source.encode())
    assert maestro("fmt", str(spec)).returncode == 0
    data = spec.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == data.count(b"\n")
    compiled = maestro("compile", str(spec))
    assert json.loads(compiled.stdout)["input"] == "line one\nline two"


def test_fmt_gives_a_mixed_file_its_majority_line_end(tmp_path):
    spec = tmp_path / "mixed.maestro"
    spec.write_bytes(b'input "x"\r\nbudget low\r\nlanguage english\n')
    proc = maestro("fmt", "--check", str(spec))
    assert proc.returncode == 1 and b"would reformat" in proc.stderr
    assert maestro("fmt", str(spec)).returncode == 0
    data = spec.read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n") == 3


def test_fmt_stdin_keeps_crlf(tmp_path):
    proc = maestro("fmt", "-", stdin=UGLY_CRLF.encode())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count(b"\r\n") == proc.stdout.count(b"\n") == 3


def test_fmt_check_exit_1_names_the_file(tmp_path):
    spec = tmp_path / "ugly.maestro"
    spec.write_text('input   "x"\n', encoding="utf-8")
    proc = maestro("fmt", "--check", str(spec))
    assert proc.returncode == 1 and f"would reformat {spec}" in text(proc.stderr)
    assert spec.read_text(encoding="utf-8") == 'input   "x"\n'


# ------------------------------------------------------------------- stdin


def test_check_dash_reads_a_spec_from_stdin():
    proc = maestro("check", "-", stdin=BAD.encode())
    assert proc.returncode == 1
    assert text(proc.stderr).startswith("<stdin>:2:8: error[E240]: unknown budget 'hihg'")
    assert maestro("check", "-", stdin=SPEC.encode()).returncode == 0


def test_check_dash_reads_a_json_body_from_stdin():
    proc = maestro("check", "--output-format", "json", "-", stdin=b'{"input": "x", "budget": "hihg"}')
    assert proc.returncode == 1
    (record,) = map(json.loads, proc.stderr.splitlines())
    assert (record["path"], record["code"], record["json_path"]) == ("<stdin>", "E240", "budget")


# ------------------------------------------------ where diagnostics go: stderr


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_check_diagnostics_go_to_stderr_in_every_format(tmp_path, fmt):
    (tmp_path / "bad.maestro").write_text(BAD, encoding="utf-8")
    proc = maestro("check", "--output-format", fmt, "bad.maestro", cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout == b""
    assert b"E240" in proc.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_compile_diagnostics_go_to_stderr_and_the_body_to_stdout(tmp_path, fmt):
    (tmp_path / "warn.maestro").write_text('param unused\ninput "x"\n', encoding="utf-8")
    proc = maestro("compile", "--output-format", fmt, "warn.maestro", cwd=tmp_path)
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == {"input": "x"}
    assert b"W104" in proc.stderr


def test_fmt_and_decompile_diagnostics_go_to_stderr(tmp_path):
    (tmp_path / "broken.maestro").write_text('input "x\n', encoding="utf-8")
    proc = maestro("fmt", "broken.maestro", cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout == b"" and b"error[E002]" in proc.stderr
    (tmp_path / "bad.json").write_text('{"input": "x", "budget": "hihg"}', encoding="utf-8")
    proc = maestro("decompile", "bad.json", cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout == b"" and b"error[E240]" in proc.stderr


# ------------------------------------------------------------------ --help


@pytest.mark.parametrize("command", ["check", "compile", "fmt", "decompile"])
def test_help_lists_only_the_codes_a_compiler_command_returns(command):
    out = text(maestro(command, "--help").stdout)
    codes = [line.split()[0] for line in out.split("Exit codes:\n")[1].splitlines() if line.split() and line.split()[0].isdigit()]
    assert codes == ["0", "1", "2", "70", "130"]  # 130: Ctrl-C, in any command
    assert "--min-score" not in out.split("Exit codes:")[1]


def test_fmt_help_says_check_exits_1_on_a_file_it_would_change():
    out = " ".join(text(maestro("fmt", "--help").stdout).split())
    assert "1 a file has syntax errors (left alone), or with --check: a file would be reformatted" in out


def test_python_dash_m_maestro_spec_is_the_maestro_command(tmp_path):
    (tmp_path / "ok.maestro").write_text(SPEC, encoding="utf-8")
    proc = maestro("compile", "ok.maestro", cwd=tmp_path)
    assert proc.returncode == 0 and json.loads(proc.stdout)["input"] == "Extract the total"
    assert maestro("--version").stdout.startswith(b"maestro, version ")


def test_exit_70_is_named_in_the_exit_code_module_and_the_readme():
    from maestro_spec.exitcodes import EXIT_INTERNAL, EXIT_MEANINGS

    assert EXIT_INTERNAL == 70 and "internal error" in EXIT_MEANINGS[70]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "| 70 | internal error" in readme
