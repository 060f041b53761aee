"""The HTTP surface: Starlette routes speaking the Maestro runs API.

    POST /studio/v1/maestro/runs         create a run (body judged by rules.check_request)
    GET  /studio/v1/maestro/runs/{id}    read a run
    GET  /health                         readiness; never faulted, never needs a key

Every error is JSON, `{"detail": ...}`, like the cloud's. The handlers stay
thin: judging is rules.py's, answers are simulate.py's, keeping runs is
runs.py's, and faults wrap the whole app (faults.py).
"""

from __future__ import annotations

import hmac
import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import __version__
from ..compiler.diagnostics import format_path
from ..transport import API_PREFIX
from ..transport import RUNS_PATH
from ..compiler.rules import check_request
from . import simulate
from .body import MAX_BODY_BYTES, BodyError, read_json
from .config import ServerConfig
from .detail import unprocessable
from .faults import FaultMiddleware, FaultPlan
from .scrub import printable, scrub, scrub_text, secrets_of
from .runs import COMPLETED, FAILED, ServerRuns, StoredRun, StoreFull

__all__ = ["MAX_BODY_BYTES", "RUNS_ROUTE", "create_app"]

RUNS_ROUTE = API_PREFIX + RUNS_PATH  # the route the app serves

log = logging.getLogger("maestro.serve")

_FAILED_MESSAGE = "the run failed (simulated by --fail-rate; no real error occurred)"
_REQUIRES_ACTION_RESULT = (
    f"{simulate.MARKER} The run stopped and requires action before it can continue "
    "(simulated by --requires-action-rate)."
)


class ApiError(Exception):
    def __init__(self, status: int, detail, headers: dict | None = None, body: dict | None = None) -> None:
        self.status, self.detail, self.headers, self.body = status, detail, headers, body


