"""Load on `maestro serve`: 200 concurrent runs, against a one-run baseline.

    python benchmarks/server_load.py [--runs 200] [--run-seconds 0.5] [--poll 0.05]

Starts `maestro serve` as a subprocess on a free loopback port, then:

1. baseline: one run alone (create, poll to the end), then 50 sequential reads;
2. load: --runs runs created at once and each polled to its end, all concurrently;
   then the same load on a bare ASGI app (benchmarks/bare_asgi.py: canned JSON,
   the same uvicorn settings), printed beside it: the cost of the app itself;
3. load with faults: the same against a second server answering 10% of calls
   429, 5% 500/503 and dropping 2%, the client retrying each faulted call;
4. big runs (--big-runs N, 0 to skip): N runs of about 3.9 MB each, one after
   the other, against a server with --max-store-bytes (--store-mib): its
   peak memory must stay near the store's bound, not grow with N.

Prints throughput, request latency, and the server's resident memory (idle
VmRSS, peak VmHWM from /proc/PID/status), and checks that nothing is lost:
every created run is readable afterwards and has ended, and the server holds
exactly the runs created. Exits 1 if anything is lost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import select
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
RUNS = "/maestro/runs"
TERMINAL = {"completed", "failed", "requires_action"}
RETRYABLE = {429, 500, 503}
MAX_ATTEMPTS = 30


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    retries: int = 0

    def summary(self) -> str:
        lat = sorted(self.latencies)
        p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000  # noqa: E731
        return f"{len(lat)} requests, latency p50 {p(0.5):.1f} ms, p95 {p(0.95):.1f} ms, max {lat[-1] * 1000:.1f} ms"


class Server:
    def __init__(self, *args: str, command: list[str] | None = None) -> None:
        self.proc = subprocess.Popen(
            command or [sys.executable, "-m", "maestro_spec.cli", "serve", "--port", "0", "--quiet", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        match = re.search(r"http://127\.0\.0\.1:\d+/studio/v1", self.proc.stdout.readline() if ready else "")
        if not match:
            self.proc.kill()
            sys.exit("maestro serve did not start")
        self.base_url = match.group(0)

    def memory_kib(self, field_name: str) -> int:
        text = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(rf"^{field_name}:\s+(\d+) kB", text, re.M).group(1))

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        self.proc.stdout.close()


async def call(client: httpx.AsyncClient, stats: Stats, method: str, url: str, **kw) -> httpx.Response:
    """One API call; faulted calls (429, 5xx, dropped) are retried, as they have no effect."""
    for _ in range(MAX_ATTEMPTS):
        started = time.perf_counter()
        try:
            r = await client.request(method, url, **kw)
        except (httpx.RemoteProtocolError, httpx.ReadError):
            stats.retries += 1
            continue
        stats.latencies.append(time.perf_counter() - started)
        if r.status_code not in RETRYABLE:
            return r
        stats.retries += 1
        await asyncio.sleep(min(float(r.headers.get("retry-after", "0")), 0.05))
    raise RuntimeError(f"{method} {url}: still faulted after {MAX_ATTEMPTS} attempts")


async def one_run(client: httpx.AsyncClient, stats: Stats, i: int, poll: float) -> tuple[str, str]:
    body = {"input": f"Summarise report number {i}", "budget": "low"}
    r = await call(client, stats, "POST", RUNS, json=body)
    r.raise_for_status()
    run = r.json()
    while run["status"] not in TERMINAL:
        await asyncio.sleep(poll)
        r = await call(client, stats, "GET", f"{RUNS}/{run['id']}")
        r.raise_for_status()
        run = r.json()
    return run["id"], run["status"]


def client_for(server: Server, n: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    return httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=30, trust_env=False)


# httpcore's pool scans every connection on each request (quadratic with one
# 200-connection client, and the client, not the server, became the
# bottleneck), so runs share small clients instead.
RUNS_PER_CLIENT = 8


async def concurrent_runs(server: Server, n: int, poll: float) -> tuple[float, Stats, list[tuple[str, str]]]:
    stats = Stats()
    clients = [client_for(server, RUNS_PER_CLIENT) for _ in range(-(-n // RUNS_PER_CLIENT))]
    try:
        started = time.perf_counter()
        results = await asyncio.gather(*(one_run(clients[i // RUNS_PER_CLIENT], stats, i, poll) for i in range(n)))
        wall = time.perf_counter() - started
    finally:
        for client in clients:
            await client.aclose()
    return wall, stats, results


async def verify(server: Server, results: list[tuple[str, str]]) -> tuple[list[str], int]:
    """Every run readable and ended, and the server holds exactly these runs."""
    problems = []
    ids = [run_id for run_id, _ in results]
    if len(set(ids)) != len(ids):
        problems.append(f"{len(ids) - len(set(ids))} duplicate run ids")
    stats = Stats()
    async with client_for(server, 50) as client:
        for start in range(0, len(ids), 50):
            batch = ids[start : start + 50]
            responses = await asyncio.gather(*(call(client, stats, "GET", f"{RUNS}/{i}") for i in batch))
            for run_id, r in zip(batch, responses):
                if r.status_code != 200:
                    problems.append(f"run {run_id}: HTTP {r.status_code}")
                elif r.json()["status"] not in TERMINAL:
                    problems.append(f"run {run_id} never ended")
        health = (await client.get(server.base_url.removesuffix("/studio/v1") + "/health")).json()
    return problems, health["runs"]


async def baseline(server: Server, poll: float) -> tuple[float, float]:
    stats = Stats()
    async with client_for(server, 1) as client:
        started = time.perf_counter()
        run_id, _ = await one_run(client, stats, -1, poll)
        single = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(50):
            await call(client, stats, "GET", f"{RUNS}/{run_id}")
        sequential_rps = 50 / (time.perf_counter() - started)
    return single, sequential_rps


async def warm_up(server: Server, poll: float) -> None:
    """One run before the load (the server then holds it too)."""
    async with client_for(server, 1) as client:
        await one_run(client, Stats(), -1, poll)


def phase(label: str, server: Server, n: int, poll: float, single: float, figures: dict | None = None) -> bool:
    cpu = server.cpu_seconds()
    wall, stats, results = asyncio.run(concurrent_runs(server, n, poll))
    cpu = server.cpu_seconds() - cpu
    problems, held = asyncio.run(verify(server, results))
    statuses = {s: sum(1 for _, x in results if x == s) for s in sorted({x for _, x in results})}
    print(f"\n{label}: {n} concurrent runs in {wall:.2f} s")
    print(f"  throughput      {n / wall:.0f} runs/s, {len(stats.latencies) / wall:.0f} requests/s ({stats.summary()})")
    print(f"  vs baseline     {wall / single:.2f}x the wall time of one run alone ({single:.2f} s); ideal is 1x")
    if stats.retries:
        print(f"  faults retried  {stats.retries}")
    print(f"  outcomes        {json.dumps(statuses)}; server holds {held} runs")
    print(f"  server CPU      {cpu:.2f} s ({cpu / len(stats.latencies) * 1000:.2f} ms per request; the client uses the rest)")
    print(f"  server memory   peak VmHWM {server.memory_kib('VmHWM') / 1024:.1f} MiB")
    if figures is not None:
        lat = sorted(stats.latencies)
        figures.update(
            runs_per_s=n / wall,
            requests_per_s=len(lat) / wall,
            p50_ms=lat[len(lat) // 2] * 1000,
            p95_ms=lat[min(len(lat) - 1, int(0.95 * len(lat)))] * 1000,
            cpu_ms=cpu / len(lat) * 1000,
            peak_mib=server.memory_kib("VmHWM") / 1024,
        )
    expected_held = n + 1  # the baseline's run, or the warm-up's
    if held != expected_held:
        problems.append(f"server holds {held} runs, expected {expected_held}")
    for p in problems[:10]:
        print(f"  LOST: {p}")
    print(f"  nothing lost    {'yes' if not problems else f'NO ({len(problems)} problems)'}")
    return not problems


def big_body(i: int) -> dict:
    """A request whose finished run is about 3.9 MB: requirements_result echoes
    ten descriptions of 128 words of 3,000 characters."""
    word = "w" * 3000
    return {
        "input": f"big run {i}",
        "requirements": [{"name": f"r{j}", "description": " ".join([word] * 128)} for j in range(10)],
        "include": ["requirements_result"],
    }


def big_runs(n: int, store_mib: int) -> bool:
    server = Server("--run-seconds", "0", "--max-store-bytes", str(store_mib * 2**20))
    try:
        idle = server.memory_kib("VmRSS")
        started = time.perf_counter()
        payload = json.dumps(big_body(0)).encode()
        stored = 0
        with httpx.Client(base_url=server.base_url, timeout=60, trust_env=False) as client:
            for i in range(n):
                r = client.post(RUNS, content=payload.replace(b"big run 0", f"big run {i}".encode()), headers={"Content-Type": "application/json"})
                stored += r.status_code == 200
            health = client.get(server.base_url.removesuffix("/studio/v1") + "/health").json()
        wall = time.perf_counter() - started
        peak = server.memory_kib("VmHWM") / 1024
        print(f"\nbig runs: {n} runs of {len(payload) / 1e6:.1f} MB in {wall:.1f} s, store bound {store_mib} MiB")
        print(f"  accepted        {stored} of {n}; the server holds {health['runs']} runs, {health['stored_bytes'] / 2**20:.0f} MiB")
        print(f"  server memory   idle VmRSS {idle / 1024:.1f} MiB, peak VmHWM {peak:.1f} MiB")
        ok = stored == n and health["stored_bytes"] <= store_mib * 2**20 and peak < 3 * store_mib + 100
        print(f"  bounded         {'yes' if ok else 'NO'}")
        return ok
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--run-seconds", type=float, default=0.5)
    parser.add_argument("--poll", type=float, default=0.05, help="seconds between polls of one run")
    parser.add_argument("--big-runs", type=int, default=150, help="runs of about 3.9 MB for the memory bound (0: skip)")
    parser.add_argument("--store-mib", type=int, default=256, help="--max-store-bytes of the big-runs server, in MiB")
    args = parser.parse_args()
    rs = ["--run-seconds", str(args.run_seconds)]

    print(f"maestro serve load: {args.runs} runs, run-seconds {args.run_seconds}, poll every {args.poll} s, {os.cpu_count()} cores")
    server = Server(*rs)
    faulty = None
    try:
        idle = server.memory_kib("VmRSS")
        single, sequential_rps = asyncio.run(baseline(server, args.poll))
        print(f"\nbaseline: one run alone {single:.2f} s; sequential reads {sequential_rps:.0f} requests/s")
        print(f"  server memory   idle VmRSS {idle / 1024:.1f} MiB, peak VmHWM {server.memory_kib('VmHWM') / 1024:.1f} MiB")
        ours: dict = {}
        ok = phase("load", server, args.runs, args.poll, single, ours)

        # The same load on a bare ASGI app (canned JSON, the same uvicorn settings): the floor.
        bare = Server(command=[sys.executable, str(ROOT / "benchmarks" / "bare_asgi.py"), str(args.run_seconds)])
        try:
            asyncio.run(warm_up(bare, args.poll))
            floor: dict = {}
            ok = phase("load on a bare ASGI app (the floor)", bare, args.runs, args.poll, single, floor) and ok
        finally:
            bare.stop()
        print("\nmaestro serve beside the bare ASGI app, same load")
        print(f"  {'measure':<22} {'maestro serve':>14} {'bare ASGI':>10} {'ratio':>7}")
        for key, name in (("runs_per_s", "runs/s"), ("requests_per_s", "requests/s"), ("p50_ms", "latency p50 ms"),
                          ("p95_ms", "latency p95 ms"), ("cpu_ms", "server CPU ms/request"), ("peak_mib", "peak memory MiB")):
            print(f"  {name:<22} {ours[key]:>14.2f} {floor[key]:>10.2f} {ours[key] / floor[key]:>6.2f}x")

        faulty = Server(*rs, "--seed", "1", "--rate-limit-rate", "0.1", "--error-rate", "0.05", "--drop-rate", "0.02", "--retry-after", "0.05")
        asyncio.run(warm_up(faulty, args.poll))
        ok = phase("load with faults (10% 429, 5% 5xx, 2% dropped)", faulty, args.runs, args.poll, single) and ok
        if args.big_runs:
            ok = big_runs(args.big_runs, args.store_mib) and ok
    finally:
        server.stop()
        if faulty:
            faulty.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
