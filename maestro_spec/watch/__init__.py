"""Watch mode (`maestro watch`): re-check a spec on every save; with run=True,
run it, only when its compiled request changed.

    from maestro_spec.watch import tally, watch

    summary = watch("invoice.maestro", run=True, settings=settings, stop_event=stop)
    print(tally(summary))     # "3 rebuilds, 1 run submitted, 2 skipped as unchanged"

It owns, each in one module:
- state: the data (Build, RunJob, WatchSummary), plain dataclasses;
- decide: the decisions (submit, skip as unchanged, drop, abandon, hold),
  pure functions returning data;
- wording: every line it shows; requestdiff: what changed between two
  requests (the plan);
- inputs: the files followed, their bytes, which ones cannot be read;
- view: the terminal and log views, which print the wording;
- runner: the runs, through the runtime; loop: watchfiles and the session.

Watch sits above the runtime: none of the compiler, runtime, server or lsp
imports it, and only `maestro watch` (commands/watch.py) does.

May import: compiler, runtime, transport, sanitize, varargs, exitcodes
"""

from __future__ import annotations

import importlib

# Loaded on first use, so that importing the package (or its light inputs
# module, which `maestro watch` uses to refuse a path at once) loads no more.
_EXPORTS = {
    "watch": "loop",
    "watch_async": "loop",
    "WatchSummary": "state",
    "tally": "wording",
    "input_problem": "inputs",
}

__all__ = ["WatchSummary", "input_problem", "tally", "watch", "watch_async"]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
