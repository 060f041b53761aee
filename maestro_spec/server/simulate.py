"""The deterministic simulation: what a valid request "produces" locally.

Pure functions of the request body (already judged valid by
rules.check_request). No model is called. Every number is derived from a
SHA-256 digest of the canonical request JSON, so the same request always gets
the same answer, on any machine, whatever the server's --seed (the seed only
drives fault injection, see faults.py).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from ..compiler import limits as L
from .config import BUDGET_SCALE
from .schema_value import example
from .toolcalls import HTTP, MCP, http_name, mcp_label, simulated_calls

MARKER = "[local simulation]"

# The simulation's own finish reasons (the reference does not list the
# cloud's values).
FINISH_ALL_MET = "all_requirements_met"
FINISH_BUDGET = "budget_exhausted"

_FALLBACK_SITES = ("https://example.com", "https://example.org", "https://example.net")
_DATA_SOURCE_COUNT = 3
_RESULT_QUOTE_CHARS = 2000


@dataclass(frozen=True, slots=True)
class Answer:
    """The completed run's fields (id and status are the store's business)."""

    result: object  # text, or a JSON value valid against the request's output_type
    requirements_result: dict | None
    data_sources: dict | None


def digest(body: dict) -> bytes:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).digest()


def fraction(key: bytes, *parts: object) -> float:
    """A uniform number in [0, 1) named by key and parts."""
    h = hashlib.sha256(key + "\x1f".join(map(str, parts)).encode("utf-8")).digest()
    return int.from_bytes(h[:8], "big") / 2**64


def budget_of(body: dict) -> str:
    return body.get("budget") or L.DEFAULT_BUDGET


def duration(body: dict, run_seconds: float) -> float:
    """Simulated run time: --run-seconds scaled by budget (low x1, medium x2, high x4)."""
    return run_seconds * BUDGET_SCALE[budget_of(body)]


def instruction(body: dict) -> str:
    """The instruction to restate: the input string, or the last user message."""
    value = body["input"]
    if isinstance(value, str):
        return value.strip()
    users = [m["content"] for m in value if m.get("role") == L.ROLE_USER]
    return (users[-1] if users else value[-1]["content"]).strip()


def simulate(body: dict, unmet_rate: float = 0.0) -> Answer:
    """unmet_rate: the chance that a requirement scores below 1."""
    key = digest(body)
    include = set(body.get("include") or ())
    tools = [t["type"] for t in body.get("tools") or ()]
    requirements = body.get("requirements") or []
    req_result = _requirements_result(key, requirements, unmet_rate) if L.INCLUDE_REQUIREMENTS_RESULT in include and requirements else None
    sources = _data_sources(key, body, tools) if L.INCLUDE_DATA_SOURCES in include and tools else None
    schema = body.get("output_type")
    result = example(schema) if isinstance(schema, (dict, bool)) else _result_text(body, requirements)
    return Answer(result, req_result, sources)


def tool_names(body: dict) -> list[str]:
    """How the result names each tool: its type, and for http/mcp its function name or label."""
    out = []
    for t in body.get("tools") or ():
        kind = t.get("type")
        out.append(f"http {http_name(t)}" if kind == HTTP else f"mcp {mcp_label(t)}" if kind == MCP else str(kind))
    return out


def _quote(text: str) -> str:
    if len(text) > _RESULT_QUOTE_CHARS:
        text = text[:_RESULT_QUOTE_CHARS].rstrip() + " [...]"
    return "\n".join("> " + line for line in text.splitlines() or [""])


def _result_text(body: dict, requirements: list[dict]) -> str:
    tools = tool_names(body)
    value = body["input"]
    lines = [
        f"{MARKER} This answer comes from `maestro serve`, a local simulation of the "
        "AI21 Maestro runs API. No model was called; the text below only restates the request.",
        "",
    ]
    if isinstance(value, list):
        lines.append(f"Conversation of {len(value)} message(s); the last user message asks:")
    else:
        lines.append("Instruction:")
    lines.append(_quote(instruction(body)))
    lines.append("")
    details = [f"budget {budget_of(body)}"]
    if body.get("models"):
        details.append(f"model {body['models'][0]}")
    if tools:
        details.append("tools " + ", ".join(tools))
    if requirements:
        details.append(f"{len(requirements)} requirement(s)")
    if isinstance(body.get("system_prompt"), str):
        details.append(f"a system prompt of {len(body['system_prompt'])} characters")
    language = body.get("response_language") or L.DEFAULT_LANGUAGE
    if language == L.LANGUAGE_UNSET:
        details.append("response language unset (the input's)")
    else:
        details.append(f"response language {language}" + ("" if language == L.LANGUAGE_ENGLISH else " (the simulation writes English)"))
    lines.append("Request: " + "; ".join(details) + ".")
    return "\n".join(lines)


def requirement_score(key: bytes, index: int, name: str, unmet_rate: float) -> float:
    u = fraction(key, "requirement", index, name)
    if u >= unmet_rate:
        return 1.0
    # An unmet requirement scores 0.0 .. 0.95, in steps of 0.05.
    return round(int(fraction(key, "partial", index, name) * 20) * 0.05, 2)


def _requirements_result(key: bytes, requirements: list[dict], unmet_rate: float) -> dict:
    items = []
    for i, r in enumerate(requirements):
        score = requirement_score(key, i, r["name"], unmet_rate)
        if score == 1.0:
            reason = "Simulated: the requirement is fully satisfied."
        elif score > 0:
            reason = f"Simulated: the requirement is partly satisfied (score {score:g})."
        else:
            reason = "Simulated: the requirement is not satisfied."
        items.append(
            {
                "name": r["name"],
                "description": r["description"],
                "is_mandatory": bool(r.get("is_mandatory", False)),
                "score": score,
                "reason": reason + " No model evaluated it; the score is derived from the request.",
            }
        )
    scores = [item["score"] for item in items]
    mandatory_unmet = any(item["is_mandatory"] and item["score"] < 1.0 for item in items)
    overall = 0.0 if mandatory_unmet else round(sum(scores) / len(scores), 4)
    return {
        "score": overall,
        "finish_reason": FINISH_ALL_MET if all(s == 1.0 for s in scores) else FINISH_BUDGET,
        "requirements": items,
    }


def _slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())[:6]
    return "-".join(words) or "page"


def _settings(body: dict, kind: str) -> dict:
    """A search tool's settings: today in its tools[] item, formerly in tool_resources."""
    for t in body.get("tools") or ():
        if t.get("type") == kind and any(k != "type" for k in t):
            return t
    legacy = (body.get("tool_resources") or {}).get(kind)
    return legacy if isinstance(legacy, dict) else {}


