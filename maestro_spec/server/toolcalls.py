"""Simulated `data_sources.tool_calls`: one entry per http and mcp tool of a request.

    {"tool_name": "get_weather", "tool_type": "http", "parameters": {"city": "simulated city"},
     "response": {...}, "status": "success"}
    {"tool_name": "list_commits", "tool_type": "mcp", "server_label": "github", ...}

An http tool's parameters are an object valid against its function.parameters
(schema_value.example: every declared parameter, typed as declared); an mcp
tool's name is one of its allowed_tools, chosen by a hash of the request, or a
made-up one when it allows all. Nothing is called (see calltools.py for the
opt-in real calls); the responses say so. Header values are never read here.
"""

from __future__ import annotations

from ..compiler import limits as L
from .schema_value import example

HTTP, MCP = L.HTTP, L.MCP
SUCCESS, FAILURE = L.TOOL_CALL_SUCCESS, L.TOOL_CALL_FAILURE


def user_tools(body: dict) -> list[dict]:
    """The http and mcp items of tools[], in order."""
    tools = body.get("tools") if isinstance(body, dict) else None
    return [t for t in tools or () if isinstance(t, dict) and t.get("type") in L.TOOL_CALL_TYPES]


def http_name(tool: dict) -> str:
    function = tool.get("function") if isinstance(tool.get("function"), dict) else {}
    name = function.get("name")
    return name if isinstance(name, str) else "http_tool"


def http_parameters(tool: dict) -> dict:
    function = tool.get("function") if isinstance(tool.get("function"), dict) else {}
    schema = function.get("parameters")
    value = example(schema) if isinstance(schema, dict) else {}
    return value if isinstance(value, dict) else {}


def mcp_label(tool: dict) -> str:
    label = tool.get("server_label")
    return label if isinstance(label, str) else MCP


def simulated_calls(body: dict, pick) -> list[dict]:
    """pick(parts...) -> a fraction in [0, 1) for the choices (simulate.fraction under the request's key)."""
    calls = []
    for i, tool in enumerate(user_tools(body)):
        if tool["type"] == HTTP:
            name = http_name(tool)
            calls.append(
                {
                    "tool_name": name,
                    "tool_type": HTTP,
                    "parameters": http_parameters(tool),
                    "response": {
                        "simulated": True,
                        "result": f"Simulated response of {name}; maestro serve sent no request to its endpoint.",
                    },
                    "status": SUCCESS,
                }
            )
        else:
            label = mcp_label(tool)
            allowed = [t for t in tool.get("allowed_tools") or () if isinstance(t, str)]
            name = allowed[int(pick(MCP, i) * len(allowed))] if allowed else f"{_slug(label)}_search"
            calls.append(
                {
                    "tool_name": name,
                    "tool_type": MCP,
                    "server_label": label,
                    "parameters": {"query": "simulated query"},
                    # An MCP CallToolResult's shape: content blocks of text.
                    "response": {
                        "content": [{"type": "text", "text": f"Simulated result of {name} on MCP server {label}; no server was contacted."}],
                        "isError": False,
                    },
                    "status": SUCCESS,
                }
            )
    return calls


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in text.lower()).strip("_") or MCP
