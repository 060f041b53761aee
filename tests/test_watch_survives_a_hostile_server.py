"""`maestro watch --run` against every fault of the hostile server.

Each mode: watch submits the spec once, a comment-only save follows (the same
request: it is POSTed again only if the first POST certainly created no run,
a refusal; never after a run was, or may have been, created), then, once
watch has said what it makes of that save, Ctrl-C. The process ends
promptly, without a traceback or exit 70, with the
API key and the tool's header credential in no output and no file, and with
the run id recorded whenever the server gave one.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from .hostile_server import HEADER_SECRET, MODES, HostileServer, leaks, records, save_decided, watch_maestro

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
                ran = watch_maestro(server, mode, spec, home, text=SPEC, seconds=SECONDS, settle_limit=SETTLE_LIMIT)
                return mode, (home, ran, server.count(mode, "POST"))

            with ThreadPoolExecutor(WORKERS) as pool:
                yield dict(pool.map(one, MODES))
    finally:
        os.environ.pop(TOKEN_ENV, None)


@pytest.mark.parametrize("mode", list(MODES))
def test_watch_ends_in_time_without_leaking_or_posting_twice(mode, watched):
    home, ran, posts = watched[mode]
    why = f"{mode}: exit {ran.code} in {ran.seconds:.1f} s\n{ran.stdout[-1500:]}\n{ran.stderr[-1500:]}"
    assert leaks(ran, home, HEADER_SECRET) == [], why
    assert ran.seconds < SETTLE_LIMIT + 20, why
    assert save_decided(ran.stdout), f"{mode}: the comment-only save was never decided on\n{why}"
    if posts > 1:  # only a refusal may be sent again
        assert all(r["status"] == "error" and not r.get("run_id") for r in records(home)), f"{mode}: POSTed {posts} times\n{why}"
    recorded = [r for r in records(home) if r.get("run_id")]
    if MODES[mode].run_id is not None and posts:
        assert [r["run_id"] for r in recorded] == [MODES[mode].run_id], why
