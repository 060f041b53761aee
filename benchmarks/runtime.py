"""The runtime against the official SDK, on the same local server.

    python benchmarks/runtime.py [--reps 3] [--runs 200] [--quick]

1. Notice latency and GETs per run, for runs of 0.5, 2, 10 and 30 simulated
   seconds: `maestro_spec.runtime.execute` (the adaptive schedule) beside the
   SDK's `AI21Client.beta.maestro.runs.create_and_poll` (a GET every 1 s).
   Latency = (result in hand) - (call started) - (run length): it includes
   the POST's round trip for both.

   A fixed 1 s poll lines up with whole-second runs (its GET at 2.00x s finds
   a 2 s run just done), which flatters it: real run lengths do not fall on
   whole seconds. So each length is also run shifted by 0.25, 0.5 and 0.75 s,
   and the "all phases" columns average the four.

2. 200 concurrent runs (of 2 s, then of 10 s): wall time and client CPU per run for
   `maestro run -j 64` (200 spec files, as a user would) beside an
   AsyncAI21Client with asyncio.gather over create_and_poll; plus
   `maestro run -j 200` for the same concurrency as the gather. Each client
   is its own process; CPU is that process's user+sys (getrusage), start-up
   included.

3. Client CPU per request (`--cpu-only` runs just this, in seconds): 500 GETs
   of one run, one after another, by our MaestroClient.retrieve and by the
   SDK's AsyncAI21Client runs.retrieve, each in its own child process;
   CPU is time.process_time() around the loop only (no start-up).

The server runs in a separate process (one per part), so its CPU is not
counted against either client. Only 127.0.0.1 traffic. Takes about 5 minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import select
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from maestro_spec.compiler.check import compile_text  # noqa: E402

# The API reference's invoice example, as the repo ships it.
INVOICE = (ROOT / "examples" / "invoice.maestro").read_text(encoding="utf-8")
REQUEST = compile_text(INVOICE).request
assert REQUEST is not None, "examples/invoice.maestro does not compile"


def spec_text(n: int) -> str:
    """The invoice spec with its own input, so that no two of a batch's runs are the same request."""
    changed = INVOICE.replace("from the document", f"from document {n}")
    assert changed != INVOICE, "examples/invoice.maestro no longer says 'from the document'"
    return changed


SERVERS_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from maestro_spec.server.config import ServerConfig
    from maestro_spec.server.embedded import LocalServer
    servers = [LocalServer(ServerConfig(run_seconds=float(s), max_runs=100000)).start() for s in sys.argv[1:]]
    print(json.dumps([s.base_url for s in servers]), flush=True)
    sys.stdin.read()  # until the benchmark closes our stdin
    for s in servers:
        s.stop()
    """
)

SDK_GATHER_SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys
    from ai21 import AsyncAI21Client
    base_url, n, request = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
    async def main():
        client = AsyncAI21Client(api_key="bench-not-a-key", api_host=base_url)
        bodies = [dict(request, input=f"{request['input']} {i}") for i in range(n)]
        runs = await asyncio.gather(*(client.beta.maestro.runs.create_and_poll(**b) for b in bodies))
        print(json.dumps([r.status for r in runs]))
    asyncio.run(main())
    """
)


