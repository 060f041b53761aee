"""Which values of a request are credentials, and the request without them.

Tool headers usually carry tokens (`tools[i].headers` of an mcp tool,
`tools[i].endpoint.headers` of an http tool: the fields limits.py marks secret). They are sent to the API and
nowhere else: run records, plan diffs, watch and run output, logs and exports
use `redact_request(request)`; text that may echo them (a server's answer)
is scrubbed of `secret_values(request)`. Standard library only.
"""

from __future__ import annotations

from .limits import secret_paths

REDACTED = "<redacted>"

# tool type -> where its credential maps sit inside its tools[] item (from the API table).
_SECRET_MAPS = secret_paths()


def _maps(request):
    tools = request.get("tools") if isinstance(request, dict) else None
    for i, tool in enumerate(tools if isinstance(tools, list) else ()):
        kind = tool.get("type") if isinstance(tool, dict) else None
        for path in _SECRET_MAPS.get(kind, ()) if isinstance(kind, str) else ():
            node = tool
            for key in path:
                node = node.get(key) if isinstance(node, dict) else None
            if isinstance(node, dict):
                yield i, path, node


def secret_paths_in(request) -> list[tuple]:
    """The JSON path of every credential value in the request."""
    return [("tools", i, *path, k) for i, path, m in _maps(request) for k in m]


def secret_values(request) -> list[str]:
    """Every credential value in the request (non-empty strings)."""
    return [v for _, _, m in _maps(request) for v in m.values() if isinstance(v, str) and v]


def redact_request(request):
    """A copy of the request with every credential value replaced by REDACTED;
    the request itself is not changed. Anything that is not a dict comes back as is."""
    if not isinstance(request, dict) or not any(True for _ in _maps(request)):
        return request
    import copy

    out = copy.deepcopy(request)
    for _, _, m in _maps(out):
        for k in m:
            m[k] = REDACTED
    return out
