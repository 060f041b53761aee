"""`--call-tools`: really POST each http tool's arguments to its endpoint, on loopback only.

The simulated tool_calls entry of each http tool (toolcalls.py) keeps its
parameters; its response and status become the endpoint's real ones:

- the endpoint must be http(s) on a literal loopback host (127.0.0.0/8, ::1,
  localhost); anything else is not called and the entry says why, status
  "failure". AI21's cloud could not reach a loopback URL anyway; this mode
  is for testing a tool endpoint offline, and it must never turn the local
  server into a way to send requests elsewhere.
- the request is a POST of the parameters as JSON, with the tool's headers,
  no proxies, no redirects followed, a total deadline of --tool-timeout s;
- the answer is read up to MAX_RESPONSE_BYTES; a JSON object is the response
  as is, anything else becomes {"status_code", "body"} (text, cut);
- status is "success" for a 2xx answer, else "failure" with the reason.

The endpoint may echo its headers: the app scrubs every header value out of
the answer before it is stored (scrub.py).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from urllib.parse import urlsplit

import httpx

from ..transport import is_loopback
from .toolcalls import FAILURE, HTTP, SUCCESS, user_tools

MAX_RESPONSE_BYTES = 256 * 1024
_TEXT_CHARS = 2000


def loopback_url(url) -> bool:
    if not isinstance(url, str):
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(host) and is_loopback(host)


async def call_http_tools(body: dict, answer, timeout: float):
    """answer with each http tool's tool_calls entry made real; mcp entries stay simulated."""
    calls = list(answer.data_sources["tool_calls"])
    http_tools = [t for t in user_tools(body) if t["type"] == HTTP]
    slots = [i for i, c in enumerate(calls) if c["tool_type"] == HTTP]
    async with httpx.AsyncClient(trust_env=False, follow_redirects=False, timeout=timeout) as client:
        results = await asyncio.gather(*(_call(client, tool, calls[i]["parameters"], timeout) for tool, i in zip(http_tools, slots)))
    for i, (response, status) in zip(slots, results):
        calls[i] = {**calls[i], "response": response, "status": status}
    return replace(answer, data_sources={**answer.data_sources, "tool_calls": calls})


async def _call(client: httpx.AsyncClient, tool: dict, parameters: dict, timeout: float) -> tuple[dict, str]:
    endpoint = tool.get("endpoint") if isinstance(tool.get("endpoint"), dict) else {}
    url = endpoint.get("url")
    if not loopback_url(url):
        return {"error": "not called: maestro serve --call-tools calls only endpoints on loopback (127.0.0.1, ::1, localhost)"}, FAILURE
    # Uncompressed, so that MAX_RESPONSE_BYTES bounds what is held, not what was sent.
    headers = {"Accept-Encoding": "identity"}
    given = endpoint.get("headers") if isinstance(endpoint.get("headers"), dict) else {}
    headers.update((k, v) for k, v in given.items() if isinstance(k, str) and isinstance(v, str))
    try:
        return await asyncio.wait_for(_post(client, url, headers, parameters), timeout)
    except asyncio.TimeoutError:
        return {"error": f"the endpoint did not answer within {timeout:g} s"}, FAILURE
    except httpx.HTTPError as e:
        return {"error": f"the endpoint could not be reached: {type(e).__name__}"}, FAILURE
    except ValueError as e:  # a header httpx refuses to send
        return {"error": f"the request could not be sent: {e}"}, FAILURE


async def _post(client: httpx.AsyncClient, url: str, headers: dict, parameters: dict) -> tuple[dict, str]:
    async with client.stream("POST", url, json=parameters, headers=headers) as r:
        data = bytearray()
        async for chunk in r.aiter_bytes():
            data += chunk
            if len(data) > MAX_RESPONSE_BYTES:
                return {"status_code": r.status_code, "error": f"the answer is larger than {MAX_RESPONSE_BYTES} bytes"}, FAILURE
    status = SUCCESS if 200 <= r.status_code < 300 else FAILURE
    try:
        value = json.loads(data) if data.strip() else None
    except (ValueError, RecursionError):
        value = None
    if isinstance(value, dict) and _safe(value):
        return value, status
    text = data.decode("utf-8", "replace")
    return {"status_code": r.status_code, "body": text if len(text) <= _TEXT_CHARS else text[:_TEXT_CHARS] + "..."}, status


def _safe(value) -> bool:
    """Storable as the server's JSON: finite numbers and encodable text only."""
    try:
        json.dumps(value, allow_nan=False, ensure_ascii=False).encode("utf-8")
    except (ValueError, RecursionError):
        return False
    return True
