"""How long a request took before: the expected duration that the poll schedule aims at.

    history = RunHistory.load(store)             # once per command (a batch shares it)
    expected = history.expected(request, target=settings.target, spec=spec)
    # seconds, or None when no earlier run says

The records are read through the store's one reader (RunStore.list, newest
first, at most HISTORY_RECORDS of them) and never written here. A record
counts when its run was seen to end (completed, failed, requires_action) at
the same target, and its duration is what record.run_duration reads from its
times: from the POST's answer to the GET that saw the end.

Runs of exactly the same request (its hash) are asked first; else runs of the
same spec file with the same budget (an edited spec usually takes about as
long). Each of the last HISTORY_RUNS brackets its run's end: at most when a
GET saw it (a noticed end is never before the true one, so the shortest is
the closest), at least `ran_until`, when the last GET that found it still
going was sent. The expected duration is halfway between the tightest
bounds (the shortest when no record has a lower one): a run polled with it
is noticed within half the bracket, and its own record halves the bracket
again, so the estimate converges in a few runs, not 0.25 s a run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..compiler.credentials import redact_request
from ..compiler.limits import TERMINAL_STATUSES
from .record import RunRecord, run_duration
from .store import RunStore, canonical_hash

HISTORY_RECORDS = 500  # newest records read, at most (a store holds thousands; reading one costs ~0.1 ms)
HISTORY_RUNS = 5  # earlier runs of a request that count (the newest): old ones say little about today's server


def _budget(request: dict) -> str | None:
    budget = request.get("budget")
    return budget if isinstance(budget, str) else None


@dataclass
class RunHistory:
    """Durations of ended runs, newest first, by (target, request hash) and by (target, spec, budget)."""

    # Each run as (at most: when its end was seen, at least: ran_until or None).
    by_request: dict[tuple[str, str], list[tuple[float, float | None]]] = field(default_factory=dict)
    by_spec: dict[tuple[str, str, str | None], list[tuple[float, float | None]]] = field(default_factory=dict)

    @classmethod
    def load(cls, store: RunStore | None, *, limit: int = HISTORY_RECORDS) -> "RunHistory":
        history = cls()
        if store is not None and limit > 0:
            for record in store.list(limit=limit):
                history.add(record)
        return history

    def add(self, record: RunRecord) -> None:
        """Count one record (newest first: call in list order) if its run was seen to end."""
        if record.status not in TERMINAL_STATUSES:
            return
        seconds = run_duration(record)
        if seconds is None:
            return
        seen = (seconds, record.ran_until)
        by_hash = self.by_request.setdefault((record.target, record.request_hash), [])
        if len(by_hash) < HISTORY_RUNS:
            by_hash.append(seen)
        if record.spec:
            by_spec = self.by_spec.setdefault((record.target, record.spec, _budget(record.request)), [])
            if len(by_spec) < HISTORY_RUNS:
                by_spec.append(seen)

    def expected(self, request: dict, *, target: str, spec: str | None = None, request_hash: str | None = None) -> float | None:
        """Seconds a run of this request is expected to take at `target`, or None.

        `request_hash` saves hashing again when the caller has the record's."""
        digest = request_hash or canonical_hash(redact_request(request))
        seconds = self.by_request.get((target, digest))
        if not seconds and spec:
            seconds = self.by_spec.get((target, spec, _budget(request)))
        if not seconds:
            return None
        # The end lies between the last "still going" GET and the GET that saw
        # it: aim halfway between the tightest bounds, so each run halves the
        # bracket (a run that ends before the aim is noticed there, at most
        # half the bracket late).
        at_most = min(upper for upper, _ in seconds)
        at_least = [lower for _, lower in seconds if lower is not None and lower < at_most]
        return (max(at_least) + at_most) / 2 if at_least else at_most
