"""A compiled request as something to paste elsewhere: a curl command, a
Python snippet on the official ai21 SDK, or a raw HTTP request.

The key is never in the output: each form reads it from the environment
($AI21_API_KEY, os.environ["AI21_API_KEY"]) when it runs. This module does not
read the key at all. Tool header values are credentials too: one written as
{{env.NAME}} in the spec becomes a reference to $NAME (os.environ["NAME"]),
and any other is left out as <redacted>, with a comment saying so. A plain-http base URL is accepted only for loopback,
where the local server runs, so an exported command never sends the key in
clear over a network.
"""

from __future__ import annotations

import copy
import json
import re
import shlex
from urllib.parse import urlsplit

from .credentials import REDACTED, secret_paths_in
from ..transport import DEFAULT_BASE_URL, KEY_ENV, RUNS_PATH, check_base_url

EXPORT_FORMATS = ("curl", "python", "http")

_HEREDOC = "JSON"


def render_export(kind: str, body: dict, base_url: str | None = None, secrets: dict | None = None) -> str:
    """secrets: JSON path of each credential -> how the spec writes it
    (Compiled.secrets); without it every credential is left out."""
    base = check_base_url(base_url or DEFAULT_BASE_URL)
    body = with_references(body, secrets or {})
    if kind == "curl":
        return to_curl(body, base)
    if kind == "python":
        return to_python(body, base)
    if kind == "http":
        return to_http(body, base)
    raise ValueError(f"unknown export format {kind!r}; known: {', '.join(EXPORT_FORMATS)}")


_ENV_RE = re.compile(r"\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


class Secret:
    """A credential in an exported body: literal text and environment variables."""

    def __init__(self, template: str | None) -> None:
        self.parts: list[tuple[str, str]] = []  # ("text", s) or ("env", NAME)
        if template is None or not _ENV_RE.search(template):
            self.parts.append(("text", REDACTED))
            return
        at = 0
        for m in _ENV_RE.finditer(template):
            if m.start() > at:
                self.parts.append(("text", template[at : m.start()]))
            self.parts.append(("env", m.group(1)))
            at = m.end()
        if at < len(template):
            self.parts.append(("text", template[at:]))

    @property
    def left_out(self) -> bool:
        return all(kind == "text" for kind, _ in self.parts)


def with_references(body: dict, secrets: dict) -> dict:
    """The body with each credential value replaced by a Secret."""
    paths = secret_paths_in(body)
    if not paths:
        return body
    out = copy.deepcopy(body)
    for path in paths:
        node = out
        for key in path[:-1]:
            node = node[key]
        if not isinstance(node[path[-1]], Secret):
            node[path[-1]] = Secret(secrets.get(tuple(path)))
    return out


def _secrets(body) -> list[Secret]:
    found = []

    def walk(v):
        if isinstance(v, Secret):
            found.append(v)
        elif isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(body)
    return found


def _note(body) -> str:
    left = sum(1 for s in _secrets(body) if s.left_out)
    if not left:
        return ""
    return (
        f"# {left} header value{'s are' if left > 1 else ' is'} left out (<redacted>): a credential is never exported;\n"
        '# write it in the spec as "{{env.NAME}}" to export a reference to $NAME instead.\n'
    )


def _json_with(body) -> tuple[str, list]:
    """Pretty JSON with a mark in place of each Secret, and (mark as it stands
    in the JSON text, Secret) pairs: the caller writes each secret in its
    target's syntax where its mark is."""
    secrets = _secrets(body)
    marks = {id(s): f"\x00{i}\x00" for i, s in enumerate(secrets)}

    def plain(v):
        if isinstance(v, Secret):
            return marks[id(v)]
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        if isinstance(v, list):
            return [plain(x) for x in v]
        return v

    text = json.dumps(plain(body), indent=2, ensure_ascii=False)
    return text, [(json.dumps(marks[id(s)])[1:-1], s) for s in secrets]


def _json(body: dict) -> str:
    return json.dumps(body, indent=2, ensure_ascii=False)


# -------------------------------------------------------------------- curl


def to_curl(body: dict, base_url: str = DEFAULT_BASE_URL) -> str:
    """A POST with the body on a quoted here-document: the shell expands
    $AI21_API_KEY in the header and nothing in the body. A body that
    references credentials goes on an unquoted here-document instead, with
    every $, ` and \\ of the JSON escaped, so the shell expands only ${NAME}."""
    body = with_references(body, {})
    secrets = _secrets(body)
    if any(not s.left_out for s in secrets):
        text, marks = _json_with(body)
        text = re.sub(r"[\\$`]", lambda m: "\\" + m.group(0), text)
        for mark, secret in marks:
            shown = "".join(
                "${" + value + "}" if kind == "env" else re.sub(r"[\\$`]", lambda m: "\\" + m.group(0), json.dumps(value)[1:-1])
                for kind, value in secret.parts
            )
            text = text.replace(re.sub(r"[\\$`]", lambda m: "\\" + m.group(0), mark), shown)
        data, opener = text, f"<<{_HEREDOC}"
    else:
        data, opener = _json(_redacted(body)), f"<<'{_HEREDOC}'"
    # Pretty-printed JSON never has a line that is exactly the delimiter.
    assert _HEREDOC not in data.splitlines()
    url = base_url + RUNS_PATH
    return (
        _note(body)
        + f"# Creates a run; read it with: curl -sS -H \"Authorization: Bearer ${KEY_ENV}\" {shlex.quote(url)}/RUN_ID\n"
        f"curl -sS -X POST {shlex.quote(url)} \\\n"
        f'  -H "Authorization: Bearer ${KEY_ENV}" \\\n'
        "  -H 'Content-Type: application/json' \\\n"
        f"  --data-binary @- {opener}\n"
        f"{data}\n"
        f"{_HEREDOC}\n"
    )


def _redacted(body):
    """The body with every Secret written as its literal text (<redacted>)."""
    if isinstance(body, Secret):
        return "".join(value if kind == "text" else "${" + value + "}" for kind, value in body.parts)
    if isinstance(body, dict):
        return {k: _redacted(v) for k, v in body.items()}
    if isinstance(body, list):
        return [_redacted(v) for v in body]
    return body


# ------------------------------------------------------------------ python


def to_python(body: dict, base_url: str = DEFAULT_BASE_URL) -> str:
    """create_and_poll with the body as keyword arguments (the SDK's own
    names are the request's fields)."""
    body = with_references(body, {})
    client_args = f'api_key=os.environ["{KEY_ENV}"]'
    if base_url != DEFAULT_BASE_URL:
        client_args += f", api_host={_py(base_url, 0)}"
    kwargs = "".join(f"    {key}={_py(value, 4)},\n" for key, value in body.items())
    return (
        _note(body)
        + "import os\n"
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
    if isinstance(value, Secret):
        return " + ".join(f'os.environ["{v}"]' if kind == "env" else _py_str(v) for kind, v in value.parts)
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
    body = with_references(body, {})
    data = _json(_redacted(body))
    return (
        _note(body)
        + f"POST {parts.path}{RUNS_PATH} HTTP/1.1\n"
        f"Host: {host}\n"
        f"Authorization: Bearer ${KEY_ENV}\n"
        "Content-Type: application/json\n"
        f"Content-Length: {len(data.encode('utf-8'))}\n"
        "\n"
        f"{data}\n"
    )