def _error_response(status: int, detail, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


class MaestroApi:
    def __init__(self, config: ServerConfig, plan: FaultPlan) -> None:
        self.config = config
        self.plan = plan
        self.store = ServerRuns(config.max_runs, config.max_store_bytes)

    # ------------------------------------------------------------ routes

    async def create_run(self, request: Request) -> JSONResponse:
        try:
            self._authorize(request)
            try:
                body = await read_json(request)
            except BodyError as e:
                raise ApiError(e.status, e.detail) from None
            secrets = secrets_of(body)
            answer = self._judge_and_simulate(body, secrets)
            if self.config.call_tools and answer.data_sources is not None and answer.data_sources.get("tool_calls"):
                from .calltools import call_http_tools

                answer = await call_http_tools(body, answer, self.config.tool_timeout)
            if secrets:  # a tool endpoint may echo its headers; the result may quote one
                answer = simulate.Answer(*(scrub(v, secrets) for v in (answer.result, answer.requirements_result, answer.data_sources)))
            run = self._store(body, answer)
        except ApiError as e:
            if e.body is not None:
                return JSONResponse(e.body, status_code=e.status, headers=e.headers)
            return _error_response(e.status, e.detail, e.headers)
        return JSONResponse(run.view(self.store.clock()))

    async def read_run(self, request: Request) -> JSONResponse:
        try:
            self._authorize(request)
        except ApiError as e:
            return _error_response(e.status, e.detail, e.headers)
        run_id = request.path_params["run_id"]
        run = self.store.get(run_id)
        if run is None:
            shown = run_id if len(run_id) <= 100 else run_id[:100] + "..."
            detail = f"no run with id {shown!r}"
            if self.store.evicted:
                detail += (
                    f" (this server keeps at most {self.config.max_runs} runs and {self.config.max_store_bytes} bytes"
                    f" of runs, and has evicted {self.store.evicted})"
                )
            return _error_response(404, detail)
        return JSONResponse(run.view(self.store.clock()))

    async def health(self, request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "status": "ok",
                "simulation": True,
                "version": __version__,
                "runs": len(self.store),
                "max_runs": self.config.max_runs,
                "stored_bytes": self.store.bytes,
                "max_store_bytes": self.config.max_store_bytes,
            }
        )

    # ------------------------------------------------------------ steps

    def _authorize(self, request: Request) -> None:
        key = self.config.require_key
        if key is None:
            return
        header = request.headers.get("authorization")
        challenge = {"WWW-Authenticate": "Bearer"}
        if not header:
            raise ApiError(401, "missing Authorization header: send 'Authorization: Bearer <key>'", challenge)
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), key.encode()):
            # Never echo what was sent: it may be someone's real key.
            raise ApiError(401, "invalid API key", challenge)

    def _judge_and_simulate(self, body, secrets: tuple[str, ...]) -> simulate.Answer:
        try:
            self._validate(body, secrets)
            return simulate.simulate(body, self.config.unmet_rate)
        except ApiError:
            raise
        except Exception as e:  # a bug of ours, not the client's: say so in one line, keep serving
            log.error("internal error judging or simulating a request: %s: %s", type(e).__name__, printable(scrub_text(str(e)[:200], secrets)))
            raise ApiError(500, f"internal error in maestro serve while judging the body ({type(e).__name__}); please report it") from None

    def _validate(self, body, secrets: tuple[str, ...]) -> None:
        found = check_request(body)
        errors = [d for d in found if d.is_error]
        warnings = [d for d in found if not d.is_error]
        if errors:
            raise ApiError(422, None, body=scrub(unprocessable(errors, warnings), secrets))
        for d in warnings:  # accepted anyway, as the cloud would
            where = printable(scrub_text(format_path(d.path) or "(body)", secrets))
            log.info("accepted with warning %s at %s: %s", d.code, where, printable(scrub_text(d.message, secrets)))

    def _store(self, body: dict, answer: simulate.Answer) -> StoredRun:
        seconds = simulate.duration(body, self.config.run_seconds)

        def build(run_id: str, now: float) -> StoredRun:
            fate = self.plan.next_run()
            ends = now + seconds
            if fate == COMPLETED:
                return StoredRun(run_id, ends, COMPLETED, answer.result, answer.data_sources, answer.requirements_result, None)
            if fate == FAILED:
                return StoredRun(run_id, ends, FAILED, None, None, None, {"message": _FAILED_MESSAGE})
            return StoredRun(run_id, ends, fate, _REQUIRES_ACTION_RESULT, None, None, None)

        try:
            return self.store.add(build)
        except StoreFull as e:
            if e.never_fits:
                raise ApiError(413, f"{e}; start the server with a larger --max-store-bytes") from None
            retry = max(1, round(self.config.run_seconds))
            raise ApiError(
                503, f"{e}; retry later, or start the server with a larger --max-runs or --max-store-bytes", {"Retry-After": str(retry)}
            ) from None


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    detail = exc.detail
    if exc.status_code == 404:
        detail = f"no such endpoint: {request.method} {request.url.path} (the API is {RUNS_ROUTE} and {RUNS_ROUTE}/{{id}})"
    elif exc.status_code == 405:
        detail = f"method {request.method} is not allowed on {request.url.path}"
    return _error_response(exc.status_code, detail, exc.headers)


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    return _error_response(500, f"internal error in maestro serve: {type(exc).__name__}")


def create_app(config: ServerConfig | None = None):
    """The ASGI app for `config`: Starlette routes wrapped in fault injection."""
    config = config or ServerConfig()
    plan = FaultPlan(config)
    api = MaestroApi(config, plan)
    app = Starlette(
        routes=[
            Route(RUNS_ROUTE, api.create_run, methods=["POST"]),
            Route(RUNS_ROUTE + "/{run_id}", api.read_run, methods=["GET"]),
            Route("/health", api.health, methods=["GET"]),
        ],
        exception_handlers={HTTPException: _http_error, Exception: _internal_error},
    )
    app.state.api = api
    return FaultMiddleware(app, plan)
