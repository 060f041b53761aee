"""Hypothesis strategies for valid request bodies, generated from the API table.

Every tool type and every value kind in limits.py gets drawn, so a new tool
option is covered by the property tests (fmt, decompile, schema) without a
change here. Bodies come in the canonical form a spec compiles to.
"""

from __future__ import annotations

from hypothesis import strategies as st

from maestro_spec.compiler import limits as L

# Text that stresses the string writer: quotes, backslashes, placeholders,
# indentation, blank and long lines, control and line-separator characters.
_PIECES = ["a", "b", "Z", " ", "  ", "\n", "\n\n", "\t", '"', '"""', "\\", "{{x}}", "{{ doc }}", "{", "}", "#", "é", "東", "\u2028", "\x00", "\x85", "word " * 12]
TEXT = st.one_of(
    st.lists(st.sampled_from(_PIECES), min_size=1, max_size=12).map("".join),
    st.text(min_size=1, max_size=40),
).filter(lambda s: s.strip())

WORD = st.text(alphabet="abcdefghij", min_size=1, max_size=8)
_HOST = st.text(alphabet="abcxyz", min_size=1, max_size=6)
URL_PREFIX = st.builds(
    lambda scheme, sub, host, tld, path: f"{scheme}{sub}{host}.{tld}{path}",
    st.sampled_from(["", "https://"]),
    st.sampled_from(["", "docs."]),
    _HOST,
    st.sampled_from(["com", "org", "io"]),
    st.sampled_from(["", "/", "/a/b-c"]),
)
ABSOLUTE_URL = st.builds(lambda host, path: f"https://{host}.example.com{path}", _HOST, st.sampled_from(["", "/mcp", "/api/v1/run"]))
KEY = st.one_of(WORD, TEXT)
_SCALAR = st.one_of(TEXT, st.integers(-10**6, 10**6), st.floats(-1e6, 1e6, allow_nan=False).filter(lambda f: f == f), st.booleans(), st.none())
JSON_OBJECT = st.recursive(
    st.dictionaries(KEY, _SCALAR, min_size=1, max_size=3),
    lambda inner: st.dictionaries(KEY, st.one_of(_SCALAR, inner, st.lists(_SCALAR, max_size=3)), min_size=1, max_size=3),
    max_leaves=8,
)
SCHEMA = st.one_of(
    st.just({"type": "object", "properties": {"total": {"type": "number"}}, "required": ["total"]}),
    st.builds(lambda names: {"type": "object", "properties": {n: {"type": "string"} for n in names}}, st.lists(WORD, min_size=1, max_size=3, unique=True)),
    st.just({"type": "array", "items": {"type": "string"}}),
)


@st.composite
def parameters(draw) -> dict:
    names = draw(st.lists(KEY, max_size=3, unique=True))
    props = {n: {"type": draw(st.sampled_from(L.PARAMETER_TYPES)), "description": draw(TEXT)} for n in names}
    for prop in props.values():  # more JSON Schema keywords than the two documented ones (W237)
        if draw(st.booleans()):
            prop["enum"] = draw(st.lists(TEXT, min_size=1, max_size=3))
    out = {"type": "object", "properties": props}
    required = [n for n in names if draw(st.booleans())]
    if required:
        out["required"] = required
    return out


def value_of(kind):
    """A strategy for one value of a kind from limits.py."""
    if isinstance(kind, L.Str):
        return ABSOLUTE_URL if kind.form == "absolute_url" else TEXT
    if isinstance(kind, L.Bool):
        return st.booleans()
    if isinstance(kind, L.Int):
        return st.integers(kind.min if kind.min is not None else -1000, kind.max if kind.max is not None else 1000)
    if isinstance(kind, L.Num):
        return st.one_of(st.floats(kind.min, kind.max, allow_nan=False), st.integers(int(kind.min), int(kind.max)))
    if isinstance(kind, L.Enum):
        return st.sampled_from(kind.choices)
    if isinstance(kind, L.StrList):
        return st.lists(URL_PREFIX if kind.form == "url_prefix" else TEXT, min_size=1, max_size=3)
    if isinstance(kind, L.StrMap):
        return st.dictionaries(KEY, TEXT, min_size=1, max_size=2)
    if isinstance(kind, L.Obj):
        return JSON_OBJECT
    if isinstance(kind, L.Schema):
        return SCHEMA
    if isinstance(kind, L.Params):
        return parameters()
    raise AssertionError(f"no strategy for {kind!r}")


