"""A JSON value that validates against a JSON Schema: the simulated structured result.

    example({"type": "object", "properties": {"n": {"type": "integer", "minimum": 3}}, "required": ["n"]})
    -> {"n": 3}

Covers the keywords request schemas use: type (one or a list), properties,
required, additionalProperties, min/maxProperties, items, prefixItems,
min/maxItems, uniqueItems, enum, const, minimum/maximum (and exclusive ones),
multipleOf, min/maxLength, a few formats, pattern (a small set of candidates),
allOf (merged), anyOf/oneOf (first branch), $ref to "#/$defs/..." or
"#/definitions/...". What it does not understand it leaves out (not, if/then,
dependent schemas): the value may then fail those keywords, which no real
request schema seen so far uses together with this simulation.

Bounded: at most MAX_NODES values in all and MAX_DEPTH levels, so a recursive
$ref or a huge minItems cannot make the server build an enormous value. Pure
and deterministic: the same schema always gives the same value.
"""

from __future__ import annotations

import math
import re

MAX_DEPTH = 24
MAX_NODES = 5000
MAX_CHARS = 1_000_000  # of padding for minLength, in all
_TEXT = "simulated"
_FORMATS = {
    "date": "2026-01-01",
    "date-time": "2026-01-01T00:00:00Z",
    "time": "00:00:00Z",
    "email": "simulated@example.com",
    "uri": "https://example.com/simulated",
    "url": "https://example.com/simulated",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "hostname": "example.com",
}
# Tried in order against a "pattern" (Python's re stands in for ECMA 262).
_PATTERN_CANDIDATES = ("simulated", "a", "A", "0", "1", "abc", "ABC", "abc123", "a-b", "2026-01-01", "", "x" * 8)


class _Budget:
    def __init__(self) -> None:
        self.nodes = 0
        self.chars = 0


def example(schema, root=None):
    """A value valid against schema (a dict or a boolean); root resolves $ref."""
    return _gen(schema, schema if root is None else root, 0, _Budget(), 0, _TEXT)


def _resolve(schema, root, seen=()):
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if not isinstance(ref, str) or ref in seen:
        return schema
    target = _pointer(root, ref)
    if target is None:
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        return rest
    if isinstance(target, dict):
        # Sibling keywords apply too (2019-09 and later).
        merged = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
        return _resolve(merged, root, (*seen, ref))
    return target


def _pointer(root, ref: str):
    if ref == "#":
        return root
    if not ref.startswith("#/"):
        return None
    node = root
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _merge_all_of(schema: dict, root) -> dict:
    parts = schema.get("allOf")
    if not isinstance(parts, list):
        return schema
    out = {k: v for k, v in schema.items() if k != "allOf"}
    for part in parts:
        part = _resolve(part, root)
        if not isinstance(part, dict):
            continue
        part = _merge_all_of(part, root)
        for k, v in part.items():
            if k == "properties" and isinstance(v, dict):
                out["properties"] = {**out.get("properties", {}), **v}
            elif k == "required" and isinstance(v, list):
                out["required"] = list(dict.fromkeys([*out.get("required", []), *v]))
            elif k in ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties") and k in out:
                out[k] = max(out[k], v)
            elif k in ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties") and k in out:
                out[k] = min(out[k], v)
            else:
                out.setdefault(k, v)
    return out


def _type_of(schema: dict) -> str | None:
    t = schema.get("type")
    if isinstance(t, list):
        real = [x for x in t if x != "null"]
        return (real or t or [None])[0]
    if isinstance(t, str):
        return t
    # No type: infer it from the keywords present.
    for keys, kind in (
        (("properties", "required", "additionalProperties", "minProperties", "maxProperties"), "object"),
        (("items", "prefixItems", "minItems", "maxItems", "uniqueItems"), "array"),
        (("minLength", "maxLength", "pattern", "format"), "string"),
        (("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"), "number"),
    ):
        if any(k in schema for k in keys):
            return kind
    return None


