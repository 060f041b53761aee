"""The runtime against the official SDK, on the same local server, counted at the server.

    python benchmarks/runtime.py [--rounds 3] [--reps 2] [--scale 1] [--quick] [--cpu-only]

Every GET and every notice latency below is counted by the server
(benchmarks/counting.py): the latency is the start of the answer to the
first GET that says the run has ended, minus the run's end by the server's
clock. No figure comes from a client's own counters.

1. One run per cell, runs of 2, 5, 10 and 30 s, each also shifted by 0.25, 0.5
   and 0.75 s (a fixed 1 s grid lines up with whole seconds; real runs do not;
   figures average the four phases). Per round, every cell at once: our
   `execute` with an empty store (no history), our `execute` with a store that
   keeps every round's records (history: the first round has none, so its
   figures are from rounds 2 on), and the SDK's AsyncAI21Client.create_and_poll.
2. N = 50 and 200 (and 1000 with --full) concurrent runs of 2 s: `maestro run -j N` over N spec
   files with an empty MAESTRO_HOME, the same again (history: the first batch's
   records), and AsyncAI21Client + asyncio.gather of N create_and_poll; each
   its own process, in alternating order per repetition. Client CPU
   (user+sys, start-up included) and peak resident memory come from the
   child's own rusage (os.wait4, by a small launcher process); GETs and
   latency from the server.
3. (--cpu-only runs just this) client CPU per request: 500 GETs of one run,
   one after another, by MaestroClient.retrieve and by the SDK's runs.retrieve.

--scale shortens every run length (and the 2 s of part 2) by that factor,
for a quick look; the SDK's 1 s interval does not scale, so only --scale 1
compares the schedules as they are. The server runs in its own process, so
its CPU counts against neither client. Only 127.0.0.1 traffic. The default
takes about 3 minutes (on a quiet 2-core machine); --quick about 40 s;
--full adds N = 1000, where the SDK's gather saturates a core for minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from maestro_spec.compiler.pipeline import compile_text  # noqa: E402

# The API reference's invoice example, as the repo ships it.
INVOICE = (ROOT / "examples" / "invoice.maestro").read_text(encoding="utf-8")
REQUEST = compile_text(INVOICE).request
assert REQUEST is not None, "examples/invoice.maestro does not compile"


def spec_text(n: int) -> str:
    """The invoice spec with its own input, so that no two of a batch's runs are the same request."""
    changed = INVOICE.replace("from the document", f"from document {n}")
    assert changed != INVOICE, "examples/invoice.maestro no longer says 'from the document'"
    return changed


class Servers:
    """Counting servers (one per run length) in one child process."""

    def __init__(self, run_seconds: list[float]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "benchmarks" / "counting.py"), *map(str, run_seconds)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        if not ready:
            self.proc.kill()
            raise SystemExit("the counting servers did not start")
        self.urls = json.loads(self.proc.stdout.readline())

    @staticmethod
    def root(url: str) -> str:
        return url.rsplit("/studio/v1", 1)[0]

    def reset(self) -> None:
        for url in self.urls:
            httpx.post(self.root(url) + "/bench/reset", timeout=30)

    def stats(self, url: str) -> dict:
        return httpx.get(self.root(url) + "/bench/stats", timeout=30).json()

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def ratio(ours: float, sdk: float) -> str:
    return f"{ours / sdk:5.2f}x" if sdk else "   n/a"


def mean(values) -> float:
    values = list(values)
    return statistics.fmean(values) if values else float("nan")


# ------------------------------------------------------------------ part 1: GETs and notice latency by run length


async def _ours(url: str, home: Path) -> str:
    from maestro_spec.runtime import RunSettings, execute

    outcome = await execute(REQUEST, settings=RunSettings(base_url=url, store_root=home))
    assert outcome.exit_code == 0, outcome.verdict
    return outcome.run_id


async def _sdk(url: str) -> str:
    from ai21 import AsyncAI21Client

    client = AsyncAI21Client(api_key="bench-not-a-key", api_host=url)
    run = await client.beta.maestro.runs.create_and_poll(**REQUEST)
    assert run.status == "completed", run.status
    return run.id


