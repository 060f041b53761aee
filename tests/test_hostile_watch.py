"""`maestro watch --run` against every fault of the hostile server.

Each mode: watch submits the spec once, a comment-only save follows (the same
request: it is POSTed again only if the first POST certainly created no run,
a refusal; never after a run was, or may have been, created), then Ctrl-C. The process ends promptly, without a traceback or exit 70, with the
API key and the tool's header credential in no output and no file, and with
the run id recorded whenever the server gave one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from .hostile_server import HEADER_SECRET, MODES, HostileServer, Ran, _env, leaks, records

SECONDS = 4.0  # watch's --timeout for each run
SETTLE_LIMIT = 25.0  # the most a first run may take to leave `submitting` (slow modes end at --timeout)
WORKERS = 4
TOKEN_ENV = "HOSTILE_TOOL_TOKEN"

# A spec whose request carries a credential from the environment.
SPEC = """\
input "Extract the vendor name from the invoice."
tool mcp billing {
    url     "https://mcp.example.com/sse"
    headers { Authorization "Bearer {{env.%s}}" }
}
""" % TOKEN_ENV


def _watch(server: HostileServer, mode: str, spec, home) -> Ran:
    """`maestro watch SPEC --run` until its first run has left `submitting`
    (or SETTLE_LIMIT), then a comment-only save, then Ctrl-C: the steps wait
    for what they need, so a slow machine only makes them slower."""
    args = ["watch", str(spec), "--run", "--base-url", server.base_url(mode), "--timeout", str(SECONDS)]
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "maestro_spec.cli", *args], env=_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out_chunks, err_chunks = [], []
    readers = [threading.Thread(target=lambda f=f, c=c: c.append(f.read())) for f, c in ((proc.stdout, out_chunks), (proc.stderr, err_chunks))]
    for t in readers:
        t.start()

    def settled() -> bool:
        recs = records(home)
        return bool(recs) and all(r.get("status") != "submitting" for r in recs)

    while time.monotonic() - started < SETTLE_LIMIT and proc.poll() is None and not settled():
        time.sleep(0.1)
    spec.write_text("# a comment changes nothing\n" + SPEC, encoding="utf-8")
    time.sleep(1.5)  # the save's rebuild: it must submit nothing
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    for t in readers:
        t.join()
    out = b"".join(out_chunks).decode("utf-8", "replace")
    err = b"".join(err_chunks).decode("utf-8", "replace")
    return Ran(args, proc.returncode, out, err, time.monotonic() - started)


@pytest.fixture(scope="module")
def watched(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile-watch")
    os.environ[TOKEN_ENV] = HEADER_SECRET  # the watch processes inherit it
    try:
        with HostileServer() as server:

            def one(mode: str):
                home = base / mode
                home.mkdir()
                spec = home / "a.maestro"
                spec.write_text(SPEC, encoding="utf-8")
                ran = _watch(server, mode, spec, home)
                return mode, (home, ran, server.count(mode, "POST"))

            with ThreadPoolExecutor(WORKERS) as pool:
                yield dict(pool.map(one, MODES))
    finally:
        os.environ.pop(TOKEN_ENV, None)


@pytest.mark.parametrize("mode", list(MODES))
def test_watch_holds(mode, watched):
    home, ran, posts = watched[mode]
    why = f"{mode}: exit {ran.code} in {ran.seconds:.1f} s\n{ran.stdout[-1500:]}\n{ran.stderr[-1500:]}"
    assert leaks(ran, home, HEADER_SECRET) == [], why
    assert ran.seconds < SETTLE_LIMIT + 20, why
    if posts > 1:  # only a refusal may be sent again
        assert all(r["status"] == "error" and not r.get("run_id") for r in records(home)), f"{mode}: POSTed {posts} times\n{why}"
    recorded = [r for r in records(home) if r.get("run_id")]
    if MODES[mode].run_id is not None and posts:
        assert [r["run_id"] for r in recorded] == [MODES[mode].run_id], why
