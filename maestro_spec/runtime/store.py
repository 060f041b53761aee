"""Local run records: nothing lost, nothing spent twice.

Every run is one JSON file, written before the POST (so that even a run whose
creation is in doubt is on record), updated when the server gives it an id,
and written with the final response before anything is printed.

Where: $MAESTRO_HOME/runs/ if MAESTRO_HOME is set, else the user data dir
(platformdirs: ~/.local/share/maestro-spec/runs on Linux,
~/Library/Application Support/maestro-spec/runs on macOS,
%LOCALAPPDATA%\\maestro-spec\\runs on Windows). Directories are created 0700
and files 0600: a request may carry private documents.

A record never holds the API key or a tool header value: the request is
recorded as compiler.credentials.redact_request() gives it (header values
replaced by "<redacted>"), and every other value is scrubbed of the key and of
the header values before it is serialized (values, never the JSON text: a
key "1" must not turn `"polls": 1` into `"polls": ***`).

Records are read by one reader (read_record) that checks every field's type
and size and refuses, with a reason, what it cannot use; list() and find()
skip such files and name them in `skipped`, so one damaged file never stops
`maestro runs list` for the others.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import secrets as _secrets
import stat
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..compiler.credentials import REDACTED, redact_request, secret_values
from ..compiler.limits import COMPLETED, RUN_STATUSES, TERMINAL_STATUSES
from .errors import UsageFailure
from .sanitize import scrub

STORE_ENV = "MAESTRO_HOME"
APP_NAME = "maestro-spec"
RECORD_VERSION = 1
LOCAL_TARGET = "local"  # the target of runs on the embedded --local server

# Record statuses besides the API's run statuses.
SUBMITTING = "submitting"  # written before the POST
UNKNOWN = "unknown"  # the POST got no answer: a run may exist
ERROR = "error"  # the server refused to create a run


class StoreError(UsageFailure):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"cannot write run records to {path}: {reason}",
            hint=f"set {STORE_ENV} to a writable directory",
        )


def default_root() -> Path:
    env = os.environ.get(STORE_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def canonical_hash(request: dict) -> str:
    text = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cache_key(request: dict, target: str) -> str:
    """Same request to the same place: a cloud URL, or 'local' for --local.

    Keyed on the redacted request, the only form a record holds: a run whose
    tool token changed since is still "the same request" for --cache."""
    return hashlib.sha256(f"{target}\n{canonical_hash(redact_request(request))}".encode()).hexdigest()


_STATUSES = frozenset(RUN_STATUSES) | {SUBMITTING, UNKNOWN, ERROR}


def _scrub_status(status, secrets):
    """A status we know is a word of ours, never a secret; any other is server text."""
    return status if isinstance(status, str) and status in _STATUSES else scrub(status, secrets)


def scrub_server_text(value, secrets):
    """What a server sent (a Run object, an error line quoting it), scrubbed;
    a Run's `id` and known `status` stay, as the record's own run_id and
    status do (a key found inside a status word must not make the run unreadable)."""
    out = scrub(value, secrets)
    if isinstance(value, dict) and isinstance(out, dict):
        for name in ("id", "status"):
            if name in value and (name == "id" or (isinstance(value[name], str) and value[name] in _STATUSES)):
                out[name] = value[name]
    return out


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
        raise BadRecord(f"'request' is nested more than {MAX_DEPTH} levels deep")
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


# Deeper than any request or Run object; deep enough to break recursive code
# (copying, rendering) further on.
MAX_DEPTH = 64


def _too_deep(value) -> bool:
    """Whether lists and objects nest deeper than MAX_DEPTH (level by level, no recursion)."""
    level, depth = [value], 0
    while level:
        depth += 1
        if depth > MAX_DEPTH:
            return True
        deeper = []
        for node in level:
            for child in node.values() if isinstance(node, dict) else node:
                if isinstance(child, (dict, list)):
                    deeper.append(child)
        level = deeper
    return False


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
    start, end = _parse_time(record.submitted_at or record.created_at), _parse_time(record.finished_at)
    if start is None or end is None or end < start:
        return None
    return round(end - start, 3)


def _parse_time(iso: str | None) -> float | None:
    if not iso:
        return None
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


# ------------------------------------------------------------ the store


class RunStore:
    def __init__(self, root: Path | None = None, *, secrets: tuple[str | None, ...] = ()) -> None:
        self.root = Path(root) if root is not None else default_root()
        self.runs_dir = self.root / "runs"
        self.cache_dir = self.root / "cache"
        self._secrets = tuple(s for s in secrets if s)
        self._request_secrets: dict[str, list[str]] = {}  # tool header values, by record id
        # Files list() or find() could not read: path -> why (the commands name them once).
        self.skipped: dict[Path, str] = {}

    # ------------------------------------------------------------ writing

    def new(self, request: dict, *, spec: str | None, target: str, base_url: str) -> RunRecord:
        now = datetime.now(timezone.utc)
        # Sortable by name (newest last), to the millisecond; the suffix keeps ids unique.
        stamp = now.strftime("%Y%m%d-%H%M%S") + f".{now.microsecond // 1000:03d}"
        recorded = redact_request(request)
        record = RunRecord(
            id=f"{stamp}-{_secrets.token_hex(3)}",
            request=recorded,
            target=target,
            base_url=base_url,
            spec=spec,
            request_hash=canonical_hash(recorded),
        )
        # The header values themselves, to scrub from what the server answers
        # (a request already redacted has none left).
        self._request_secrets[record.id] = [v for v in secret_values(request) if v != REDACTED]
        self.save(record)
        return record

    def save(self, record: RunRecord) -> None:
        record.updated_at = now_iso()
        data = asdict(record)
        # The request is in its redacted form already; the rest may still echo a
        # secret. Ids, times and counts are this program's and stay as they are.
        secrets = self._secrets + tuple(self._request_secrets.get(record.id, ()))
        for name in ("request", "spec", "target", "base_url", "error"):
            data[name] = scrub(data[name], secrets)
        data["status"] = _scrub_status(data["status"], secrets)
        data["response"] = scrub_server_text(data["response"], secrets)
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        self._write(self.runs_dir / f"{record.id}.json", text)
        if record.status == COMPLETED:
            self._write(self.cache_dir / cache_key(record.request, record.target), record.id + "\n")

    def _write(self, path: Path, text: str) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Write then rename: a reader (or a crash) never sees half a record.
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(text)
                os.chmod(tmp, 0o600)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as e:
            raise StoreError(path.parent, e.strerror or str(e)) from e

    def remove(self, record: RunRecord) -> None:
        """Delete a record (and the cache pointer to it, if any)."""
        try:
            (self.runs_dir / f"{record.id}.json").unlink(missing_ok=True)
            pointer = self.cache_dir / cache_key(record.request, record.target)
            if pointer.is_file() and pointer.stat().st_size <= _SHORT and pointer.read_text(encoding="utf-8", errors="replace").strip() == record.id:
                pointer.unlink(missing_ok=True)
        except OSError as e:
            raise StoreError(self.runs_dir, e.strerror or str(e)) from e

    # ------------------------------------------------------------ reading

    def list(self, limit: int | None = None) -> list[RunRecord]:
        """Newest first; files that are not records are skipped (see `skipped`)."""
        if not self.runs_dir.is_dir():
            return []
        paths = sorted(self.runs_dir.glob("*.json"), reverse=True)
        out = []
        for path in paths:
            record = self._read(path)
            if record is not None:
                out.append(record)
                if limit is not None and len(out) >= limit:
                    break
        return out

    def find(self, ident: str) -> RunRecord | list[RunRecord] | None:
        """The record with this local id or run id, or a unique prefix of one.

        Several matches come back as a list (the caller says it is ambiguous).
        An empty or blank id matches nothing (as a prefix it would match all).
        """
        ident = ident.strip()
        if not ident:
            return None
        if "/" not in ident and "\\" not in ident:
            exact = self._read(self.runs_dir / f"{ident}.json")
            if exact is not None:
                return usable_response(exact)
        # One pass over the records: a whole run id wins over prefixes.
        whole, prefixed = [], []
        for r in self.list():
            if r.run_id == ident:
                whole.append(r)
            elif r.id.startswith(ident) or (r.run_id or "").startswith(ident):
                prefixed.append(r)
        matches = whole or prefixed
        if len(matches) == 1:
            return usable_response(matches[0])
        return matches or None

    def stale(self, *, older_than: float, local_only: bool = True) -> list[RunRecord]:
        """Records of runs not seen to end, created over `older_than` seconds ago
        (local ones only, by default: their server is gone, so they never will)."""
        cutoff = time.time() - older_than
        return [
            r
            for r in self.list()
            if r.unfinished and (r.is_local or not local_only) and (_parse_time(r.created_at) or 0.0) <= cutoff
        ]

    def cached(self, request: dict, target: str) -> RunRecord | None:
        """The last completed run of exactly this request (redacted) at this target."""
        pointer = self.cache_dir / cache_key(request, target)
        try:
            if not pointer.is_file() or pointer.stat().st_size > _SHORT:  # never wait on a FIFO put there
                return None
            record_id = pointer.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            return None
        if not record_id or "/" in record_id or "\\" in record_id:
            return None  # a pointer names a record in runs/, nothing else
        record = self._read(self.runs_dir / f"{record_id}.json")
        if record is not None:
            usable_response(record)
        if record is None or record.status != COMPLETED or record.response is None:
            return None
        if record.target != target or record.request_hash != canonical_hash(redact_request(request)):
            return None
        return record

    def _read(self, path: Path) -> RunRecord | None:
        try:
            return read_record(path)
        except FileNotFoundError:
            return None
        except BadRecord as e:
            self.skipped.setdefault(path, str(e))
        except OSError as e:
            self.skipped.setdefault(path, e.strerror or str(e))
        return None