def latency_part(lengths: list[float], phases: list[float], rounds: int) -> None:
    durations = [length + p for length in lengths for p in phases]
    print(
        f"1. One run per cell: GETs and notice latency counted at the server; mean over {len(phases)} phases "
        f"({', '.join(f'+{p:g}' for p in phases)} s) and {rounds} rounds (history: rounds 2-{rounds})"
    )
    print(f"   {'run':>5} | {'SDK GETs':>8} {'latency':>8} | {'ours GETs':>9} {'latency':>8} {'GETs/SDK':>8} | "
          f"{'history GETs':>12} {'latency':>8} {'GETs/SDK':>8}")
    servers = Servers(durations)
    remembered = Path(tempfile.mkdtemp(prefix="maestro-bench-history-"))
    cells: dict[str, dict[float, list]] = {"sdk": {}, "ours": {}, "history": {}}
    try:
        for r in range(rounds):
            fresh = Path(tempfile.mkdtemp(prefix="maestro-bench-fresh-"))
            servers.reset()

            async def one_round():
                jobs = []
                for d, url in zip(durations, servers.urls):
                    jobs += [("sdk", d, url, _sdk(url)), ("ours", d, url, _ours(url, fresh)), ("history", d, url, _ours(url, remembered))]
                ids = await asyncio.gather(*(j[3] for j in jobs))
                return [(who, d, url, run_id) for (who, d, url, _), run_id in zip(jobs, ids)]

            done = asyncio.run(one_round())
            stats = {url: servers.stats(url)["runs"] for url in servers.urls}
            for who, d, url, run_id in done:
                if who == "history" and r == 0 and rounds > 1:
                    continue  # no history yet: this round only primes it
                cells[who].setdefault(d, []).append(stats[url][run_id])
            shutil.rmtree(fresh, ignore_errors=True)
    finally:
        servers.close()
        shutil.rmtree(remembered, ignore_errors=True)
    for length in lengths:
        row = {}
        for who in cells:
            seen = [x for p in phases for x in cells[who].get(length + p, [])]
            row[who] = (mean(g for g, _ in seen), mean(lat for _, lat in seen) * 1000)
        (sg, sl), (og, ol), (hg, hl) = row["sdk"], row["ours"], row["history"]
        print(
            f"   {length:>4g}s | {sg:>8.1f} {sl:>5.0f} ms | {og:>9.1f} {ol:>5.0f} ms {ratio(og, sg):>8} | "
            f"{hg:>12.1f} {hl:>5.0f} ms {ratio(hg, sg):>8}",
            flush=True,
        )


# ------------------------------------------------------------------ part 2: N at once, each client a process

SDK_GATHER_SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys
    from ai21 import AsyncAI21Client
    base_url, n, request = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
    async def main():
        client = AsyncAI21Client(api_key="bench-not-a-key", api_host=base_url)
        bodies = [dict(request, input=request["input"].replace("from the document", f"from document {i}")) for i in range(n)]
        runs = await asyncio.gather(*(client.beta.maestro.runs.create_and_poll(**b) for b in bodies))
        print(json.dumps([r.status for r in runs]))
    asyncio.run(main())
    """
)


# Linux counts the memory of the process that exec()ed into a child in the
# child's peak RSS, so a child forked from this (large) process would report
# this process's size. A small launcher forks each child instead, and reports
# the child's own rusage.
LAUNCHER = textwrap.dedent(
    """
    import json, os, subprocess, sys
    proc = subprocess.Popen(sys.argv[2:])
    _, status, usage = os.wait4(proc.pid, 0)
    with open(sys.argv[1], "w") as f:
        json.dump([usage.ru_utime + usage.ru_stime, usage.ru_maxrss, os.waitstatus_to_exitcode(status)], f)
    """
)


def timed_child(args: list[str], env: dict | None = None) -> tuple[float, float, float, str, str, int]:
    """wall s, CPU s (user+sys), peak RSS MiB, stdout, stderr, exit code: the child's own rusage."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "rusage.json"
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", LAUNCHER, str(report), *args],
            cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True,
        )
        wall = time.perf_counter() - t0
        if not report.exists():
            raise SystemExit(f"the launcher failed: {done.stderr[-800:]}")
        cpu, rss_kib, code = json.loads(report.read_text())
        return wall, cpu, rss_kib / 1024, done.stdout, done.stderr, code