def _set(obj: dict, path, value) -> None:
    for key in path[:-1]:
        obj = obj.setdefault(key, {})
    obj[path[-1]] = value


@st.composite
def tool_item(draw, kind: str, label: str | None = None) -> dict:
    tool = L.TOOLS[kind]
    item: dict = {"type": kind}
    for path, f in tool.leaves():
        if tool.label and path == tool.label:
            _set(item, path, label if label is not None else draw(TEXT))
        elif f.required or draw(st.booleans()):
            _set(item, path, draw(value_of(f.kind)))
    from maestro_spec.compiler.emit import ordered

    return {"type": kind, **ordered({k: v for k, v in item.items() if k != "type"}, tool.fields)}


@st.composite
def tools(draw) -> list[dict]:
    kinds = draw(st.lists(st.sampled_from(L.TOOL_TYPES), min_size=1, max_size=5))
    out, seen = [], set()
    for kind in kinds:
        if L.TOOLS[kind].max_count == 1:
            if kind in seen:
                continue
            seen.add(kind)
        out.append(draw(tool_item(kind, label=f"t{len(out)}" if L.TOOLS[kind].label and draw(st.booleans()) else None)))
    # Labels drawn as text may collide: keep them unique per type.
    labels = set()
    for t in out:
        spec = L.TOOLS[t["type"]]
        if spec.label:
            node = t
            for key in spec.label[:-1]:
                node = node[key]
            while (t["type"], node[spec.label[-1]]) in labels:
                node[spec.label[-1]] += "_"
            labels.add((t["type"], node[spec.label[-1]]))
    return out


@st.composite
def messages(draw) -> list[dict]:
    n = draw(st.integers(1, 5))
    first = draw(st.sampled_from(L.ROLES))
    roles = [L.ROLES[(L.ROLES.index(first) + i) % 2] for i in range(n)]
    return [{"role": r, "content": draw(TEXT)} for r in roles]


@st.composite
def description(draw) -> str:
    words = draw(st.lists(WORD, min_size=1, max_size=L.MAX_DESCRIPTION_WORDS))
    return draw(st.sampled_from([" ", "\n", " \n  "])).join(words) if draw(st.booleans()) else draw(TEXT)


@st.composite
def requirements(draw) -> list[dict]:
    names = draw(st.lists(TEXT, min_size=1, max_size=L.MAX_REQUIREMENTS, unique=True))
    out = []
    for name in names:
        item = {"name": name, "description": draw(description())}
        if draw(st.booleans()):
            item["is_mandatory"] = True
        out.append(item)
    return out


@st.composite
def valid_bodies(draw) -> dict:
    """Request bodies the API accepts, in the canonical form a spec gives."""
    body: dict = {"input": draw(st.one_of(TEXT, messages()))}
    if draw(st.booleans()):
        body["models"] = [draw(st.one_of(st.sampled_from(L.KNOWN_MODELS), TEXT))]
    if draw(st.booleans()):
        body["tools"] = draw(tools())
    if draw(st.booleans()):
        body["requirements"] = draw(requirements())
    if draw(st.booleans()):
        body["budget"] = draw(st.sampled_from(L.BUDGETS))
    if draw(st.booleans()):
        body["include"] = draw(st.lists(st.sampled_from(L.INCLUDE_FIELDS), min_size=1, unique=True))
    if draw(st.booleans()):
        body["response_language"] = draw(st.sampled_from(L.LANGUAGES))
    if draw(st.booleans()):
        body["system_prompt"] = draw(TEXT)
    if draw(st.booleans()):
        body["output_type"] = draw(SCHEMA)
    return body
