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
import os
import signal
import sys
import threading
import time

from ..compiler.params import load_vars, value_files
from ..compiler.sources import InputFileError, compile_path
from ..runtime.defaults import DEFAULT_MAX_RUNS, DEFAULT_SETTLE
from ..varargs import parse_var_args
from . import wording as W
from .inputs import Inputs, input_problem
from .runner import Runner
from .state import Build, WatchSummary
from .view import LogView, TerminalView, View

# watchfiles wakes once a step, and hands over a batch at the first wake that
# finds no change it had not seen: a save is seen 1-2 steps after it, and
# each wake costs CPU while idle. 2 ms sees a save ~3 ms after it where 5 ms
# took ~7.5, for ~2.3 % of a core while idle where 5 ms cost ~1.3 % (3 ms:
# ~4.5 ms, ~1.9 %; benchmarks/watch.py measures both). A file written in
# place for longer than a step may be read half-written: its next event
# rebuilds it whole.
STEP_MS = 2
# ... but while events keep coming, a batch is cut after this long.
DEBOUNCE_MS = 400
# How often the watcher wakes without events to check that the watched
# directories are still the same ones (a directory deleted and re-created).
RECHECK_MS = 1000
TICK_SECONDS = 0.2  # the terminal's run status line (spinner, elapsed time)


# ---------------------------------------------------------------- the loop


class Session:
    """One watch: the inputs followed, the builds made, the runner if runs are on."""

    def __init__(self, spec, var_args, var_files, *, run, settings, max_runs, settle, view, stop, target) -> None:
        self.spec = spec
        self.var_args = parse_var_args(var_args)  # NAME=VALUE strings or VarArgs
        self.var_files = tuple(var_files)
        self.view: View = view
        self.stop = stop
        self.target = target
        self.summary = WatchSummary(run_mode=run)
        self.inputs = Inputs(spec)
        self.builds = 0
        self.failure: BaseException | None = None  # a bug in a run's task, raised once watch has stopped
        self.local = bool(settings is not None and settings.local)
        self.runner = (
            Runner(settings, spec=spec, max_runs=max_runs, settle=settle, view=view, summary=self.summary, on_failure=self._failed)
            if run
            else None
        )
        self.max_runs = max_runs
        # Without --run a spec may be linted before its param values exist,
        # as `maestro check` does; runs need every value.
        self.require_values = run

    def _failed(self, error: BaseException) -> None:
        self.failure = error
        self.stop.set()

    async def main(self) -> WatchSummary:
        started = time.monotonic()
        self.inputs.follow(value_files(self.var_args, self.var_files))
        self.inputs.changed()
        self.rebuild(())
        ticker = asyncio.create_task(self._tick()) if self.view.animated and self.runner else None
        lines: list[str] = []
        try:
            await self._watch()
        finally:
            if ticker is not None:
                ticker.cancel()
            if self.runner is not None:
                left = await self.runner.close()
                if left is not None:
                    lines.append(W.left_behind_line(left, self.local))
            self.summary.seconds = time.monotonic() - started
            self.view.stopped(lines + [W.stopped_line(self.summary)])
        if self.failure is not None:
            raise self.failure
        return self.summary

    def _describe(self) -> str:
        others = [shown for shown in self.inputs.shown() if shown != self.spec]
        return W.watching_line(self.spec, others, target=self.target if self.runner else None, max_runs=self.max_runs)

    def rebuild(self, changed: tuple[str, ...]) -> Build:
        t0 = time.perf_counter()
        build = Build(self.builds, self.spec, changed, time.time())
        self.builds += 1
        # Every input checked before anything reads it: a FIFO would block the
        # reader for good, /dev/zero would fill memory.
        problem = next(filter(None, map(input_problem, self.inputs.shown())), None)
        vars = load_vars(self.var_args, self.var_files) if problem is None else None
        try:
            if problem is not None:
                raise InputFileError(problem)
            source = compile_path(self.spec, vars, require_values=self.require_values)
        except InputFileError as e:
            build.problem = str(e)
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
            here = {d: _dir_identity(d) for d in dirs}
            watched = sorted(d for d, ident in here.items() if ident is not None)
            for d in sorted(dirs - set(watched) - warned):
                warned.add(d)
                self.view.note(W.cannot_watch_line(d))
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
                    if self.inputs.dirs() != dirs or any(_dir_identity(d) != ident for d, ident in here.items()):
                        break  # other directories to watch, or one was replaced or appeared
                    batch_ready = asyncio.ensure_future(anext(changes))
            except OSError as e:  # a watched directory vanished under the watcher
                self.view.note(W.restarting_line(e))
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


def _dir_identity(directory: str) -> tuple[int, int] | None:
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
    (default: whether `out` is a terminal). Raises maestro_spec.varargs
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
    session = Session(
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
