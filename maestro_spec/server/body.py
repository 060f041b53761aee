"""Reading a request body: bounded in bytes, in time and in nesting, strict JSON.

Python's json module takes more than JSON: NaN and Infinity, numbers that
overflow to infinity (1e999), strings holding half of a surrogate pair
("\\ud800", which cannot be encoded as UTF-8 again), and integers it then
refuses to convert (more than 4300 digits: a ValueError, not a decode error).
Each of those is answered 400 here with a one-line detail, so none can reach
the handlers and surface later as a 500.
"""

from __future__ import annotations

import asyncio
import json
import math

from starlette.requests import ClientDisconnect, Request

MAX_BODY_BYTES = 4 * 1024 * 1024
# Deeper than any request the compiler emits (values nest at most
# parse.MAX_NESTING = 100, plus a few levels of tools[]); keeps every
# recursive walk of the body (the checker, the simulation) far from Python's limit.
MAX_DEPTH = 128
# Time for the whole body once the head has arrived: a client dripping bytes
# must not hold a connection and a buffer forever.
BODY_SECONDS = 30.0


class BodyError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


def is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


async def read_json(request: Request, body_seconds: float | None = None):
    body_seconds = BODY_SECONDS if body_seconds is None else body_seconds
    content_type = request.headers.get("content-type")
    if content_type is None or not is_json(content_type):
        got = f"got {content_type!r}" if content_type else "none was sent"
        raise BodyError(415, f"the body must be JSON with Content-Type: application/json ({got})")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BodyError(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    try:
        data = await asyncio.wait_for(_read(request), body_seconds)
    except asyncio.TimeoutError:
        raise BodyError(408, f"the body did not arrive within {body_seconds:g} s") from None
    return parse(bytes(data))


async def _read(request: Request) -> bytearray:
    data = bytearray()
    try:
        async for chunk in request.stream():
            data += chunk
            if len(data) > MAX_BODY_BYTES:
                raise BodyError(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
    except ClientDisconnect:
        # The client gave up mid-body (a timeout, Ctrl-C): no run, and
        # nothing to log as a server fault; the answer goes nowhere.
        raise BodyError(400, "the client disconnected before sending the whole body") from None
    return data


def _no_constant(word: str):
    raise BodyError(400, f"the body is not valid JSON: {word} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BodyError(400, f"the body has a number too large for a double: {text[:40]}{'...' if len(text) > 40 else ''}")
    return value


def parse(data: bytes):
    """The JSON value in data, or BodyError(400) saying why it is not one."""
    if not data.strip():
        raise BodyError(400, "the body is empty: send a JSON object with at least an input")
    try:
        value = json.loads(data, parse_constant=_no_constant, parse_float=_finite)
    except json.JSONDecodeError as e:
        raise BodyError(400, f"the body is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    except UnicodeDecodeError:
        raise BodyError(400, "the body is not valid JSON: it is not UTF-8 text") from None
    except RecursionError:
        raise BodyError(400, f"the body is nested too deeply (at most {MAX_DEPTH} levels)") from None
    except ValueError as e:  # int("5000 digits"): Python's integer conversion limit
        if "digits" in str(e):
            raise BodyError(400, "the body has an integer with more than 4300 digits; no API field takes one") from None
        raise BodyError(400, f"the body is not valid JSON: {e}") from None
    _walk(value)
    return value


def _walk(value) -> None:
    """Depth and text checks, without recursion (the value may be deep)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BodyError(400, f"the body is nested too deeply (at most {MAX_DEPTH} levels)")
        if isinstance(node, str):
            _text(node)
        elif isinstance(node, dict):
            for k, v in node.items():
                _text(k)
                stack.append((v, depth + 1))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def _text(s: str) -> None:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise BodyError(
            400,
            "the body is not valid JSON text: a string holds half of a \\uD800-\\uDFFF surrogate pair; "
            "write the whole pair (\\ud83d\\ude00) or the character itself",
        ) from None
