"""Watch mode: re-check a spec on every save; with run=True, run only what changed.

    summary = watch("invoice.maestro", run=True, settings=settings, out=sys.stdout)

The CLI (`maestro watch`) calls watch(); tests drive it in a thread and set
`stop_event` to end it, which is also what Ctrl-C does.

How it stays fast and thrifty:
- It watches the *directories* of the spec and of every file the spec's
  values come from (`--var-file`, `--var NAME=@file`: load_vars reports them
  in Vars.files), not the files: an editor's atomic save (write a temp file,
  rename it over the spec) and a delete followed by a re-create are both just
  events in the directory. Events for other files there are filtered out.
- Events closer together than STEP_MS form one batch (watchfiles), and a
  batch rebuilds only if some watched file's bytes changed, so a burst of
  save events, or a touch, costs at most one rebuild.
- A rebuild reads every file again from disk; nothing is carried over.
- A run is submitted only when the compiled request differs from the last
  one submitted, after it has stayed the same for `settle` seconds (so a
  burst of autosaves costs one run), and at most `max_runs` times.
- A run still polling when a different request arrives is abandoned: its
  polling is cancelled (the runtime's record keeps its id) and its result is
  never shown. An edit that makes the spec invalid does not abandon it (the
  run may be current again after the next save); its result is then labelled
  as belonging to the earlier rebuild.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import stat
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..compiler.sources import InputFileError, compile_path
from ..compiler.diagnostics import Diagnostic, count_errors
from ..compiler.params import load_vars
from .defaults import DEFAULT_MAX_RUNS, DEFAULT_SETTLE
from .watchrun import Runner
from .watchview import LogView, TerminalView, View

# watchfiles collects events until none arrives for one step; a save is seen
# 1-2 steps after it happens. 10 ms keeps save-to-diagnostics well under 50 ms
# and costs under 1 % of a core while idle (benchmarks/watch.py measures it).
STEP_MS = 10
# ... but while events keep coming, a batch is cut after this long.
DEBOUNCE_MS = 400
# How often the watcher wakes without events to check that the watched
# directories are still the same ones (a directory deleted and re-created).
RECHECK_MS = 1000
TICK_SECONDS = 0.2  # the terminal's run status line (spinner, elapsed time)
# A spec or var file larger than this is not read: no spec is near it, and a
# file swapped for something huge must not stall (or exhaust) the loop.
MAX_INPUT_BYTES = 32 * 1024 * 1024


@dataclass
class Build:
    """One check of the spec, as read from disk at that moment."""

    number: int  # 0: the check at start
    path: str
    changed: tuple[str, ...]
    at: float  # time.time()
    seconds: float = 0.0
    text: str | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    request: dict | None = None  # set only when there are no errors
    problem: str | None = None  # the spec cannot be read

    @property
    def errors(self) -> int:
        return count_errors(self.diagnostics)

    @property
    def warnings(self) -> int:
        return len(self.diagnostics) - self.errors


@dataclass
class WatchSummary:
    run_mode: bool = False
    rebuilds: int = 0
    saves_ignored: int = 0  # events after which no watched file's bytes had changed
    runs_submitted: int = 0
    runs_unchanged: int = 0
    runs_abandoned: int = 0
    runs_held: int = 0  # changed requests not submitted because of --max-runs
    run_ids: list[str] = field(default_factory=list)
    seconds: float = 0.0
    terminated: bool = False  # stopped by SIGTERM rather than Ctrl-C

    def line(self) -> str:
        def n(count: int, word: str) -> str:
            return f"{count} {word}{'' if count == 1 else 's'}"

        parts = [n(self.rebuilds, "rebuild")]
        if self.run_mode:
            parts += [f"{n(self.runs_submitted, 'run')} submitted", f"{self.runs_unchanged} skipped as unchanged"]
            if self.runs_abandoned:
                parts.append(f"{self.runs_abandoned} abandoned")
            if self.runs_held:
                parts.append(f"{self.runs_held} held back by --max-runs")
        return ", ".join(parts)


class _Inputs:
    """The files a build reads, by absolute path, and what their bytes were."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self.paths: dict[str, str] = {os.path.abspath(spec): spec}
        self.digests: dict[str, bytes | None] = {}

    def follow(self, files: list[Path]) -> None:
        self.paths = {}
        for shown in [self.spec, *map(str, files)]:
            self.paths.setdefault(os.path.abspath(shown), shown)
            # A symlink's target may be edited where it lives: watch there too.
            self.paths.setdefault(os.path.realpath(shown), shown)

    def dirs(self) -> set[str]:
        return {os.path.dirname(p) for p in self.paths}

    def relevant(self, _change, path: str) -> bool:
        return os.path.abspath(path) in self.paths

    def changed(self) -> tuple[str, ...]:
        """The files whose bytes differ from last time (and remember the new ones)."""
        now = {path: _digest(path) for path in self.paths}
        changed = [shown for path, shown in self.paths.items() if now[path] != self.digests.get(path, b"?")]
        self.digests = now
        return tuple(dict.fromkeys(changed))


