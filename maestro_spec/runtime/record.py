"""One run record: its fields, and the one reader that turns a file into one.

read_record checks every field's type and size and refuses, with a reason
(BadRecord), what it cannot use; RunStore.list() and find() skip such files
and name them in `skipped`, so one damaged file never stops `maestro runs
list` for the others. Where records live and how they are written (atomically,
0600, scrubbed of secrets): store.py.
"""

from __future__ import annotations

import json
import math
import os
import stat
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..compiler.limits import TERMINAL_STATUSES
from ..sanitize import depth

RECORD_VERSION = 1
LOCAL_TARGET = "local"  # the target of runs on the embedded --local server

# Record statuses besides the API's run statuses.
SUBMITTING = "submitting"  # written before the POST
UNKNOWN = "unknown"  # the POST got no answer: a run may exist
ERROR = "error"  # the server refused to create a run


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class RunRecord:
    id: str
    request: dict
    target: str
    base_url: str
    spec: str | None = None
    status: str = SUBMITTING
    run_id: str | None = None
    created_at: str = field(default_factory=now_iso)
    submitted_at: str | None = None
    finished_at: str | None = None
    updated_at: str | None = None
    elapsed: float | None = None  # seconds the run took (from its creation to its end, as far as seen)
    # Seconds from the POST's answer to the last GET that found the run still
    # going: its duration is above this (and at most finished_at's), which
    # lets history aim between the two.
    ran_until: float | None = None
    polls: int = 0
    retries: int = 0
    response: dict | None = None  # the last Run object seen
    error: str | None = None  # one line, if the command ended without a result
    request_hash: str = ""
    version: int = RECORD_VERSION

    @property
    def is_local(self) -> bool:
        return self.target == LOCAL_TARGET

    @property
    def display_id(self) -> str:
        return self.run_id or self.id

    @property
    def unfinished(self) -> bool:
        """Submitted (or maybe submitted) and not seen to end."""
        return self.status not in TERMINAL_STATUSES and self.status != ERROR

    @classmethod
    def from_json(cls, data) -> "RunRecord":
        """A record from parsed JSON, checked field by field (BadRecord says why not)."""
        return _validated(data)


# ------------------------------------------------------------ the one reader

# A record file larger than this is not read: a run's request and response
# are far smaller (the runtime caps a response well below it), and parsing a
# damaged 100 MB file would stall `runs list` for everyone.
MAX_RECORD_BYTES = 32 * 1024 * 1024

_SHORT = 256  # ids, statuses, times
_LINE = 8192  # paths, URLs, one-line errors

_STR, _OPT_STR, _DICT, _OPT_DICT, _INT, _OPT_NUM = "str", "str|null", "object", "object|null", "int", "number|null"

# Every field: its kind, its largest length for strings, and whether it must be there.
_SCHEMA: dict[str, tuple[str, int | None, bool]] = {
    "id": (_STR, _SHORT, True),
    "request": (_DICT, None, True),
    "target": (_STR, _LINE, True),
    "base_url": (_STR, _LINE, True),
    "spec": (_OPT_STR, _LINE, False),
    "status": (_STR, _SHORT, True),
    # A server may hand out a long id; it is kept so that the run is not lost.
    "run_id": (_OPT_STR, 1 << 20, False),
    "created_at": (_STR, _SHORT, True),
    "submitted_at": (_OPT_STR, _SHORT, False),
    "finished_at": (_OPT_STR, _SHORT, False),
    "updated_at": (_OPT_STR, _SHORT, False),
    "elapsed": (_OPT_NUM, None, False),
    "ran_until": (_OPT_NUM, None, False),
    "polls": (_INT, None, False),
    "retries": (_INT, None, False),
    "response": (_OPT_DICT, None, False),
    "error": (_OPT_STR, 1 << 16, False),
    "request_hash": (_STR, _SHORT, False),
    "version": (_INT, None, False),
}


class BadRecord(ValueError):
    """A record file that cannot be used; str() is the reason, in a few words."""


def _kind_ok(kind: str, value) -> bool:
    if value is None:
        return kind.endswith("|null")
    if kind in (_STR, _OPT_STR):
        return isinstance(value, str)
    if kind in (_DICT, _OPT_DICT):
        return isinstance(value, dict)
    if kind == _INT:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if kind == _OPT_NUM:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0
    return False  # pragma: no cover - every kind is listed above


