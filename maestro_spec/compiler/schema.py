"""The JSON Schema (draft 2020-12) of the request body, for editors and clients.

Generated from the one pydantic model (request_model.RunRequest), whose constraints
come from limits.py. A few of the API's rules are beyond what the model says
about shapes; they are added here, each from the same limits, so a validator
catches what a schema can: blank text, the word limit, one web_search and one
file_search at most, resources for a tool that is not on. Four rules stay
with `maestro check`: messages alternating user/assistant (E205), unique
requirement names (E212), unique tool labels (E227) and `required` naming
declared parameters (E234).
"""

from __future__ import annotations

from . import codes as C
from . import limits as L

DIALECT = "https://json-schema.org/draft/2020-12/schema"
NOT_EXPRESSIBLE = (C.ROLES_DO_NOT_ALTERNATE, C.DUPLICATE_REQUIREMENT, C.DUPLICATE_TOOL_NAME, C.UNDECLARED_REQUIRED)  # judged by rules.check_request only

_NOT_BLANK = r"\S"
# 1 to MAX_DESCRIPTION_WORDS whitespace-separated words, as str.split() counts.
_WORDS = r"^\s*(?:\S+(?:\s+|$)){1,%d}$" % L.MAX_DESCRIPTION_WORDS


def request_schema() -> dict:
    from .request_model import RunRequest  # pydantic: only for this command

    schema = RunRequest.model_json_schema()
    defs = schema["$defs"]
    props = schema["properties"]

    string_input, messages_input = props["input"]["anyOf"]
    string_input["pattern"] = _NOT_BLANK
    messages_input["minItems"] = 1
    defs["Message"]["properties"]["content"]["pattern"] = _NOT_BLANK
    requirement = defs["Requirement"]["properties"]
    requirement["name"]["pattern"] = _NOT_BLANK
    requirement["description"]["pattern"] = _WORDS

    _non_null(props["budget"])  # a null budget is an error (E203); absent means the default
    _array(props["tools"])["uniqueItems"] = True

    tools_on = {"type": "array", "minItems": 1}
    for kind in L.SEARCH_TOOLS:
        one = {"contains": {"properties": {"type": {"const": kind}}}, "maxContains": 1, "minContains": 0}
        _array(props["tools"]).setdefault("allOf", []).append(one)
    for name, model in ((n, f"{n.title().replace('_', '')}Tool") for n in L.TOOLS):
        for prop in defs[model]["properties"].values():
            if prop.get("type") == "string" and "minLength" in prop:
                prop["pattern"] = _NOT_BLANK
    defs["HttpToolFunction"]["properties"]["name"]["pattern"] = _NOT_BLANK
    defs["HttpToolFunction"]["properties"]["description"]["pattern"] = _NOT_BLANK
    for key in ("system_prompt",):
        next(c for c in props[key]["anyOf"] if c.get("type") == "string")["pattern"] = _NOT_BLANK
    schema["allOf"] = [
        *(
            {
                "description": f"resources for {kind} need the {kind} tool",
                "if": {"required": ["tool_resources"], "properties": {"tool_resources": {"type": "object", "required": [kind]}}},
                "then": {
                    "required": ["tools"],
                    "properties": {"tools": {**tools_on, "contains": {"properties": {"type": {"const": kind}}}}},
                },
            }
            for kind in L.TOOL_TYPES
        ),
    ]
    return {"$schema": DIALECT, "title": "Maestro run request", **{k: v for k, v in schema.items() if k != "title"}}


def _non_null(prop: dict) -> None:
    choices = [c for c in prop.pop("anyOf") if c.get("type") != "null"]
    prop.update(choices[0])
    prop.pop("default", None)


def _array(prop: dict) -> dict:
    return next(c for c in prop["anyOf"] if c.get("type") == "array")
