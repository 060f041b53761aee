"""Why an HTTP call failed, in a few words: the transport's reason (refused,
host not found, TLS...) and the server's own explanation in an error body.

Each is one line, safe to print (sanitize.one_line); client.py puts them in
its RuntimeFailures.
"""

from __future__ import annotations

import json
import socket

import httpx

from .answer import UnreadableAnswer, parse_json
from ..sanitize import one_line

_DETAIL_CHARS = 300
_DETAIL_SCAN = 65536  # bytes of an error body looked at for its explanation


def _causes(e: BaseException):
    seen = set()
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        yield e
        e = e.__cause__ or e.__context__


def transport_reason(e: httpx.TransportError) -> str:
    """A few words for why a call got no answer: 'connection refused', 'host not found'..."""
    # anyio sums up failed attempts as "All connection attempts failed"; the
    # OS's reason is further down the chain.
    for cause in _causes(e):
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "host not found"
    text = " ".join(str(c) for c in _causes(e)).lower()
    if isinstance(e, httpx.ConnectTimeout):
        return "connection timed out"
    if isinstance(e, httpx.ReadTimeout):
        return "no answer within the read timeout"
    if isinstance(e, httpx.TimeoutException):
        return "timed out"
    if isinstance(e, httpx.ConnectError):
        if "refused" in text:
            return "connection refused"
        if "name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text:
            return "host not found"
        if "certificate" in text or "ssl" in text:
            return "TLS handshake failed (" + str(e).strip()[:120] + ")"
        if "unreachable" in text:
            return "network unreachable"
        return "cannot connect (" + (str(e).strip()[:120] or type(e).__name__) + ")"
    if isinstance(e, httpx.RemoteProtocolError):
        return "the server closed the connection without an answer"
    if isinstance(e, (httpx.ReadError, httpx.WriteError)):
        return "the connection dropped"
    return str(e).strip()[:120] or type(e).__name__


def error_detail(content: bytes) -> str | None:
    """The server's explanation, on one line: FastAPI-style detail, AI21's, or text.

    Only the start of a body is read, and the line is made safe to print
    (sanitize.one_line), whatever the server put in it."""
    head = content[:_DETAIL_SCAN]
    try:
        data = parse_json(head) if len(content) <= _DETAIL_SCAN else None
    except UnreadableAnswer:
        data = None
    if data is None:
        text = head.decode("utf-8", "replace").strip()
        return _one_line(text) if text else None
    detail = data.get("detail", data.get("error", data.get("message"))) if isinstance(data, dict) else data
    if isinstance(detail, dict):
        detail = detail.get("message") or json.dumps(detail)
    if isinstance(detail, list):
        parts = []
        for item in detail[:20]:
            if isinstance(item, dict):
                path = item.get("path", item.get("loc"))
                if isinstance(path, (list, tuple)):
                    path = ".".join(map(str, path))
                message = item.get("message", item.get("msg", ""))
                parts.append(f"{path}: {message}" if path else str(message))
            else:
                parts.append(str(item))
        detail = "; ".join(parts)
    return _one_line(str(detail)) if detail else None


def _one_line(text: str) -> str:
    return one_line(text, _DETAIL_CHARS)