def _validated(data) -> RunRecord:
    if not isinstance(data, dict):
        raise BadRecord(f"holds {_json_kind(data)}, not a record object")
    values = {}
    for name, (kind, longest, required) in _SCHEMA.items():
        if name not in data:
            if required:
                raise BadRecord(f"has no {name!r}")
            continue
        value = data[name]
        if not _kind_ok(kind, value):
            raise BadRecord(f"{name!r} is {_json_kind(value)}, not {kind.replace('|null', ' or null')}")
        if longest is not None and isinstance(value, str) and len(value) > longest:
            raise BadRecord(f"{name!r} is {len(value)} characters long (at most {longest})")
        values[name] = value
    if _too_deep(values["request"]):
        raise BadRecord(f"'request' is nested more than {MAX_RECORD_DEPTH} levels deep")
    if values.get("response") is not None and _too_deep(values["response"]):
        values["response"] = None  # a server's odd answer: the run (its id) is kept without it
    try:
        datetime.fromisoformat(values["created_at"].replace("Z", "+00:00"))
    except ValueError:
        raise BadRecord(f"'created_at' is not a time: {values['created_at'][:40]!r}") from None
    record = RunRecord(**values)
    if record.response is not None and not _listable(record.response):
        record.response = None  # see usable_response()
    return record


def _listable(response: dict) -> bool:
    """The part of a response `runs list` reads (the score) has its shape; the
    whole Run is checked only for the one record shown (usable_response)."""
    rr = response.get("requirements_result")
    if rr is None:
        return True
    score = rr.get("score") if isinstance(rr, dict) else "no"
    return score is None or (isinstance(score, (int, float)) and not isinstance(score, bool))


def usable_response(record: RunRecord) -> RunRecord:
    """The record, its response dropped unless it is a Run object: the run
    (its id is what matters) is kept; a response that cannot be shown is not."""
    if record.response is not None and not _is_run(record.response):
        record.response = None
    return record


# Deeper than anything the runtime writes: a request compiled from a spec
# (values nest at most parse.MAX_NESTING = 100, plus the few levels of
# tools[].function.parameters.properties), a Run read by answer.py (at most
# MAX_JSON_DEPTH = 100); still far from breaking recursive code (copying,
# rendering) further on.
MAX_RECORD_DEPTH = 128


def _too_deep(value) -> bool:
    return depth(value, MAX_RECORD_DEPTH) > MAX_RECORD_DEPTH


def _is_run(response: dict) -> bool:
    from pydantic import ValidationError

    from .wire import Run

    try:
        Run.model_validate(response)
    except (ValidationError, ValueError, RecursionError):
        return False
    return True


def _json_kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def read_record(path: Path) -> RunRecord:
    """The record in this file, or BadRecord (OSError if it cannot be opened)."""
    # Non-blocking, then checked: a FIFO or a device in the directory is refused, never waited on.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with open(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise BadRecord("is not a regular file")
        if st.st_size > MAX_RECORD_BYTES:
            raise BadRecord(f"is {st.st_size / 2**20:.0f} MiB, larger than any record ({MAX_RECORD_BYTES >> 20} MiB)")
        data = f.read(MAX_RECORD_BYTES + 1)
    if len(data) > MAX_RECORD_BYTES:
        raise BadRecord(f"is larger than any record ({MAX_RECORD_BYTES >> 20} MiB)")
    try:
        parsed = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadRecord("is not UTF-8 text") from None
    except RecursionError:
        raise BadRecord("is nested too deeply to be a record") from None
    except ValueError as e:
        raise BadRecord(f"is not JSON ({str(e).split(':')[0]})") from None
    record = _validated(parsed)
    if record.id != path.stem:
        raise BadRecord(f"names record {record.id[:40]!r}, not its file name")
    return record


def run_duration(record: RunRecord) -> float | None:
    """Seconds from the run's creation to its end, from the record's times
    (None unless both are known): what `runs attach` records as elapsed, not
    the time it waited itself."""
    start, end = parse_time(record.submitted_at or record.created_at), parse_time(record.finished_at)
    if start is None or end is None or end < start:
        return None
    return round(end - start, 3)


def parse_time(iso: str | None) -> float | None:
    if not iso:
        return None
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
