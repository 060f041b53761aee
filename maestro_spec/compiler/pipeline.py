"""The compiler's driver: text -> parse -> the spec checker -> emit -> the
API's rules, with every finding on the text that produced it.

compile_text runs the stages in order and owns nothing they decide: the
language's rules are check.py's, the API's rules.py's (the same judge as for
a JSON body), the body emit.py's. Here, only what joins them: the API's
findings placed back on the spec, and the result (Compiled).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import ast
from . import codes as C
from . import limits as L
from .check import check_spec, param_values, schema_file
from .diagnostics import Diagnostic, count_errors, sort_key
from .emit import Emitted, emit
from .envrefs import templates
from .params import Vars
from .parse import parse
from .rules import check_request
from .strings import PLACEHOLDER_RE


@dataclass
class Compiled:
    request: dict | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    spec: ast.Spec | None = None
    # JSON path of each credential value -> how the spec writes it, with its
    # {{env.NAME}} references kept (exports reference the variables, never values).
    secrets: dict[tuple, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.request is not None and count_errors(self.diagnostics) == 0


def compile_text(
    text: str,
    vars: Vars | None = None,
    *,
    require_values: bool = True,
    base_dir: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    require_env: bool | None = None,
) -> Compiled:
    """Parse, check and emit one spec.

    require_values: a param or {{env.NAME}} with no value is an error
    (compile, run); `check` passes False to lint a spec without its values,
    leaving {{name}} as is. base_dir: where `output_type "file.json"` is
    read from (the spec's folder; default the working directory).
    env: where {{env.NAME}} is read from (default os.environ).
    require_env: a {{env.NAME}} whose variable is not set is an error
    (default: as require_values); compile writes header values <redacted>
    unless asked, so it needs no credentials then.
    """
    vars = vars or Vars()
    parsed = parse(text)
    diagnostics = list(vars.diagnostics) + parsed.diagnostics
    if parsed.spec is None:
        return Compiled(None, diagnostics)
    spec = parsed.spec
    own = check_spec(spec)
    need_env = require_values if require_env is None else require_env
    values, param_diags = param_values(spec, vars, require_values, os.environ if env is None else env, need_env)
    schema, schema_diags = schema_file(spec, base_dir)
    own += param_diags + schema_diags
    emitted = emit(spec, values, schema_file=schema)
    reported = {d.path for d in own if d.path}  # the spec's own finding there is the more precise one
    diagnostics += own + [d for d in _placed(check_request(emitted.request), emitted, spec) if d.path not in reported]
    diagnostics.sort(key=sort_key)
    return Compiled(emitted.request, diagnostics, spec, templates(spec, values))


# Findings about the form of one string value (URL prefix, model name).
_FORM_CODES = (C.BAD_URL_PREFIX, C.UNLISTED_MODEL, C.RETIRED_MODEL, C.NOT_ABSOLUTE_URL, C.UNREACHABLE_TOOL_URL)


def _value_at(body, path):
    for part in path or ():
        try:
            body = body[part]
        except (KeyError, IndexError, TypeError):
            return None
    return body


def _placed(found: list[Diagnostic], emitted: Emitted, spec: ast.Spec) -> list[Diagnostic]:
    """Give each API finding the span of the text that produced its path."""
    out = []
    model_refs = spec.of(ast.Model)[0].refs if spec.of(ast.Model) else ()
    for d in found:
        if d.code in _FORM_CODES and PLACEHOLDER_RE.search(str(_value_at(emitted.request, d.path))):
            # A {{param}} without a value (check lints before values exist)
            # is not the value's final form; compile judges the filled text.
            continue
        d = emitted.place(d)
        if d.code == C.UNLISTED_MODEL and isinstance(model_refs[d.path[1]], ast.Str) and not d.hint:
            # Quoting declares a bring-your-own-key ID; only a near miss of
            # one of AI21's names is worth a warning.
            continue
        if d.code == C.UNLISTED_MODEL and isinstance(model_refs[d.path[1]], ast.Name):
            # Unquoted names claim to be AI21's; quoted IDs are free-form BYOK.
            name = model_refs[d.path[1]].value
            d = Diagnostic(
                C.UNKNOWN_MODEL,
                f"unknown model '{name}': AI21's models are {', '.join(L.KNOWN_MODELS)}",
                d.span,
                (d.hint + " " if d.hint else "") + f'a bring-your-own-key model ID is written quoted: model "{name}"',
                d.path,
            )
        out.append(d)
    return out
