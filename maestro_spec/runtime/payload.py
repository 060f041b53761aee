"""What the commands print as JSON: `maestro run --json` (and its -o file),
`runs attach --json`, `runs list --json` and `runs show --json`.

The shapes are docs/runtime.md's (Options, Run records). Every string goes
out through sanitize.json_for_terminal: server text may hold C1 controls and
bidi overrides, which json.dumps leaves raw.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from ..compiler.credentials import secret_values
from .outcome import RunOutcome
from ..sanitize import json_for_terminal
from .record import RunRecord
from .store import scrub_server_text


def _run_object(outcome: RunOutcome):
    return outcome.run.model_dump(mode="json", exclude_unset=True) if outcome.run is not None else None


def outcomes_json(outcomes: list[RunOutcome], *, single: bool, key: str | None = None) -> str:
    """One run's Run object; for several, or for one that never got a Run
    object (the server was unreachable, refused the request), a summary per
    spec with the error.

    Scrubbed, as values, of the key and of the tool header values of each
    run's request, should a server have echoed them."""

    def server_text(o, value):  # the Run, an error line
        return scrub_server_text(value, (key, *secret_values(o.request)))

    def summary(o):
        return {
            "spec": o.spec,
            "run_id": o.run_id,
            "status": o.status,
            "exit_code": o.exit_code,
            "error": server_text(o, o.verdict),
            "run": server_text(o, _run_object(o)),
        }

    if single:
        o = outcomes[0]
        data = server_text(o, _run_object(o)) if o.run is not None else summary(o)
    else:
        data = [summary(o) for o in outcomes]
    return json_for_terminal(json.dumps(data, indent=2, ensure_ascii=False)) + "\n"


def record_summary(record: RunRecord) -> dict:
    """One line of `runs list --json`."""
    rr = (record.response or {}).get("requirements_result") or {}
    return {
        "id": record.display_id,
        "record": record.id,
        "run_id": record.run_id,
        "status": record.status,
        "spec": record.spec,
        "target": record.target,
        "created_at": record.created_at,
        "elapsed": record.elapsed,
        "score": rr.get("score"),
        "error": record.error,
    }


def record_summary_line(record: RunRecord) -> str:
    return json_for_terminal(json.dumps(record_summary(record), ensure_ascii=False))


def record_json(record: RunRecord) -> str:
    """`runs show --json`: the whole record (request, response, timings)."""
    return json_for_terminal(json.dumps(asdict(record), indent=2, ensure_ascii=False))