class Servers:
    """Local servers (one per run length) in one child process."""

    def __init__(self, run_seconds: list[float]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVERS_SCRIPT, *map(str, run_seconds)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        if not ready:
            self.proc.kill()
            raise SystemExit("the local servers did not start")
        self.urls = json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# ------------------------------------------------------------------ part 1: one run, notice latency


def sdk_run(base_url: str, seconds: float) -> tuple[float, int]:
    from ai21 import AI21Client

    gets = 0

    def count(request):
        nonlocal gets
        gets += request.method == "GET"

    with httpx.Client(event_hooks={"request": [count]}) as http:
        client = AI21Client(api_key="bench-not-a-key", api_host=base_url, http_client=http)
        t0 = time.perf_counter()
        run = client.beta.maestro.runs.create_and_poll(**REQUEST)
        took = time.perf_counter() - t0
    assert run.status == "completed", run.status
    return took - seconds, gets


async def our_run(client, store, settings, seconds: float) -> tuple[float, int]:
    from maestro_spec.runtime import execute

    t0 = time.perf_counter()
    outcome = await execute(REQUEST, settings=settings, client=client, store=store)
    took = time.perf_counter() - t0
    assert outcome.exit_code == 0, outcome.verdict
    return took - seconds, outcome.gets


def measure_ours(durations: list[float], urls: list[str], reps: int, home: Path) -> dict[float, list]:
    """All cells at once in one event loop; clients are made before the clock starts."""
    from maestro_spec.runtime import RunSettings
    from maestro_spec.runtime.poll import make_client
    from maestro_spec.runtime.store import RunStore

    async def go():
        store = RunStore(home)
        cells = []
        for d, url in zip(durations, urls):
            settings = RunSettings(base_url=url, store_root=home)
            cells.append((d, settings, make_client(settings)))
        jobs = [(d, our_run(client, store, settings, d)) for d, settings, client in cells for _ in range(reps)]
        results = await asyncio.gather(*(j for _, j in jobs))
        for _, _, client in cells:
            await client.aclose()
        out: dict[float, list] = {d: [] for d in durations}
        for (d, _), r in zip(jobs, results):
            out[d].append(r)
        return out

    return asyncio.run(go())


def measure_sdk(durations: list[float], urls: list[str], reps: int) -> dict[float, list]:
    """All cells at once, one thread per run, as create_and_poll blocks."""
    out: dict[float, list] = {d: [] for d in durations}
    threads = []
    for d, url in zip(durations, urls):
        for _ in range(reps):
            t = threading.Thread(target=lambda d=d, url=url: out[d].append(sdk_run(url, d)))
            t.start()
            threads.append(t)
    for t in threads:
        t.join()
    return out


def latency_part(lengths: list[float], phases: list[float], reps: int) -> None:
    print(f"1. Notice latency (run end to result in hand) and GETs per run; mean of {reps} runs per cell; ours, then the SDK's, not at once")
    print(f"   {'run':>6} | {'ours: latency':>14} {'GETs':>5} | {'SDK: latency':>13} {'GETs':>5} || all phases: {'ours':>7} {'GETs':>5} | {'SDK':>7} {'GETs':>5}")
    home = Path(tempfile.mkdtemp(prefix="maestro-bench-"))
    for length in lengths:
        durations = [length + p for p in phases]
        servers = Servers(durations)
        try:
            ours = measure_ours(durations, servers.urls, reps, home)
            sdk = measure_sdk(durations, servers.urls, reps)
        finally:
            servers.close()

        def mean(cells, i):
            return statistics.fmean(x[i] for x in cells)

        exact = length
        everything_ours = [x for d in durations for x in ours[d]]
        everything_sdk = [x for d in durations for x in sdk[d]]
        print(
            f"   {length:>5g}s | {mean(ours[exact], 0) * 1000:>11.0f} ms {mean(ours[exact], 1):>5.1f} | "
            f"{mean(sdk[exact], 0) * 1000:>10.0f} ms {mean(sdk[exact], 1):>5.1f} || "
            f"{mean(everything_ours, 0) * 1000:>9.0f} ms {mean(everything_ours, 1):>4.1f} | "
            f"{mean(everything_sdk, 0) * 1000:>4.0f} ms {mean(everything_sdk, 1):>4.1f}",
            flush=True,
        )


# ------------------------------------------------------------------ part 2: 200 at once


def timed_child(args: list[str], env: dict | None = None) -> tuple[float, float, subprocess.CompletedProcess]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done


def concurrency_part(n: int, seconds: float) -> None:
    print(f"\n2. {n} concurrent runs of {seconds:g} s each: wall time and client CPU (process user+sys, start-up included)")
    servers = Servers([seconds])
    url = servers.urls[0]
    try:
        work = Path(tempfile.mkdtemp(prefix="maestro-bench-"))
        specs = []
        for i in range(n):
            path = work / f"spec{i:03d}.maestro"
            path.write_text(spec_text(i))
            specs.append(str(path))
        env = {"MAESTRO_HOME": str(work / "home"), "AI21_API_KEY": ""}
        rows = []
        for jobs in (64, n):
            wall, cpu, done = timed_child([sys.executable, "-m", "maestro_spec.cli", "run", *specs, "--base-url", url, "-j", str(jobs), "--json"], env)
            if done.returncode != 0:
                raise SystemExit(f"maestro run failed ({done.returncode}): {done.stderr[-500:]}")
            statuses = [d["status"] for d in json.loads(done.stdout)]
            assert statuses.count("completed") == n, statuses
            rows.append((f"maestro run -j {jobs}", wall, cpu))
        wall, cpu, done = timed_child([sys.executable, "-c", SDK_GATHER_SCRIPT, url, str(n), json.dumps(REQUEST)])
        if done.returncode != 0:
            raise SystemExit(f"the SDK gather failed: {done.stderr[-800:]}")
        assert json.loads(done.stdout).count("completed") == n
        rows.append((f"AsyncAI21Client gather({n})", wall, cpu))
    finally:
        servers.close()
    print(f"   {'client':<28} {'wall':>8} {'CPU total':>10} {'CPU/run':>9}")
    for name, wall, cpu in rows:
        print(f"   {name:<28} {wall:>6.2f} s {cpu:>8.2f} s {cpu / n * 1000:>6.1f} ms")


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
        for name, script in (("MaestroClient.retrieve", OURS_GETS_SCRIPT), ("AsyncAI21Client runs.retrieve", SDK_GETS_SCRIPT)):
            done = subprocess.run([sys.executable, "-c", script, servers.urls[0], str(n)], cwd=ROOT, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"{name} failed: {done.stderr[-800:]}")
            print(f"   {name:<32} {float(done.stdout) / n * 1000:6.2f} ms CPU per GET")
    finally:
        servers.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=3, help="runs per cell in part 1")
    parser.add_argument("--runs", type=int, default=200, help="concurrent runs in part 2")
    parser.add_argument("--quick", action="store_true", help="only 0.5 s and 2 s runs in part 1 (a smoke test)")
    parser.add_argument("--cpu-only", action="store_true", help="only part 3, CPU per request")
    args = parser.parse_args()
    if args.cpu_only:
        cpu_part()
        return
    lengths = [0.5, 2.0] if args.quick else [0.5, 2.0, 10.0, 30.0]
    latency_part(lengths, [0.0, 0.25, 0.5, 0.75], args.reps)
    for seconds in (2.0, 10.0):
        concurrency_part(args.runs, seconds)
    cpu_part()


if __name__ == "__main__":
    main()
