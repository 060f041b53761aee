"""The Python API's runtime half: run a compiled request, sync or async.

A thin layer over maestro_spec.runtime.execute (the function `maestro run`
uses): the same key and host rules, records, retries, polling and exit-code
judgement. What cannot start (no key, an insecure URL, both `local` and
`base_url`) raises maestro_spec.RuntimeFailure before anything is sent; a run that starts comes
back as a RunResult whatever happened to it (failed, timed out, unreachable),
so a caller judges it as `maestro run` does, by `exit_code`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .api import CompileResult
    from .runtime.wire import Run
    from .runtime.outcome import RunOutcome, StatusEvent
    from .runtime.record import RunRecord


@dataclass(frozen=True)
class RunResult:
    """How one run ended: `outcome` is the runtime's RunOutcome, the rest reads it."""

    outcome: RunOutcome

    @property
    def run(self) -> Run | None:
        """The Run object the server answered (a pydantic model), or None when there is none."""
        return self.outcome.run

    @property
    def run_id(self) -> str | None:
        return self.outcome.run_id

    @property
    def status(self) -> str:
        """completed, failed, requires_action, in_progress (timed out); `error`
        without a Run; `unknown` when a run may exist but its id never arrived."""
        return self.outcome.status

    @property
    def exit_code(self) -> int:
        """What `maestro run` would exit with: 0 ok, 1 the server rejected the
        body, 3 the run failed or could not be followed, 4 requirements unmet."""
        return self.outcome.exit_code

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    @property
    def error(self) -> str | None:
        """One line saying why exit_code is not 0, or None."""
        return self.outcome.verdict

    @property
    def hint(self) -> str | None:
        """The next step after a failure (e.g. how to resume a timed-out run), or None."""
        error = self.outcome.error
        return error.hint if error is not None else None

    @property
    def result(self) -> Any:
        """The run's result (text, or the object output_type asked for), or None."""
        return self.run.result if self.run is not None else None

    @property
    def record(self) -> RunRecord | None:
        """The local record of the run (`maestro runs show ID`), or None with record=False."""
        return self.outcome.record

    def __repr__(self) -> str:
        # Not the dataclass repr: the outcome holds the request, and with it
        # the values of credential headers, which are never printed.
        return f"<RunResult {self.run_id or 'no run'}: {self.status}, exit_code {self.exit_code}>"

    def to_dict(self) -> dict | None:
        """The Run object as `maestro run --json` prints it, or None without one."""
        run = self.run
        return run.model_dump(mode="json", exclude_unset=True) if run is not None else None


def _check_options(timeout: float | None, poll_interval: float | None, max_retries: int | None, min_score: float | None) -> None:
    """The ranges `maestro run` accepts for the same options (ValueError otherwise)."""
    from .runtime.defaults import MAX_POLL_INTERVAL, MAX_RETRIES_LIMIT, MIN_POLL_INTERVAL, MIN_SCORE_RANGE

    if timeout is not None and not timeout > 0:
        raise ValueError(f"timeout={timeout!r}: a number of seconds above 0")
    if poll_interval is not None and not MIN_POLL_INTERVAL <= poll_interval <= MAX_POLL_INTERVAL:
        raise ValueError(
            f"poll_interval={poll_interval!r}: seconds within {MIN_POLL_INTERVAL:g} .. {MAX_POLL_INTERVAL:g}, or None for the adaptive schedule"
        )
    if max_retries is not None and (
        isinstance(max_retries, bool) or not isinstance(max_retries, int) or not 0 <= max_retries <= MAX_RETRIES_LIMIT
    ):
        raise ValueError(f"max_retries={max_retries!r}: an int within 0 .. {MAX_RETRIES_LIMIT}")
    low, high = MIN_SCORE_RANGE
    if min_score is not None and not low <= min_score <= high:
        raise ValueError(f"min_score={min_score!r}: a score within {low:g} .. {high:g}")


