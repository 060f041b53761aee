"""Runs in memory: bounded, thread-safe, with lazy completion.

A run is stored with its final fields and the moment it ends; its status is
computed when it is read. Nothing ticks in the background, so the store needs
no task, no timer, and cannot leave a run stuck in progress.

Two bounds, both evicting the oldest finished runs first: a count of runs and
a total of bytes (each run's size is the length of its finished Run as JSON,
which is what it costs to hold, give or take Python's overhead). Bytes are what
bound memory: a few huge runs must not fill it, nor many small ones.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

from ..compiler.limits import RUN_STATUSES

IN_PROGRESS, COMPLETED, FAILED, REQUIRES_ACTION = RUN_STATUSES  # in the order limits.py declares them


class StoreFull(Exception):
    """No room: the runs that would have to go are still in progress, or the
    run alone is larger than the whole store (`never_fits`)."""

    def __init__(self, message: str, *, never_fits: bool = False) -> None:
        super().__init__(message)
        self.never_fits = never_fits


@dataclass(frozen=True, slots=True)
class StoredRun:
    id: str
    ends_at: float
    final_status: str
    result: object
    data_sources: dict | None
    requirements_result: dict | None
    error: dict | None
    size: int = 0  # bytes, set by with_size()

    def with_size(self) -> "StoredRun":
        """This run with its size: the bytes of its finished Run as JSON."""
        view = self.view(self.ends_at)
        size = len(json.dumps(view, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))
        return StoredRun(self.id, self.ends_at, self.final_status, self.result, self.data_sources, self.requirements_result, self.error, size)

    def is_finished(self, now: float) -> bool:
        return now >= self.ends_at

    def view(self, now: float) -> dict:
        """The Run object as the API returns it at time `now`."""
        if not self.is_finished(now):
            return _run(self.id, IN_PROGRESS)
        return _run(
            self.id,
            self.final_status,
            result=self.result,
            data_sources=self.data_sources,
            requirements_result=self.requirements_result,
            error=self.error,
        )


def _run(run_id: str, status: str, *, result=None, data_sources=None, requirements_result=None, error=None) -> dict:
    return {
        "id": run_id,
        "status": status,
        "result": result,
        "data_sources": data_sources,
        "requirements_result": requirements_result,
        "error": error,
    }


class ServerRuns:
    def __init__(self, max_runs: int, max_bytes: int | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_runs = max_runs
        self.max_bytes = max_bytes
        self.clock = clock
        self._runs: OrderedDict[str, StoredRun] = OrderedDict()
        self._lock = threading.Lock()
        self.evicted = 0
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._runs)

    def add(self, build: Callable[[str, float], StoredRun]) -> StoredRun:
        """Store build(id, now).with_size(), evicting the oldest finished runs to make room."""
        with self._lock:
            now = self.clock()
            # Random, not seeded: clients keep run histories across server restarts.
            run = build(str(uuid.uuid4()), now).with_size()
            if self.max_bytes is not None and run.size > self.max_bytes:
                raise StoreFull(f"this run would take {run.size} bytes, more than the store's {self.max_bytes}", never_fits=True)
            self._make_room(run.size, now)
            self._runs[run.id] = run
            self.bytes += run.size
            return run

    def _too_full(self, size: int) -> bool:
        return len(self._runs) >= self.max_runs or (self.max_bytes is not None and self.bytes + size > self.max_bytes)

    def _make_room(self, size: int, now: float) -> None:
        if not self._too_full(size):
            return
        # Oldest first: runs end in roughly creation order, so the scan is short.
        doomed = []
        freed_runs = freed_bytes = 0
        for run_id, run in self._runs.items():
            if not run.is_finished(now):
                continue
            doomed.append(run_id)
            freed_runs += 1
            freed_bytes += run.size
            if len(self._runs) - freed_runs < self.max_runs and (
                self.max_bytes is None or self.bytes - freed_bytes + size <= self.max_bytes
            ):
                break
        else:
            # Evict nothing unless it makes enough room: a 503 must not cost finished runs.
            what = f"{self.max_runs} runs" if len(self._runs) >= self.max_runs else f"{self.max_bytes} bytes"
            raise StoreFull(f"the store is full ({what}) and the runs that would have to go are still in progress")
        for run_id in doomed:
            self.bytes -= self._runs.pop(run_id).size
        self.evicted += len(doomed)

    def get(self, run_id: str) -> StoredRun | None:
        with self._lock:
            return self._runs.get(run_id)