def _gen(schema, root, depth: int, budget: _Budget, variant: int, name: str):
    budget.nodes += 1
    if schema is True or schema is None or (isinstance(schema, dict) and not schema):
        return _text(name, variant, {}, budget)
    if not isinstance(schema, dict):  # false, or junk: nothing validates; say so plainly
        return None
    schema = _merge_all_of(_resolve(schema, root), root)
    if not isinstance(schema, dict):
        return _gen(schema, root, depth, budget, variant, name)
    if "const" in schema:
        return schema["const"]
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return enum[variant % len(enum)]
    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)
        if isinstance(branches, list) and branches:
            rest = {k: v for k, v in schema.items() if k != key}
            branch = _resolve(branches[0], root)
            if isinstance(branch, dict):
                return _gen({**rest, **branch}, root, depth, budget, variant, name)
            return _gen(branch, root, depth, budget, variant, name)
    kind = _type_of(schema)
    if kind == "object":
        return _object(schema, root, depth, budget, name)
    if kind == "array":
        return _array(schema, root, depth, budget, name)
    if kind in ("integer", "number"):
        try:
            return _number(schema, variant, integer=kind == "integer")
        except (OverflowError, ValueError, ZeroDivisionError):  # bounds beyond a double
            lo, _ = _bound(schema, "minimum", "exclusiveMinimum")
            hi, _ = _bound(schema, "maximum", "exclusiveMaximum")
            return next((v for v in (lo, hi) if isinstance(v, int)), 1)
    if kind == "boolean":
        return variant % 2 == 0
    if kind == "null":
        return None
    return _text(name, variant, schema, budget)


def _text(name: str, variant: int, schema: dict, budget: _Budget) -> str:
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt in _FORMATS:
        base = _FORMATS[fmt]
    else:
        base = _TEXT if name == _TEXT else f"{_TEXT} {name}"
        if variant:
            base += f" {variant + 1}"
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        try:
            compiled = re.compile(pattern)
        except re.error:
            compiled = None
        if compiled is not None and not compiled.search(base):
            built = _from_pattern(pattern)
            if built is not None and compiled.search(built):
                base = built
            else:
                base = next((c for c in _PATTERN_CANDIDATES if compiled.search(c)), base)
    lo = schema.get("minLength")
    hi = schema.get("maxLength")
    if isinstance(hi, int) and len(base) > hi:
        base = base[:hi]
    if isinstance(lo, int) and len(base) < lo:
        pad = max(0, min(lo - len(base), MAX_CHARS - budget.chars))
        budget.chars += pad
        base += "x" * pad
    return base


def _from_pattern(pattern: str) -> str | None:
    """The shortest string the regex's structure suggests (first alternatives,
    minimum repeats, first character of each class); None when unsure."""
    try:
        from re import _parser as sre  # the stdlib's own regex parser (3.11+)
        from re import _constants as c
    except ImportError:
        return None

    def build(items, depth=0) -> str:
        if depth > 20:
            raise ValueError
        out = []
        for op, arg in items:
            if op is c.LITERAL:
                out.append(chr(arg))
            elif op is c.ANY:
                out.append("a")
            elif op is c.IN:
                out.append(first_in(arg))
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
                low, _, sub = arg
                out.append(build(sub, depth + 1) * min(low, 1000))
            elif op is c.SUBPATTERN:
                out.append(build(arg[-1], depth + 1))
            elif op is c.BRANCH:
                out.append(build(arg[1][0], depth + 1))
            elif op is c.AT:
                continue
            elif op is c.CATEGORY:
                out.append(category(arg))
            else:
                raise ValueError(op)
        return "".join(out)

    def first_in(members) -> str:
        if members and members[0][0] is c.NEGATE:
            raise ValueError("negated class")
        op, arg = members[0]
        if op is c.LITERAL:
            return chr(arg)
        if op is c.RANGE:
            return chr(arg[0])
        if op is c.CATEGORY:
            return category(arg)
        raise ValueError(op)

    def category(arg) -> str:
        return {c.CATEGORY_DIGIT: "0", c.CATEGORY_WORD: "a", c.CATEGORY_SPACE: " "}.get(arg) or _fail()

    def _fail():
        raise ValueError("category")

    try:
        return build(sre.parse(pattern))
    except (ValueError, TypeError, AttributeError, IndexError, OverflowError, RecursionError):
        return None


