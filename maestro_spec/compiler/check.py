"""The spec checker: the language's own rules, then the API's (rules.py) on
the emitted body, each finding placed on the text that produced it."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import ast
from . import limits as L
from .diagnostics import Diagnostic, Related, count_errors, sort_key
from .emit import Emitted, emit
from .params import Vars
from .parse import parse
from .rules import check_request
from .strings import PLACEHOLDER_RE
from .suggest import did_you_mean

_SINGLE_VALUED = (ast.Input, ast.Model, ast.Budget, ast.Language, ast.Include)


@dataclass
class Compiled:
    request: dict | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    spec: ast.Spec | None = None

    @property
    def ok(self) -> bool:
        return self.request is not None and count_errors(self.diagnostics) == 0


def compile_text(text: str, vars: Vars | None = None, *, require_values: bool = True) -> Compiled:
    """Parse, check and emit one spec.

    require_values: a param with no value is an error (compile, run); `check`
    passes False to lint a spec without its values, leaving {{name}} as is.
    """
    vars = vars or Vars()
    parsed = parse(text)
    diagnostics = list(vars.diagnostics) + parsed.diagnostics
    if parsed.spec is None:
        return Compiled(None, diagnostics)
    spec = parsed.spec
    diagnostics += _repeated_statements(spec)
    diagnostics += _repeated_tool_fields(spec)
    values, param_diags = _param_values(spec, vars, require_values)
    diagnostics += param_diags
    emitted = emit(spec, values)
    diagnostics += _placed(check_request(emitted.request), emitted, spec)
    diagnostics.sort(key=sort_key)
    return Compiled(emitted.request, diagnostics, spec)


def _repeated_statements(spec: ast.Spec) -> list[Diagnostic]:
    out = []
    for kind in _SINGLE_VALUED:
        found = spec.of(kind)
        keyword = ast.KEYWORDS[kind]
        for again in found[1:]:
            hint = "list several values in one statement: include a, b" if kind is ast.Include else f"keep one '{keyword}'"
            out.append(
                Diagnostic(
                    "E101",
                    f"'{keyword}' is given twice: a request has one {keyword}",
                    again.span,
                    hint,
                    related=(Related(f"first '{keyword}' is here", found[0].span),),
                )
            )
    return out


def _repeated_tool_fields(spec: ast.Spec) -> list[Diagnostic]:
    # The body holds one list per resource; a second `urls` would silently
    # replace the first.
    out = []
    for tool in spec.of(ast.Tool):
        first: dict[str, ast.ToolField] = {}
        for f in tool.fields:
            key = f.key.value
            if key in first:
                out.append(
                    Diagnostic(
                        "E109",
                        f"'{key}' is given twice in this tool: the second list would replace the first",
                        f.span,
                        f"put every item in one list: {key} [\"a\", \"b\"]",
                        related=(Related(f"first '{key}' is here", first[key].span),),
                    )
                )
            first.setdefault(key, f)
    return out


def _strings(spec: ast.Spec):
    for s in spec.statements:
        if isinstance(s, ast.Input):
            if isinstance(s.value, ast.Str):
                yield s.value
            else:
                yield from (m.content for m in s.value)
        elif isinstance(s, ast.Requirement):
            yield s.name
            yield s.description
        elif isinstance(s, ast.Tool):
            for f in s.fields:
                yield from (f.value.items if isinstance(f.value, ast.StrList) else (f.value,))
        elif isinstance(s, ast.Model):
            yield from (r for r in s.refs if isinstance(r, ast.Str))


def _param_values(spec: ast.Spec, vars: Vars, require_values: bool):
    diagnostics: list[Diagnostic] = []
    params: dict[str, ast.Param] = {}
    for p in spec.of(ast.Param):
        name = p.name.value
        if name in params:
            diagnostics.append(
                Diagnostic(
                    "E106",
                    f"param '{name}' is declared twice",
                    p.span,
                    related=(Related("first declared here", params[name].span),),
                )
            )
            continue
        params[name] = p
        if p.default is not None:
            for ph in p.default.placeholders:
                diagnostics.append(
                    Diagnostic(
                        "E110",
                        f"a param's default is literal text: '{{{{{ph.name}}}}}' in it would not be filled",
                        ph.span,
                        "write the default out in full, or pass the value with --var",
                    )
                )

    used: set[str] = set()
    for s in _strings(spec):
        for ph in s.placeholders:
            used.add(ph.name)
            if ph.name not in params:
                diagnostics.append(
                    Diagnostic(
                        "E103",
                        f"placeholder '{{{{{ph.name}}}}}' names no param",
                        ph.span,
                        did_you_mean(ph.name, params) or f"declare it: param {ph.name}",
                    )
                )

    values: dict[str, str] = {}
    for name, p in params.items():
        if name not in used:
            diagnostics.append(Diagnostic("W104", f"param '{name}' is never used in a {{{{{name}}}}} placeholder", p.name.span, "remove it, or use it"))
        if name in vars.values:
            values[name] = vars.values[name]
        elif p.default is not None:
            values[name] = p.default.value
        elif require_values and name in used:
            diagnostics.append(
                Diagnostic(
                    "E105",
                    f"param '{name}' has no value",
                    p.name.span,
                    f"pass --var {name}=VALUE or --var {name}=@FILE, or give a default: param {name} = \"...\"",
                )
            )
    for name, source in vars.sources.items():
        if name not in params:
            diagnostics.append(Diagnostic("W108", f"{source} gives a value for '{name}', which is not a param of this spec", None, did_you_mean(name, params)))
    return values, diagnostics


# Findings about the form of one string value (URL prefix, model name).
_FORM_CODES = ("E222", "W231")


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
        if d.code == "W231" and isinstance(model_refs[d.path[1]], ast.Str) and not d.hint:
            # Quoting declares a bring-your-own-key ID; only a near miss of
            # one of AI21's names is worth a warning.
            continue
        if d.code == "W231" and isinstance(model_refs[d.path[1]], ast.Name):
            # Unquoted names claim to be AI21's; quoted IDs are free-form BYOK.
            name = model_refs[d.path[1]].value
            d = Diagnostic(
                "E232",
                f"unknown model '{name}': AI21's models are {', '.join(L.KNOWN_MODELS)}",
                d.span,
                (d.hint + " " if d.hint else "") + f'a bring-your-own-key model ID is written quoted: model "{name}"',
                d.path,
            )
        out.append(d)
    return out
