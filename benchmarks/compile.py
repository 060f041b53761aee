"""Compile speed: whole processes side by side, then in-process time per spec.

    python benchmarks/compile.py [--runs 21]

Goals (issue 2): the whole `maestro compile` process in under half the time
of `import ai21` (the official SDK's import alone), and an in-process
parse+check+emit of the invoice example under 1 ms.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from maestro_spec.compiler.check import compile_text  # noqa: E402
from maestro_spec.compiler.params import load_vars  # noqa: E402
from maestro_spec.compiler.parse import parse  # noqa: E402

VARS = {
    "summarize-document": dict(var_args=["document=@examples/data/lease.txt"]),
    "support-reply": dict(var_files=["examples/data/ticket.json"]),
}


def wall_ms(cmd: list[str], runs: int) -> list[float]:
    subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)  # warm caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - start) * 1000)
    return times


def per_call_ms(fn, min_seconds: float = 0.3) -> float:
    fn()
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < min_seconds:
        fn()
        n += 1
    return (time.perf_counter() - start) / n * 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=21, help="process runs per command (median reported)")
    args = ap.parse_args()

    py = sys.executable
    commands = {
        "python -c pass": [py, "-c", "pass"],
        "maestro compile examples/invoice.maestro": [py, "-m", "maestro_spec.cli", "compile", "examples/invoice.maestro"],
        "python -c 'import ai21'": [py, "-c", "import ai21"],
    }
    print(f"Whole process, median of {args.runs} runs (p90 in brackets)")
    medians = {}
    for label, cmd in commands.items():
        try:
            times = wall_ms(cmd, args.runs)
        except subprocess.CalledProcessError:
            print(f"  {label:<45} failed (is the ai21 SDK installed? pip install -e '.[dev]')")
            continue
        medians[label] = statistics.median(times)
        p90 = statistics.quantiles(times, n=10)[-1]
        print(f"  {label:<45} {medians[label]:7.1f} ms  [{p90:6.1f}]")

    compile_label, sdk_label, pass_label = list(commands)[1], list(commands)[2], list(commands)[0]
    ok = True
    if compile_label in medians and sdk_label in medians:
        ratio = medians[compile_label] / medians[sdk_label]
        ours = medians[compile_label] - medians.get(pass_label, 0)
        sdk = medians[sdk_label] - medians.get(pass_label, 0)
        print(f"  compile / SDK import: {ratio:.2f}  (goal < 0.50: {'met' if ratio < 0.5 else 'MISSED'})")
        print(f"  above interpreter start-up: compile {ours:.1f} ms, SDK import {sdk:.1f} ms")
        ok &= ratio < 0.5

    print("\nIn process, per spec (parse / parse+check+emit)")
    import os

    os.chdir(ROOT)
    for spec in sorted((ROOT / "examples").glob("*.maestro")):
        text = spec.read_text(encoding="utf-8")
        vars = load_vars(**VARS.get(spec.stem, {}))
        parse_ms = per_call_ms(lambda: parse(text))
        full_ms = per_call_ms(lambda: compile_text(text, vars))
        mark = ""
        if spec.stem == "invoice":
            mark = f"  (goal < 1 ms: {'met' if full_ms < 1 else 'MISSED'})"
            ok &= full_ms < 1
        print(f"  {spec.name:<30} {parse_ms:6.3f} ms / {full_ms:6.3f} ms{mark}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
