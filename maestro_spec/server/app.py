"""The HTTP surface: Starlette routes speaking the Maestro runs API.

    POST /studio/v1/maestro/runs         create a run (body judged by rules.check_request)
    GET  /studio/v1/maestro/runs/{id}    read a run
    GET  /health                         readiness; never faulted, never needs a key

Every error is JSON, `{"detail": ...}`, like the cloud's. The handlers stay
thin: judging is rules.py's, answers are simulate.py's, keeping runs is
store.py's, and faults wrap the whole app (faults.py).
"""

from __future__ import annotations

import hmac
import json
import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import __version__
from ..compiler.diagnostics import format_path
from ..compiler.rules import check_request
from . import simulate
from ..compiler.endpoint import API_PREFIX
from ..compiler.endpoint import RUNS_PATH as _RUNS_UNDER_BASE
from .config import ServerConfig
from .faults import FaultMiddleware, FaultPlan
from .store import COMPLETED, FAILED, RunStore, StoredRun, StoreFull

RUNS_PATH = API_PREFIX + _RUNS_UNDER_BASE
MAX_BODY_BYTES = 4 * 1024 * 1024

log = logging.getLogger("maestro.serve")

_FAILED_MESSAGE = "the run failed (simulated by --fail-rate; no real error occurred)"
_REQUIRES_ACTION_RESULT = (
    f"{simulate.MARKER} The run stopped and requires action before it can continue "
    "(simulated by --requires-action-rate)."
)


class ApiError(Exception):
    def __init__(self, status: int, detail, headers: dict | None = None, **extra) -> None:
        self.status, self.detail, self.headers, self.extra = status, detail, headers, extra


def _error_response(status: int, detail, headers: dict | None = None, **extra) -> JSONResponse:
    return JSONResponse({"detail": detail, **extra}, status_code=status, headers=headers)


class MaestroApi:
    def __init__(self, config: ServerConfig, plan: FaultPlan) -> None:
        self.config = config
        self.plan = plan
        self.store = RunStore(config.max_runs)

    # ------------------------------------------------------------ routes

    async def create_run(self, request: Request) -> JSONResponse:
        try:
            self._authorize(request)
            body = await _json_body(request)
            self._validate(body)
            run = self._store(body)
        except ApiError as e:
            return _error_response(e.status, e.detail, e.headers, **e.extra)
        return JSONResponse(run.view(self.store.clock()))

    async def read_run(self, request: Request) -> JSONResponse:
        try:
            self._authorize(request)
        except ApiError as e:
            return _error_response(e.status, e.detail, e.headers)
        run_id = request.path_params["run_id"]
        run = self.store.get(run_id)
        if run is None:
            detail = f"no run with id {run_id!r}"
            if self.store.evicted:
                detail += f" (this server keeps at most {self.config.max_runs} runs and has evicted {self.store.evicted})"
            return _error_response(404, detail)
        return JSONResponse(run.view(self.store.clock()))

    async def health(self, request: Request) -> JSONResponse:
        return JSONResponse(
            {"status": "ok", "simulation": True, "version": __version__, "runs": len(self.store), "max_runs": self.config.max_runs}
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

    def _validate(self, body) -> None:
        found = check_request(body)
        errors = [d for d in found if d.is_error]
        warnings = [d for d in found if not d.is_error]
        if errors:
            raise ApiError(
                422,
                [_diagnostic_json(d) for d in errors],
                message=f"the request body has {len(errors)} error{'s' if len(errors) != 1 else ''}",
                warnings=[_diagnostic_json(d) for d in warnings],
            )
        for d in warnings:  # accepted anyway, as the cloud would
            log.info("accepted with warning %s at %s: %s", d.code, format_path(d.path) or "(body)", d.message)

    def _store(self, body: dict) -> StoredRun:
        answer = simulate.simulate(body, self.config.unmet_rate)
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
            retry = max(1, round(self.config.run_seconds))
            raise ApiError(503, f"{e}; retry later or start the server with a larger --max-runs", {"Retry-After": str(retry)}) from None


def _diagnostic_json(d) -> dict:
    out = {"path": format_path(d.path), "code": d.code, "message": d.message}
    if d.hint:
        out["hint"] = d.hint
    return out


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


async def _json_body(request: Request):
    content_type = request.headers.get("content-type")
    if content_type is None or not _is_json(content_type):
        got = f"got {content_type!r}" if content_type else "none was sent"
        raise ApiError(415, f"the body must be JSON with Content-Type: application/json ({got})")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ApiError(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    data = bytearray()
    try:
        async for chunk in request.stream():
            data += chunk
            if len(data) > MAX_BODY_BYTES:
                raise ApiError(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    except ClientDisconnect:
        # The client gave up mid-body (a timeout, Ctrl-C): no run, and
        # nothing to log as a server fault; the answer goes nowhere.
        raise ApiError(400, "the client disconnected before sending the whole body") from None
    if not data.strip():
        raise ApiError(400, "the body is empty: send a JSON object with at least an input")
    try:
        return json.loads(data)
    except json.JSONDecodeError as e:
        raise ApiError(400, f"the body is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    except UnicodeDecodeError:
        raise ApiError(400, "the body is not valid JSON: it is not UTF-8 text") from None
    except RecursionError:
        raise ApiError(400, "the body is not valid JSON: it is nested too deeply") from None


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    detail = exc.detail
    if exc.status_code == 404:
        detail = f"no such endpoint: {request.method} {request.url.path} (the API is {RUNS_PATH} and {RUNS_PATH}/{{id}})"
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
            Route(RUNS_PATH, api.create_run, methods=["POST"]),
            Route(RUNS_PATH + "/{run_id}", api.read_run, methods=["GET"]),
            Route("/health", api.health, methods=["GET"]),
        ],
        exception_handlers={HTTPException: _http_error, Exception: _internal_error},
    )
    app.state.api = api
    return FaultMiddleware(app, plan)
