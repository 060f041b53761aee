"""Local run records: nothing lost, nothing spent twice.

Every run is one JSON file, written before the POST (so that even a run whose
creation is in doubt is on record), updated when the server gives it an id,
and written with the final response before anything is printed.

Where: $MAESTRO_HOME/runs/ if MAESTRO_HOME is set, else the user data dir
(platformdirs: ~/.local/share/maestro-spec/runs on Linux,
~/Library/Application Support/maestro-spec/runs on macOS,
%LOCALAPPDATA%\\maestro-spec\\runs on Windows). Directories are created 0700
and files 0600: a request may carry private documents.

A record never holds the API key: it is not in the request or the response,
and every write passes through errors.redact() with the key all the same.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets as _secrets
import tempfile
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path

from ..compiler.limits import COMPLETED
from .errors import UsageFailure, redact

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
    """Same request to the same place: a cloud URL, or 'local' for --local."""
    return hashlib.sha256(f"{target}\n{canonical_hash(request)}".encode()).hexdigest()


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
    elapsed: float | None = None  # seconds from the POST to the end being noticed
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

    @classmethod
    def from_json(cls, data: dict) -> "RunRecord":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


class RunStore:
    def __init__(self, root: Path | None = None, *, secrets: tuple[str | None, ...] = ()) -> None:
        self.root = Path(root) if root is not None else default_root()
        self.runs_dir = self.root / "runs"
        self.cache_dir = self.root / "cache"
        self._secrets = secrets

    # ------------------------------------------------------------ writing

    def new(self, request: dict, *, spec: str | None, target: str, base_url: str) -> RunRecord:
        now = datetime.now(timezone.utc)
        # Sortable by name (newest last), to the millisecond; the suffix keeps ids unique.
        stamp = now.strftime("%Y%m%d-%H%M%S") + f".{now.microsecond // 1000:03d}"
        record = RunRecord(
            id=f"{stamp}-{_secrets.token_hex(3)}",
            request=request,
            target=target,
            base_url=base_url,
            spec=spec,
            request_hash=canonical_hash(request),
        )
        self.save(record)
        return record

    def save(self, record: RunRecord) -> None:
        record.updated_at = now_iso()
        text = redact(json.dumps(asdict(record), indent=2, ensure_ascii=False) + "\n", *self._secrets)
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

    # ------------------------------------------------------------ reading

    def list(self, limit: int | None = None) -> list[RunRecord]:
        """Newest first."""
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
                return exact
        # One pass over the records: a whole run id wins over prefixes.
        whole, prefixed = [], []
        for r in self.list():
            if r.run_id == ident:
                whole.append(r)
            elif r.id.startswith(ident) or (r.run_id or "").startswith(ident):
                prefixed.append(r)
        matches = whole or prefixed
        if len(matches) == 1:
            return matches[0]
        return matches or None

    def cached(self, request: dict, target: str) -> RunRecord | None:
        """The last completed run of exactly this request at this target."""
        pointer = self.cache_dir / cache_key(request, target)
        try:
            record_id = pointer.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        record = self._read(self.runs_dir / f"{record_id}.json")
        if record is None or record.status != COMPLETED or record.response is None:
            return None
        if record.target != target or record.request_hash != canonical_hash(request):
            return None
        return record

    def _read(self, path: Path) -> RunRecord | None:
        try:
            return RunRecord.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None
