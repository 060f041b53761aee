"""The runtime: submit a compiled request to Maestro, follow it to the end, show it.

The compiler never imports this package, and it imports neither the watch
mode (maestro_spec/watch/, which sits above it) nor the commands. The
reusable API (the CLI and the watch mode use it):

    from maestro_spec.runtime import RunSettings, execute, outcome_text

    settings = RunSettings(base_url="http://127.0.0.1:8021/studio/v1")
    outcome = await execute(request, settings=settings, on_status=print)
    print(outcome_text(outcome))          # or render_outcome(outcome, console)
    raise SystemExit(outcome.exit_code)   # 0, 3 or 4, as `maestro run`
May import: compiler, server, transport, sanitize, exitcodes, maestro_spec (its __version__)

Modules: defaults (the numbers and ranges --help shows), target (where a run
goes, with which key), policy (retry and poll rules, pure), errors (typed
failures, the interrupt wording), client (HTTP) and reasons (why a call
failed), record (one run record, read safely) and store (where records live),
poll (execute/attach), outcome (the data passed between them), batch (many
runs), render (rich views of runs) over console (consoles and safe cells) and
progress (the status line), payload (what --json prints); answer (what a
server's answer means), wire (the Run model), history (how long a request
took before), connections (the HTTP connection lanes).
"""

from __future__ import annotations

import importlib

# Loaded on first use, so that importing a light submodule (defaults) does
# not pull in httpx, rich and pydantic with the rest.
_EXPORTS = {
    "RunOutcome": "outcome",
    "RunSettings": "outcome",
    "StatusEvent": "outcome",
    "RuntimeFailure": "errors",
    "attach": "poll",
    "execute": "poll",
    "outcome_text": "render",
    "render_outcome": "render",
}

__all__ = ["RunOutcome", "RunSettings", "RuntimeFailure", "StatusEvent", "attach", "execute", "outcome_text", "render_outcome"]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