def _digest(path: str) -> bytes | None:
    """What the file's bytes are now, read without ever blocking: a FIFO or a
    device (a spec replaced by one, or a symlink to /dev/zero) is not read,
    only told apart by its identity; a regular file is read up to the cap."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None  # missing or unreadable: the build says why
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_INPUT_BYTES:
            return f"special:{st.st_mode}:{st.st_dev}:{st.st_ino}:{st.st_size}".encode()
        with os.fdopen(fd, "rb", closefd=False) as f:
            return hashlib.blake2b(f.read(MAX_INPUT_BYTES + 1), digest_size=16).digest()
    except OSError:
        return None
    finally:
        os.close(fd)


_KINDS = (
    (stat.S_ISDIR, "is a directory, not a spec"),
    (stat.S_ISFIFO, "is a named pipe (FIFO), not a file"),
    (stat.S_ISCHR, "is a character device, not a file"),
    (stat.S_ISBLK, "is a block device, not a file"),
    (stat.S_ISSOCK, "is a socket, not a file"),
)


def input_problem(path: str) -> str | None:
    """Why this spec or var file cannot be read without blocking or exhausting
    memory (`PATH: is a named pipe ...`), or None. A missing file is not a
    problem here: the build reports it, and watch waits for it."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    for test, why in _KINDS:
        if test(st.st_mode):
            return f"{path}: {why}"
    if not stat.S_ISREG(st.st_mode):
        return f"{path}: is not a regular file"
    if st.st_size > MAX_INPUT_BYTES:
        return f"{path}: is {st.st_size / 2**20:.0f} MiB, larger than a spec can be ({MAX_INPUT_BYTES >> 20} MiB)"
    return None


# ---------------------------------------------------------------- the loop


class _Session:
    def __init__(self, spec, var_args, var_files, *, run, settings, max_runs, settle, view, stop, target) -> None:
        self.spec = spec
        self.var_args = tuple(var_args)
        self.var_files = tuple(var_files)
        self.view: View = view
        self.stop = stop
        self.target = target
        self.summary = WatchSummary(run_mode=run)
        self.inputs = _Inputs(spec)
        self.builds = 0
        self.last_build: Build | None = None
        self.runner = Runner(self, settings, max_runs, settle) if run else None
        self.max_runs = max_runs
        # Without --run a spec may be linted before its param values exist,
        # as `maestro check` does; runs need every value.
        self.require_values = run

    async def main(self) -> WatchSummary:
        started = time.monotonic()
        self.inputs.follow(load_vars(self.var_args, self.var_files).files)
        self.inputs.changed()
        self.rebuild(())
        ticker = asyncio.create_task(self._tick()) if self.view.animated and self.runner else None
        left: list[str] = []
        try:
            await self._watch()
        finally:
            if ticker is not None:
                ticker.cancel()
            if self.runner is not None:
                left = await self.runner.close()
            self.summary.seconds = time.monotonic() - started
            self.view.stopped(left + [f"watch stopped: {self.summary.line()}"])
        if self.runner is not None and self.runner.failure is not None:
            raise self.runner.failure
        return self.summary

    def _describe(self) -> str:
        files = [shown for shown in dict.fromkeys(self.inputs.paths.values()) if shown != self.spec]
        also = f" (and {', '.join(files)})" if files else ""
        if self.runner is None:
            mode = "diagnostics only (--run to run it too)"
        else:
            mode = f"runs on {self.target} when the request changes, at most {self.max_runs}"
        return f"watching {self.spec}{also} · {mode}"

    def rebuild(self, changed: tuple[str, ...]) -> Build:
        t0 = time.perf_counter()
        build = Build(self.builds, self.spec, changed, time.time())
        self.builds += 1
        # Every input checked before anything reads it: a FIFO would block the
        # reader for good, /dev/zero would fill memory.
        problem = next(filter(None, map(input_problem, dict.fromkeys(self.inputs.paths.values()))), None)
        vars = load_vars(self.var_args, self.var_files) if problem is None else None
        try:
            if problem is not None:
                raise InputFileError(problem)
            source = compile_path(self.spec, vars, require_values=self.require_values)
        except InputFileError as e:
            build.problem = f"{e}; waiting for it to change"
            build.diagnostics = list(vars.diagnostics) if vars is not None else []
        else:
            build.text = source.text
            build.diagnostics = source.compiled.diagnostics
            if source.compiled.ok:
                build.request = source.compiled.request
        if vars is not None:
            self.inputs.follow(vars.files)
        build.seconds = time.perf_counter() - t0
        if build.number:
            self.summary.rebuilds += 1
        self.last_build = build
        self.view.counters(self.summary)
        self.view.built(build)
        if self.runner is not None:
            self.runner.consider(build)
        return build

    def on_events(self, *, counted: bool = True) -> None:
        changed = self.inputs.changed()
        if not changed:
            self.summary.saves_ignored += counted
            return
        self.rebuild(changed)

    async def _watch(self) -> None:
        from watchfiles import awatch

        warned: set[str] = set()
        announced = False
        while not self.stop.is_set():
            dirs = self.inputs.dirs()
            here = {d: _identity(d) for d in dirs}
            watched = sorted(d for d, ident in here.items() if ident is not None)
            for d in sorted(dirs - set(watched) - warned):
                warned.add(d)
                self.view.note(f"cannot watch {d}: no such directory; waiting for it to appear")
            if not watched:
                await _wait(self.stop, RECHECK_MS / 1000)
                self.on_events(counted=False)
                continue
            changes = awatch(
                *watched,
                watch_filter=self.inputs.relevant,
                debounce=DEBOUNCE_MS,
                step=STEP_MS,
                stop_event=self.stop,
                recursive=False,
                rust_timeout=RECHECK_MS,
                yield_on_timeout=True,
            )
            batch_ready = asyncio.ensure_future(anext(changes))
            try:
                # The generator's first step sets up the OS watches, then waits
                # in a worker thread. Once it has, re-read: a save made between
                # the last build and now has no event to tell us about it.
                for _ in range(3):
                    await asyncio.sleep(0)
                self.on_events(counted=False)
                if not announced:
                    announced = True
                    self.view.started(self._describe())
                while True:
                    try:
                        batch = await batch_ready
                    except StopAsyncIteration:
                        break  # stop_event was set
                    if batch and not self.stop.is_set():
                        self.on_events()
                    if self.inputs.dirs() != dirs or any(_identity(d) != ident for d, ident in here.items()):
                        break  # other directories to watch, or one was replaced or appeared
                    batch_ready = asyncio.ensure_future(anext(changes))
            except OSError as e:  # a watched directory vanished under the watcher
                self.view.note(f"watching stopped ({e.strerror or e}); starting again")
                await _wait(self.stop, RECHECK_MS / 1000)
            finally:
                if not batch_ready.done():  # cancelled from outside: the generator is mid-step
                    batch_ready.cancel()
                    await asyncio.gather(batch_ready, return_exceptions=True)
                await changes.aclose()

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(TICK_SECONDS)
            self.view.tick()