def concurrency_part(ns: list[int], seconds: float, reps: int) -> None:
    print(f"\n2. N concurrent runs of {seconds:g} s; client CPU (user+sys, start-up included) and peak RSS from the child's rusage;"
          f" GETs and latency at the server; mean of {reps} repetitions, order alternating")
    servers = Servers([seconds])
    url = servers.urls[0]
    work = Path(tempfile.mkdtemp(prefix="maestro-bench-"))
    try:
        specs = []
        for i in range(max(ns)):
            path = work / f"spec{i:04d}.maestro"
            path.write_text(spec_text(i))
            specs.append(str(path))
        print(f"   {'N':>5} {'client':<24} {'wall':>7} {'CPU':>7} {'CPU/run':>8} {'vs SDK':>7} {'peak RSS':>9} {'vs SDK':>7} "
              f"{'GETs/run':>8} {'vs SDK':>7} {'latency':>8}")
        for n in ns:
            rows: dict[str, list] = {"SDK gather": [], f"maestro run -j {n}": [], "  same, with history": []}
            for rep in range(reps):
                home = work / f"home-{n}-{rep}"
                ours_cmd = [sys.executable, "-m", "maestro_spec.cli", "run", *specs[:n], "--base-url", url, "-j", str(n), "--json"]
                env = {"MAESTRO_HOME": str(home), "AI21_API_KEY": ""}
                sdk = ("SDK gather", [sys.executable, "-c", SDK_GATHER_SCRIPT, url, str(n), json.dumps(REQUEST)], None)
                plain = (f"maestro run -j {n}", ours_cmd, env)
                again = ("  same, with history", ours_cmd, env)
                order = [sdk, plain, again] if rep % 2 == 0 else [plain, again, sdk]
                for name, cmd, child_env in order:
                    servers.reset()
                    wall, cpu, rss, out, err, code = timed_child(cmd, child_env)
                    if code != 0:
                        raise SystemExit(f"{name} failed ({code}): {err[-800:]}")
                    statuses = json.loads(out)
                    statuses = [s if isinstance(s, str) else s["status"] for s in statuses]
                    assert statuses.count("completed") == n, statuses[:5]
                    seen = list(servers.stats(url)["runs"].values())
                    assert len(seen) == n, (name, len(seen))
                    rows[name].append((wall, cpu, rss, mean(g for g, _ in seen), mean(lat for _, lat in seen)))
                shutil.rmtree(home, ignore_errors=True)
            base = [mean(x[i] for x in rows["SDK gather"]) for i in range(5)]
            for name, values in rows.items():
                wall, cpu, rss, gets, lat = (mean(x[i] for x in values) for i in range(5))
                print(
                    f"   {n:>5} {name:<24} {wall:>5.2f} s {cpu:>5.2f} s {cpu / n * 1000:>5.1f} ms {ratio(cpu, base[1]):>7} "
                    f"{rss:>5.0f} MiB {ratio(rss, base[2]):>7} {gets:>8.2f} {ratio(gets, base[3]):>7} {lat * 1000:>5.0f} ms",
                    flush=True,
                )
    finally:
        servers.close()
        shutil.rmtree(work, ignore_errors=True)


# ------------------------------------------------------------------ part 3: CPU per request

OURS_GETS_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys, time
    from maestro_spec.runtime.client import MaestroClient
    base_url, n = sys.argv[1], int(sys.argv[2])
    async def main():
        async with MaestroClient(base_url) as client:
            run = await client.create({"input": "Say hello"})
            await client.retrieve(run.id)  # connection made, caches warm
            t0 = time.process_time()
            for _ in range(n):
                await client.retrieve(run.id)
            print(time.process_time() - t0)
    asyncio.run(main())
    """
)

SDK_GETS_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys, time
    from ai21 import AsyncAI21Client
    base_url, n = sys.argv[1], int(sys.argv[2])
    async def main():
        client = AsyncAI21Client(api_key="bench-not-a-key", api_host=base_url)
        run = await client.beta.maestro.runs.create(input="Say hello")
        await client.beta.maestro.runs.retrieve(run.id)
        t0 = time.process_time()
        for _ in range(n):
            await client.beta.maestro.runs.retrieve(run.id)
        print(time.process_time() - t0)
    asyncio.run(main())
    """
)


def cpu_part(n: int = 500) -> None:
    print(f"\n3. client CPU per GET ({n} GETs of one run, one after another; the loop only)")
    servers = Servers([600.0])
    try:
        results = {}
        for name, script in (("AsyncAI21Client runs.retrieve", SDK_GETS_SCRIPT), ("MaestroClient.retrieve", OURS_GETS_SCRIPT)):
            done = subprocess.run([sys.executable, "-c", script, servers.urls[0], str(n)], cwd=ROOT, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"{name} failed: {done.stderr[-800:]}")
            results[name] = float(done.stdout) / n * 1000
        sdk = results["AsyncAI21Client runs.retrieve"]
        for name, ms in results.items():
            print(f"   {name:<32} {ms:6.2f} ms CPU per GET {ratio(ms, sdk)}")
    finally:
        servers.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds of part 1 (history figures from round 2 on)")
    parser.add_argument("--reps", type=int, default=2, help="repetitions of each client in part 2")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every run length by this (shorter, less faithful)")
    parser.add_argument("--quick", action="store_true", help="2 and 5 s runs, 2 phases, N = 50 only (about 40 s)")
    parser.add_argument("--cpu-only", action="store_true", help="only part 3, CPU per request")
    parser.add_argument("--part", type=int, choices=(1, 2, 3), help="run one part only")
    parser.add_argument("--full", action="store_true", help="also N = 1000 in part 2 (the SDK alone takes 1-3 minutes there)")
    args = parser.parse_args()
    if args.cpu_only:
        args.part = 3
    lengths = [2.0, 5.0] if args.quick else [2.0, 5.0, 10.0, 30.0]
    phases = [0.0, 0.5] if args.quick else [0.0, 0.25, 0.5, 0.75]
    ns = [50] if args.quick else [50, 200, 1000] if args.full else [50, 200]
    reps = 1 if args.quick else args.reps
    if args.part in (None, 1):
        latency_part([x * args.scale for x in lengths], [p * args.scale for p in phases], 2 if args.quick else args.rounds)
    if args.part in (None, 2):
        concurrency_part(ns, 2.0 * args.scale, reps)
    if args.part in (None, 3):
        cpu_part()


if __name__ == "__main__":
    main()
