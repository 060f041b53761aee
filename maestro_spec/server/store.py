"""Runs in memory: bounded, thread-safe, with lazy completion.

A run is stored with its final fields and the moment it ends; its status is
computed when it is read. Nothing ticks in the background, so the store needs
no task, no timer, and cannot leave a run stuck in progress.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

from ..compiler.limits import RUN_STATUSES

IN_PROGRESS, COMPLETED, FAILED, REQUIRES_ACTION = RUN_STATUSES  # in the order limits.py declares them


class StoreFull(Exception):
    """Every stored run is still in progress and the store is at its limit."""


@dataclass(frozen=True, slots=True)
class StoredRun:
    id: str
    ends_at: float
    final_status: str
    result: object
    data_sources: dict | None
    requirements_result: dict | None
    error: dict | None

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


class RunStore:
    def __init__(self, max_runs: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_runs = max_runs
        self.clock = clock
        self._runs: OrderedDict[str, StoredRun] = OrderedDict()
        self._lock = threading.Lock()
        self.evicted = 0

    def __len__(self) -> int:
        return len(self._runs)

    def add(self, build: Callable[[str, float], StoredRun]) -> StoredRun:
        """Store build(id, now); evicts the oldest finished run when full."""
        with self._lock:
            now = self.clock()
            if len(self._runs) >= self.max_runs:
                self._evict_one(now)
            # Random, not seeded: clients keep run histories across server restarts.
            run = build(str(uuid.uuid4()), now)
            self._runs[run.id] = run
            return run

    def _evict_one(self, now: float) -> None:
        # Oldest first: runs end in roughly creation order, so the scan is short.
        for run_id, run in self._runs.items():
            if run.is_finished(now):
                del self._runs[run_id]
                self.evicted += 1
                return
        raise StoreFull(f"all {self.max_runs} stored runs are still in progress")

    def get(self, run_id: str) -> StoredRun | None:
        with self._lock:
            return self._runs.get(run_id)