def _identity(directory: str) -> tuple[int, int] | None:
    try:
        st = os.stat(directory)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


async def _wait(stop, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not stop.is_set() and time.monotonic() < deadline:
        await asyncio.sleep(min(0.05, seconds))


async def watch_async(
    spec_path: str,
    *,
    var_args=(),
    var_files=(),
    run: bool = False,
    settings=None,
    max_runs: int = DEFAULT_MAX_RUNS,
    settle: float = DEFAULT_SETTLE,
    out=None,
    interactive: bool | None = None,
    stop_event=None,
    target: str | None = None,
) -> WatchSummary:
    """Watch until stop_event (anything with is_set(), e.g. threading.Event) is set.

    run=True needs `settings` (a runtime.RunSettings). `out` is a text stream
    (stdout by default); `interactive` chooses the in-place terminal view
    (default: whether `out` is a terminal). Raises compiler.params
    .VarUsageError for a malformed --var.
    """
    if run and settings is None:
        raise ValueError("run=True needs settings")
    out = out if out is not None else sys.stdout
    if interactive is None:
        interactive = bool(getattr(out, "isatty", lambda: False)())
    view = TerminalView(out) if interactive else LogView(out)
    stop = stop_event if stop_event is not None else threading.Event()
    where = target or ("the local server" if settings is not None and settings.local else getattr(settings, "base_url", ""))
    session = _Session(
        spec_path, var_args, var_files, run=run, settings=settings, max_runs=max_runs, settle=settle, view=view, stop=stop, target=where
    )
    return await session.main()


def watch(spec_path: str, *, stop_event=None, **options) -> WatchSummary:
    """watch_async() in a fresh event loop. In the main thread, the first
    Ctrl-C stops the watch cleanly; a second one interrupts at once. SIGTERM
    stops it cleanly too, and the summary says `terminated`."""
    stop = stop_event if stop_event is not None else threading.Event()
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT) if in_main else None
    previous_term = signal.getsignal(signal.SIGTERM) if in_main else None
    terminated = []

    def on_sigint(signum, frame):
        stop.set()
        signal.signal(signal.SIGINT, previous)

    def on_sigterm(signum, frame):
        terminated.append(signum)
        stop.set()

    if in_main:
        signal.signal(signal.SIGINT, on_sigint)
        signal.signal(signal.SIGTERM, on_sigterm)
    try:
        summary = asyncio.run(watch_async(spec_path, stop_event=stop, **options))
        summary.terminated = bool(terminated)
        return summary
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous)
            signal.signal(signal.SIGTERM, previous_term)
