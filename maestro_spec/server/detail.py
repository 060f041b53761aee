"""check_request's findings as a 422 body in AI21's (FastAPI's) shape.

    {"detail": [{"loc": ["body", "requirements", 0, "description"],
                 "msg": "...", "type": "value_error",
                 "code": "E211", "path": "requirements[0].description", "hint": "..."}]}

`loc`, `msg` and `type` are what clients written against AI21 read; `code`,
`path` (our spelling of loc) and `hint` are ours, extra keys such clients
ignore. One item per error; warnings never reject a request.
"""

from __future__ import annotations

from ..compiler import codes as C
from ..compiler.diagnostics import Diagnostic, format_path

# pydantic's names for the kinds of mistake FastAPI reports, for the codes
# whose meaning is stable; every other code is a "value_error", as a
# pydantic validator's own check is.
_TYPES = {
    C.BODY_NOT_OBJECT: "model_attributes_type",
    C.INPUT_MISSING: "missing",
    C.REQUIRED_MISSING: "missing",
    C.WRONG_TYPE: "type_error",
    C.UNKNOWN_FIELD: "extra_forbidden",
    C.TOO_MANY_REQUIREMENTS: "too_long",
    C.MORE_THAN_ONE_MODEL: "too_long",
    # a value outside a fixed set: pydantic's error for a Literal field
    C.UNKNOWN_ROLE: "literal_error",
    C.UNKNOWN_TOOL_TYPE: "literal_error",
    C.BAD_BUDGET: "literal_error",
    C.BAD_INCLUDE: "literal_error",
    C.BAD_LANGUAGE: "literal_error",
}


def error_type(code: str) -> str:
    return _TYPES.get(code, "value_error")


def item(d: Diagnostic) -> dict:
    out = {
        "loc": ["body", *(d.path or ())],
        "msg": d.message,
        "type": error_type(d.code),
        "code": d.code,
        "path": format_path(d.path),
    }
    if d.hint:
        out["hint"] = d.hint
    return out


def unprocessable(errors: list[Diagnostic], warnings: list[Diagnostic]) -> dict:
    """The whole 422 body: detail, plus a one-line summary and the warnings."""
    n = len(errors)
    return {
        "detail": [item(d) for d in errors],
        "message": f"the request body has {n} error{'s' if n != 1 else ''}",
        "warnings": [item(d) for d in warnings],
    }
