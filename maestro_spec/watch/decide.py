"""Watch mode's decisions, as pure functions of the state: they return data, never words.

The rules (loop.py's docstring says why):
- a build with errors submits nothing and abandons nothing; it only drops a
  request still settling (nothing was sent for it);
- a request equal to the one in flight, or to the last one submitted, is
  skipped as unchanged;
- a different request drops one still settling and abandons one in flight
  (polling stops; the runtime's record keeps the id);
- a new request waits `settle` seconds, then is submitted unless
  `max_runs` runs were already submitted this session;
- a POST that certainly created no run does not count as submitted, so a
  later save may try the same request again; one that may have created a
  run (no answer, a 5xx after the body was sent, an answer we could not
  read, a record saying `unknown` or naming a run id) counts as submitted,
  and the same request is never POSTed again blindly.
"""

from __future__ import annotations

from dataclasses import dataclass

from .state import Build, RunJob


@dataclass(frozen=True)
class Decision:
    """What one build means for the runs. At most one of `unchanged` and
    `submit` is set; `drop` and `abandon` never name the same job."""

    drop: RunJob | None = None  # settling, never sent: cancel it
    abandon: RunJob | None = None  # in flight for another request: stop following it
    unchanged: RunJob | None = None  # the run this request already has: submit nothing
    submit: bool = False  # a new request: submit it once it has settled


def decision_for(request: dict | None, current: RunJob | None, last: RunJob | None) -> Decision:
    """What to do with a build's `request` (None: the spec has errors), given
    the latest job (`current`: settling, in flight or ended) and the last job
    submitted (`last`)."""
    if request is None:
        return Decision(drop=current if current is not None and not current.submitted else None)
    if current is not None and current.submitted and not current.refused and current.request == request:
        return Decision(unchanged=current)
    drop = current if current is not None and not current.submitted else None
    abandon = current if current is not None and current.in_flight else None
    if last is not None and last.request == request:
        return Decision(drop=drop, abandon=abandon, unchanged=last)
    return Decision(drop=drop, abandon=abandon, submit=True)


def runs_left(submitted: int, max_runs: int) -> int:
    """How many more runs --max-runs allows this session."""
    return max(0, max_runs - submitted)


def created_no_run(outcome) -> bool:
    """Whether the POST of this outcome certainly created no run (so sending the
    same request again cannot pay for a second one).

    The decision is the runtime's one rule (outcome.submission, from
    policy.post_meaning and the run's record): only a refusal before a run
    can exist says so.
    """
    from ..runtime import policy as P
    from ..runtime.outcome import submission

    return outcome.error is not None and submission(outcome) == P.NOT_CREATED


def post_in_doubt(job: RunJob) -> bool:
    """Whether the job's POST ended without a run id and may still have created
    a run (created_no_run said no), so the same request is not sent again."""
    outcome = job.outcome
    return outcome is not None and outcome.error is not None and not outcome.run_id


# Whether a result shown is for what the spec says now.
CURRENT = "current"
EARLIER = "earlier"  # a different valid request has replaced it
EARLIER_INVALID = "earlier, the spec has errors now"


def result_version(job: RunJob, latest: Build | None) -> str:
    """CURRENT, EARLIER or EARLIER_INVALID: a result is only ever shown for a
    request the latest build no longer has while the spec has errors (a
    different valid request abandons the run), but say so in every case."""
    if latest is None or latest.request == job.request:
        return CURRENT
    return EARLIER_INVALID if latest.request is None else EARLIER
