"""What a server's answer means: its JSON read safely, and the Run in it.

One place decides, for every caller (execute, attach, watch, batch):

- `parse_json(body)`: the body as a JSON value, or UnreadableAnswer. Numbers
  that are not finite (NaN, Infinity, 1e999, a 5000-digit integer) become
  None, so nothing downstream meets a NaN or writes one into JSON; nesting
  deeper than MAX_JSON_DEPTH is refused (it would overflow a printer).
- `read_run(data)`: the Run, or, when the answer is not all readable, the run
  id it did give (kept: the run exists) and why the rest is unusable. A field
  of the wrong shape is dropped with a warning rather than losing the run; a
  status this client does not know is kept (it is simply not final).
- `salvage_id(text)`: the top-level "id" of a body too deep to parse.

Pure functions: no I/O, no clock.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field

from pydantic import ValidationError

from .wire import Run
from ..sanitize import depth, one_line

MAX_RESPONSE_BYTES = 16 * 1024 * 1024  # decoded (decompressed) bytes of one answer, at most
MAX_JSON_DEPTH = 100  # a Run nests about 6 deep; structured output rarely past 20
MAX_INT_DIGITS = 300  # longer integers are no count or score: read as not a number
MAX_ID_CHARS = 4096  # a longer id cannot be polled (no URL carries it) but is still recorded
_STATUS = re.compile(r"[a-z][a-z0-9_]{0,39}")  # a status we can show and compare, known or not
_SALVAGE_CHARS = 65536  # how far into an unparsable body to look for its "id"


class UnreadableAnswer(ValueError):
    """The body is not JSON we can use; str() says why in a few words."""


def _number(text: str):
    value = float(text)
    return value if math.isfinite(value) else None


def _integer(text: str):
    return int(text) if len(text.lstrip("-")) <= MAX_INT_DIGITS else None


def _constant(_name: str):
    return None  # NaN, Infinity, -Infinity


def parse_json(body: bytes | str):
    """The JSON value of an answer, or UnreadableAnswer."""
    try:
        text = body.decode("utf-8-sig") if isinstance(body, bytes) else body
    except UnicodeDecodeError:
        raise UnreadableAnswer("text that is not UTF-8") from None
    try:
        data = json.loads(text, parse_float=_number, parse_int=_integer, parse_constant=_constant)
    except RecursionError:
        raise UnreadableAnswer(f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError:
        raise UnreadableAnswer("no JSON" if text.strip() else "an empty body") from None
    if depth(data, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise UnreadableAnswer(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    return data


def salvage_id(text: str | bytes) -> str | None:
    """The top-level "id" string of a JSON object too deep (or too odd) to parse
    whole: looked for in its first characters, at nesting level 1 only."""
    if isinstance(text, bytes):
        text = text[:_SALVAGE_CHARS].decode("utf-8", "replace")
    text = text[:_SALVAGE_CHARS]
    level, i, n = 0, 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            end = _string_end(text, i)
            if end is None:
                return None
            if level == 1 and text[i + 1 : end] == "id":
                m = re.compile(r'\s*:\s*("(?:[^"\\]|\\.)*")').match(text, end + 1)
                if m:
                    try:
                        value = json.loads(m.group(1))
                    except ValueError:
                        return None
                    return value or None
            i = end + 1
            continue
        if c in "{[":
            level += 1
        elif c in "}]":
            level -= 1
        i += 1
    return None


def _string_end(text: str, start: int) -> int | None:
    i = start + 1
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == '"':
            return i
        i += 1
    return None


@dataclass
class RunReading:
    """What an answer said about a run: the Run when readable; else the id
    (when it gave one) and `problem`, a few words on what was wrong."""

    run: Run | None = None
    run_id: str | None = None
    problem: str | None = None
    warnings: list[str] = field(default_factory=list)


def _id_of(data: dict) -> str | None:
    value = data.get("id")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    return value if isinstance(value, str) and value.strip() else None


def read_run(data) -> RunReading:
    """The Run in a parsed answer, or the run id and what is wrong with the rest."""
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "null" if data is None else type(data).__name__
        return RunReading(problem=f"JSON {kind}, not a run object")
    run_id = _id_of(data)
    if run_id is None:
        return RunReading(problem="a JSON object without a run id")
    status = data.get("status")
    if not isinstance(status, str) or not _STATUS.fullmatch(status):
        what = "no status" if status is None else f"the status {one_line(str(status), 40)!r}"
        return RunReading(run_id=run_id, problem=f"run {one_line(run_id, 80)} with {what}")
    if len(run_id) > MAX_ID_CHARS:
        return RunReading(run_id=run_id, problem=f"a run id of {len(run_id)} characters, too long to poll")
    data = {**data, "id": run_id}
    warnings: list[str] = []
    for _ in range(8):  # each pass drops the top-level fields that did not fit
        try:
            return RunReading(run=Run.model_validate(data), run_id=run_id, warnings=warnings)
        except ValidationError as e:
            bad = {err["loc"][0] for err in e.errors() if err["loc"] and err["loc"][0] not in ("id", "status")}
            if not bad:
                break
            for name in sorted(map(str, bad)):
                data.pop(name, None)
                warnings.append(f"run {one_line(run_id, 80)}: ignored its {name}, which is not of the documented shape")
    return RunReading(run_id=run_id, problem=f"run {one_line(run_id, 80)} in a shape this client cannot read")
