"""Where run records live and how they are written: nothing lost, nothing spent twice.

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

A record's fields, and the one reader that checks a file into a record
(read_record; list() and find() skip what it refuses and name it in
`skipped`), are record.py's.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets as _secrets
import tempfile
import threading
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

from ..compiler.credentials import REDACTED, redact_request, secret_values
from ..compiler.limits import COMPLETED, RUN_STATUSES
from .errors import UsageFailure
from .record import ERROR, SUBMITTING, UNKNOWN, BadRecord, RunRecord, now_iso, parse_time, read_record, usable_response
from ..sanitize import scrub

STORE_ENV = "MAESTRO_HOME"
APP_NAME = "maestro-spec"
_last_stamp_ms = [0]  # the newest id stamp this process made, in ms since the epoch
_stamp_lock = threading.Lock()


def _id_stamp() -> str:
    """A record id's time: sortable by name (newest last), to the millisecond.
    Each is at least 1 ms after the last this process made, so two records
    made in one millisecond (a batch) still sort in the order they were made,
    not by their random suffix (which only keeps ids unique)."""
    with _stamp_lock:
        ms = max(time.time_ns() // 1_000_000, _last_stamp_ms[0] + 1)
        _last_stamp_ms[0] = ms
    at = datetime.fromtimestamp(ms // 1000, timezone.utc)
    return at.strftime("%Y%m%d-%H%M%S") + f".{ms % 1000:03d}"


_MAX_POINTER_BYTES = 256  # a cache pointer file holds one record id


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
        stamp = _id_stamp()
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
            if pointer.is_file() and pointer.stat().st_size <= _MAX_POINTER_BYTES and pointer.read_text(encoding="utf-8", errors="replace").strip() == record.id:
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
            if r.unfinished and (r.is_local or not local_only) and (parse_time(r.created_at) or 0.0) <= cutoff
        ]

    def cached(self, request: dict, target: str) -> RunRecord | None:
        """The last completed run of exactly this request (redacted) at this target."""
        pointer = self.cache_dir / cache_key(request, target)
        try:
            if not pointer.is_file() or pointer.stat().st_size > _MAX_POINTER_BYTES:  # never wait on a FIFO put there
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