def _number(schema: dict, variant: int, integer: bool):
    lo, lo_open = _bound(schema, "minimum", "exclusiveMinimum")
    hi, hi_open = _bound(schema, "maximum", "exclusiveMaximum")
    step = schema.get("multipleOf")
    step = step if isinstance(step, (int, float)) and not isinstance(step, bool) and step > 0 else None
    if integer:
        step = _integer_step(step)

    def fits(v) -> bool:
        return (
            (lo is None or (v > lo if lo_open else v >= lo))
            and (hi is None or (v < hi if hi_open else v <= hi))
            and (step is None or (v / step) == int(v / step))
        )

    # Where to aim: up from the lower bound, else below the upper, else near 1
    # (plus the variant, so that the items of an array differ).
    if lo is not None:
        target = lo + variant * (step or 1)
    elif hi is not None:
        target = min(hi, 1 + variant)
    else:
        target = 1 + variant
    if step is not None:
        k = math.ceil(target / step)
        for n in (k, k + 1, k - 1, math.floor((hi or 0) / step) if hi is not None else k, k + 2):
            v = n * step if not integer else int(n * step)
            if fits(v):
                return v
            r = round(n * step, 12)
            if fits(r):
                return r
        return target
    if integer:
        for v in (math.ceil(target), math.floor(lo) + 1 if lo is not None else 1, math.ceil(hi) - 1 if hi is not None else 1):
            if fits(v):
                return int(v)
        return int(target)
    if fits(target):
        return target
    if lo is not None and hi is not None:
        return (lo + hi) / 2
    if lo is not None:
        return lo + 1
    return hi - 1


def _integer_step(step):
    """multipleOf for an integer: the smallest integer multiple of step (1 if none is small)."""
    if step is None:
        return 1
    for k in range(1, 101):
        v = step * k
        if abs(v - round(v)) < 1e-9 and round(v) > 0:
            return int(round(v))
    return 1


def _bound(schema: dict, closed: str, open_: str):
    c, o = schema.get(closed), schema.get(open_)
    numeric = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)  # noqa: E731
    if numeric(o) and (not numeric(c) or (o >= c if closed == "minimum" else o <= c)):
        return o, True
    if numeric(c):
        return c, False
    return None, False


def _object(schema: dict, root, depth: int, budget: _Budget, name: str) -> dict:
    props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    required = [r for r in schema.get("required") or () if isinstance(r, str)]
    most = schema.get("maxProperties")
    least = schema.get("minProperties") if isinstance(schema.get("minProperties"), int) else 0
    # Required first; optional ones too while there is room and depth to spare
    # (deep down, only what is required: a recursive schema must end).
    shallow = depth < MAX_DEPTH // 2 and budget.nodes < MAX_NODES // 2
    names = list(dict.fromkeys([*required, *(props if shallow else ())]))
    if isinstance(most, int):
        names = names[: max(most, len(required))]
    out: dict = {}
    extra = schema.get("additionalProperties", True)
    for key in names:
        if depth >= MAX_DEPTH or budget.nodes >= MAX_NODES:
            break
        sub = props.get(key, extra if isinstance(extra, dict) else True)
        if sub is False and key not in required:
            continue  # an optional property that no value may take is left out
        out[key] = _gen(sub, root, depth + 1, budget, 0, key)
    i = 0
    while len(out) < least and extra is not False and budget.nodes < MAX_NODES:
        key = f"{_TEXT}_{i}"
        i += 1
        if key not in out:
            out[key] = _gen(extra if isinstance(extra, dict) else True, root, depth + 1, budget, 0, key)
    return out


def _array(schema: dict, root, depth: int, budget: _Budget, name: str) -> list:
    least = schema.get("minItems") if isinstance(schema.get("minItems"), int) else 0
    most = schema.get("maxItems") if isinstance(schema.get("maxItems"), int) else None
    prefix = schema.get("prefixItems") if isinstance(schema.get("prefixItems"), list) else []
    items = schema.get("items")
    if isinstance(items, list):  # draft 4-7 tuple form
        prefix, items = items, schema.get("additionalItems", True)
    shallow = depth < MAX_DEPTH // 2
    count = max(least, len(prefix), 1 if shallow and items is not False else 0)
    if most is not None:
        count = min(count, most)
    if items is False:
        count = min(count, len(prefix))
    out = []
    for i in range(count):
        if depth >= MAX_DEPTH or budget.nodes >= MAX_NODES:
            break
        sub = prefix[i] if i < len(prefix) else (items if items is not None else True)
        out.append(_gen(sub, root, depth + 1, budget, i, name))
    return out