def _checked(request: Mapping[str, Any] | CompileResult) -> dict:
    """The request as a dict, or SpecError when `maestro check` finds errors in it."""
    from .api import BODY_NAME, CompileResult, SpecError, check

    if isinstance(request, CompileResult):
        request = request.request  # SpecError while the spec has errors
    if not isinstance(request, Mapping):
        raise TypeError(f"request is a dict (from maestro_spec.load/loads), not {type(request).__name__}")
    body = dict(request)
    findings = check(body)
    if any(d.is_error for d in findings):
        raise SpecError(findings, path=BODY_NAME)
    return body


async def run_async(
    request: Mapping[str, Any] | CompileResult,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    local: bool = False,
    timeout: float | None = None,
    poll_interval: float | None = None,
    max_retries: int | None = None,
    min_score: float | None = None,
    record: bool = True,
    use_cache: bool = False,
    spec: str | None = None,
    on_status: Callable[[StatusEvent], None] | None = None,
) -> RunResult:
    """Submit a compiled request, follow it to the end, and return the RunResult.

    request: the body (from load/loads, or any client's dict), or a CompileResult.

    base_url: the API's base URL (default AI21_API_HOST, else AI21's cloud).
    api_key: default AI21_API_KEY; sent only over https or to a loopback host.
    local: run on the built-in local server (a simulation; no key is sent),
    started for this call. timeout: seconds to wait for the run (default
    600; the run goes on after it, `maestro runs attach ID` resumes).
    poll_interval: fixed seconds between GETs (default: the adaptive
    schedule). max_retries: per HTTP call (default 5). min_score: exit_code 4
    below this requirements score. record: keep a local record ($MAESTRO_HOME).
    use_cache: reuse the recorded answer of an identical completed request.
    spec: a name for the record. on_status: called with each StatusEvent.

    Raises SpecError when the request has errors (nothing is sent) and
    RuntimeFailure when the run cannot start (no key, insecure URL, no local server).
    """
    from .compiler import limits as L
    from .runtime.defaults import DEFAULT_RUN_TIMEOUT, MAX_RETRIES
    from .runtime.outcome import RunSettings
    from .runtime.poll import execute
    from .runtime.target import API_NAMES, choose_target, launch_local_server

    _check_options(timeout, poll_interval, max_retries, min_score)
    body = _checked(request)
    if min_score is not None and L.INCLUDE_REQUIREMENTS_RESULT not in (body.get("include") or ()):
        raise ValueError(f"min_score needs the run's score: the spec must `include {L.INCLUDE_REQUIREMENTS_RESULT}`")
    # docs/runtime.md#keys-and-hosts; a missing key's error names the URL, as
    # the Python API has always worded it.
    url, key = choose_target(local, base_url, api_key=api_key, names=API_NAMES, offer_local=False)
    server = None
    if local:
        server = await asyncio.to_thread(launch_local_server)
        url = server.base_url
    settings = RunSettings(
        base_url=url,
        api_key=key,
        local=local,
        timeout=DEFAULT_RUN_TIMEOUT if timeout is None else timeout,
        poll_interval=poll_interval,
        max_retries=MAX_RETRIES if max_retries is None else max_retries,
        min_score=min_score,
        record=record,
        use_cache=use_cache,
    )
    try:
        outcome = await execute(body, settings=settings, spec=spec, on_status=on_status)
    finally:
        if server is not None:
            await asyncio.to_thread(server.stop)
    return RunResult(outcome)


def run(
    request: Mapping[str, Any] | CompileResult,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    local: bool = False,
    timeout: float | None = None,
    poll_interval: float | None = None,
    max_retries: int | None = None,
    min_score: float | None = None,
    record: bool = True,
    use_cache: bool = False,
    spec: str | None = None,
    on_status: Callable[[StatusEvent], None] | None = None,
) -> RunResult:
    """run_async() for code without an event loop: the same options, the
    same RunResult and exceptions. Inside a running loop, await run_async()."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        options = dict(base_url=base_url, api_key=api_key, local=local, timeout=timeout, poll_interval=poll_interval, max_retries=max_retries)
        options.update(min_score=min_score, record=record, use_cache=use_cache, spec=spec, on_status=on_status)
        return asyncio.run(run_async(request, **options))
    raise RuntimeError("maestro_spec.run() was called inside a running event loop; use `await maestro_spec.run_async(...)` there")
