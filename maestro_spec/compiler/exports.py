"""A compiled request as something to paste elsewhere: a curl command, a
Python snippet on the official ai21 SDK, or a raw HTTP request.

The key is never in the output: each form reads it from the environment
($AI21_API_KEY, os.environ["AI21_API_KEY"]) when it runs. This module does not
read the key at all. A plain-http base URL is accepted only for loopback,
where the local server runs, so an exported command never sends the key in
clear over a network.
"""

from __future__ import annotations

import json
import shlex
from urllib.parse import urlsplit

from .endpoint import DEFAULT_BASE_URL, KEY_ENV, RUNS_PATH, check_base_url

EXPORT_FORMATS = ("curl", "python", "http")

_HEREDOC = "JSON"


def render_export(kind: str, body: dict, base_url: str | None = None) -> str:
    base = check_base_url(base_url or DEFAULT_BASE_URL)
    if kind == "curl":
        return to_curl(body, base)
    if kind == "python":
        return to_python(body, base)
    if kind == "http":
        return to_http(body, base)
    raise ValueError(f"unknown export format {kind!r}; known: {', '.join(EXPORT_FORMATS)}")


def _json(body: dict) -> str:
    return json.dumps(body, indent=2, ensure_ascii=False)


# -------------------------------------------------------------------- curl


def to_curl(body: dict, base_url: str = DEFAULT_BASE_URL) -> str:
    """A POST with the body on a quoted here-document: the shell expands
    $AI21_API_KEY in the header and nothing in the body."""
    data = _json(body)
    # Pretty-printed JSON never has a line that is exactly the delimiter.
    assert _HEREDOC not in data.splitlines()
    url = base_url + RUNS_PATH
    return (
        f"# Creates a run; read it with: curl -sS -H \"Authorization: Bearer ${KEY_ENV}\" {shlex.quote(url)}/RUN_ID\n"
        f"curl -sS -X POST {shlex.quote(url)} \\\n"
        f'  -H "Authorization: Bearer ${KEY_ENV}" \\\n'
        "  -H 'Content-Type: application/json' \\\n"
        f"  --data-binary @- <<'{_HEREDOC}'\n"
        f"{data}\n"
        f"{_HEREDOC}\n"
    )


# ------------------------------------------------------------------ python


def to_python(body: dict, base_url: str = DEFAULT_BASE_URL) -> str:
    """create_and_poll with the body as keyword arguments (the SDK's own
    names are the request's fields)."""
    client_args = f'api_key=os.environ["{KEY_ENV}"]'
    if base_url != DEFAULT_BASE_URL:
        client_args += f", api_host={_py(base_url, 0)}"
    kwargs = "".join(f"    {key}={_py(value, 4)},\n" for key, value in body.items())
    return (
        "import os\n"
        "\n"
        "from ai21 import AI21Client\n"
        "\n"
        f"client = AI21Client({client_args})\n"
        "\n"
        "run = client.beta.maestro.runs.create_and_poll(\n"
        f"{kwargs}"
        ")\n"
        "print(run.status)\n"
        "print(run.result)\n"
    )


def _py(value, indent: int) -> str:
    """A Python literal, laid out like black would."""
    pad, inner = " " * indent, " " * (indent + 4)
    if isinstance(value, str):
        lines = value.split("\n")
        if len(lines) == 1:
            return _py_str(value)
        parts = [_py_str(line + "\n") for line in lines[:-1]] + ([_py_str(lines[-1])] if lines[-1] else [])
        return "(\n" + "".join(f"{inner}{p}\n" for p in parts) + f"{pad})"
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, list):
        flat = "[" + ", ".join(_py(v, indent) for v in value) + "]"
        if len(flat) + indent <= 80 and "\n" not in flat:
            return flat
        return "[\n" + "".join(f"{inner}{_py(v, indent + 4)},\n" for v in value) + f"{pad}]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{\n" + "".join(f"{inner}{_py_str(k)}: {_py(v, indent + 4)},\n" for k, v in value.items()) + f"{pad}}}"
    raise TypeError(f"cannot write {type(value).__name__} as Python")


def _py_str(s: str) -> str:
    # JSON's escapes mean the same in Python; ensure_ascii keeps odd
    # characters (line separators, controls) visible and the source ASCII-safe
    # only where it has to be.
    return json.dumps(s, ensure_ascii=False).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


# -------------------------------------------------------------------- http


def to_http(body: dict, base_url: str = DEFAULT_BASE_URL) -> str:
    """The request as it goes on the wire (lines shown with \\n; HTTP/1.1
    wants \\r\\n, which tools that send .http files add)."""
    parts = urlsplit(base_url)
    host = parts.hostname if ":" not in (parts.hostname or "") else f"[{parts.hostname}]"
    default_port = 443 if parts.scheme == "https" else 80
    if parts.port and parts.port != default_port:
        host += f":{parts.port}"
    data = _json(body)
    return (
        f"POST {parts.path}{RUNS_PATH} HTTP/1.1\n"
        f"Host: {host}\n"
        f"Authorization: Bearer ${KEY_ENV}\n"
        "Content-Type: application/json\n"
        f"Content-Length: {len(data.encode('utf-8'))}\n"
        "\n"
        f"{data}\n"
    )