def _data_sources(key: bytes, body: dict, tools: list[str]) -> dict:
    topic = instruction(body)
    short_topic = topic if len(topic) <= 80 else topic[:77].rstrip() + "..."
    out: dict = {}
    if L.WEB_SEARCH in tools:
        urls = _settings(body, L.WEB_SEARCH).get("urls") or list(_FALLBACK_SITES)
        entries = []
        for i in range(_DATA_SOURCE_COUNT):
            base = urls[i % len(urls)]
            base = base if base.startswith("https://") else "https://" + base
            entries.append(
                {
                    "text": f"Simulated web excerpt {i + 1} about: {short_topic}",
                    "url": f"{base.rstrip('/')}/{_slug(topic)}-{i + 1}",
                    "score": _source_score(key, "web", i),
                }
            )
        out[L.WEB_SEARCH] = entries
    if L.FILE_SEARCH in tools:
        fs = _settings(body, L.FILE_SEARCH)
        file_ids = fs.get("file_ids") or [_fake_file_id(key, i) for i in range(_DATA_SOURCE_COUNT)]
        label = "-".join(fs.get("labels") or ()) or "document"
        entries = []
        for i in range(_DATA_SOURCE_COUNT):
            entries.append(
                {
                    "text": f"Simulated passage {i + 1} relevant to: {short_topic}",
                    "file_id": file_ids[i % len(file_ids)],
                    "file_name": f"simulated-{_slug(label)}-{i % len(file_ids) + 1}.txt",
                    "score": _source_score(key, "file", i),
                    "order": i + 1,
                }
            )
        out[L.FILE_SEARCH] = entries
    calls = simulated_calls(body, lambda *parts: fraction(key, "tool", *parts))
    if calls:
        out["tool_calls"] = calls
    return out


def _source_score(key: bytes, kind: str, i: int) -> float:
    # Decreasing with rank, as a relevance score would be.
    return round(0.95 - 0.1 * i - 0.05 * fraction(key, kind, i), 3)


def _fake_file_id(key: bytes, i: int) -> str:
    h = hashlib.sha256(key + f"file{i}".encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
