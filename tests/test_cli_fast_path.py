"""`maestro compile SPEC` without options writes a clean spec's body without
importing click (maestro_spec/entry.py), and writes exactly what the click
command writes; everything else still goes through click."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

# The click CLI alone, as before the fast path: the reference.
CLICK_ONLY = "import sys; from maestro_spec.cli import run; sys.argv[0] = 'maestro'; run()"
# The console script's entry, reporting afterwards whether click was loaded.
ENTRY = (
    "import atexit, sys\n"
    "atexit.register(lambda: print('CLICK', 'click' in sys.modules, file=sys.stderr))\n"
    "sys.argv[0] = 'maestro'\n"
    "from maestro_spec.entry import start\n"
    "start()\n"
)
SPECS = sorted((ROOT / "examples").glob("*.maestro")) + sorted((ROOT / "tests" / "golden" / "spec_to_json").glob("*.maestro"))


def _run(code: str, *args: str, cwd: Path = ROOT, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, encoding="utf-8", cwd=cwd, input=stdin, timeout=60)


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_compile_writes_what_the_click_command_writes(spec):
    fast, slow = _run(ENTRY, "compile", str(spec)), _run(CLICK_ONLY, "compile", str(spec))
    assert (fast.returncode, fast.stdout) == (slow.returncode, slow.stdout)
    assert fast.stderr.replace("CLICK True\n", "").replace("CLICK False\n", "") == slow.stderr


def test_a_clean_spec_is_compiled_without_click():
    clean = [s for s in SPECS if _run(CLICK_ONLY, "compile", str(s)).stderr == ""]
    assert len(clean) >= 5  # the fast path is the common case, not a corner
    for spec in clean[:3]:
        proc = _run(ENTRY, "compile", str(spec))
        assert proc.returncode == 0 and proc.stdout.startswith("{")
        assert "CLICK False" in proc.stderr, spec


@pytest.mark.parametrize(
    "args",
    [
        ("compile", "examples/invoice.maestro", "--output-format", "json"),  # an option
        ("compile", "-"),  # stdin
        ("compile", "no/such.maestro"),  # click words the error
        ("check", "examples/invoice.maestro"),
        ("compile", "examples/errors/enum-typos.maestro"),  # errors
        ("compile", "examples/errors/unclosed-block.maestro"),  # a syntax error
    ],
)
def test_everything_else_goes_through_click(args, tmp_path):
    if args[-1].startswith("examples/errors") and not (ROOT / args[-1]).exists():
        pytest.skip("no such example")
    stdin = (ROOT / "examples" / "invoice.maestro").read_text(encoding="utf-8") if "-" in args else None
    fast, slow = _run(ENTRY, *args, stdin=stdin), _run(CLICK_ONLY, *args, stdin=stdin)
    assert "CLICK True" in fast.stderr
    assert (fast.returncode, fast.stdout) == (slow.returncode, slow.stdout)
    assert fast.stderr.replace("CLICK True\n", "") == slow.stderr


def test_a_spec_with_a_warning_is_reported_as_before(tmp_path):
    spec = tmp_path / "w.maestro"
    spec.write_text('param unused = "x"\ninput "Say hello."\nbudget low\n', encoding="utf-8")
    fast, slow = _run(ENTRY, "compile", str(spec)), _run(CLICK_ONLY, "compile", str(spec))
    assert fast.stderr.replace("CLICK True\n", "") == slow.stderr and "unused" in slow.stderr
    assert (fast.returncode, fast.stdout) == (slow.returncode, slow.stdout) == (0, slow.stdout)
    assert slow.stdout.startswith("{")


def test_a_closed_pipe_ends_the_fast_path_quietly():
    proc = subprocess.run(
        f"{sys.executable} -m maestro_spec compile examples/invoice.maestro | head -c 1",
        shell=True, capture_output=True, text=True, cwd=ROOT, timeout=60,
    )
    assert proc.stdout == "{" and "Traceback" not in proc.stderr and "Error" not in proc.stderr


@pytest.mark.parametrize("command", ["compile", "check"])
def test_ctrl_c_exits_130_saying_so_on_either_path(command, tmp_path):
    # compile of a clean spec is the click-free path, check goes through click:
    # both end a Ctrl-C with "interrupted" and 130, as the exit-code table says.
    import signal
    import time

    spec = tmp_path / "big.maestro"
    # Many small statements: seconds of parsing, from a file under 1 MB.
    spec.write_text('input "Say hello."\n' + "".join(f'param p{i} = "x"\n' for i in range(40_000)) + "budget low\n", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "maestro_spec", command, str(spec)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    time.sleep(1.0)  # well into the compile (a cold start is ~0.2 s)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().endswith("interrupted") and "Traceback" not in err and "Aborted" not in err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("extra", [(), ("--output-format", "text")], ids=["fast path", "click"])
def test_a_full_disk_is_a_usage_error_saying_so(extra):
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "maestro_spec", "compile", *extra, "examples/invoice.maestro"], stdout=full, stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr == "error: cannot write the output: No space left on device\n"
