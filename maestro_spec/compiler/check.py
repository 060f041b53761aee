"""The spec checker: the language's own rules, then the API's (rules.py) on
the emitted body, each finding placed on the text that produced it."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import ast
from . import limits as L
from .diagnostics import Diagnostic, Related, count_errors, sort_key
from .emit import Emitted, emit, params_path
from .envrefs import ENV_PREFIX, LOOKS_LIKE_TOKEN, credential_strings, templates
from .params import Vars
from .parse import STATEMENT_KEYWORDS, parse
from .rules import an, check_request
from .strings import PLACEHOLDER_RE
from .suggest import did_you_mean

_SINGLE_VALUED = (ast.Input, ast.Model, ast.Budget, ast.Language, ast.Include, ast.SystemPrompt, ast.OutputType)


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
    own = _repeated_statements(spec) + _repeated_fields(spec) + _tool_shapes(spec)
    need_env = require_values if require_env is None else require_env
    values, param_diags = _param_values(spec, vars, require_values, os.environ if env is None else env, need_env)
    schema_file, schema_diags = _schema_file(spec, base_dir)
    own += param_diags + schema_diags
    emitted = emit(spec, values, schema_file=schema_file)
    reported = {d.path for d in own if d.path}  # the spec's own finding there is the more precise one
    diagnostics += own + [d for d in _placed(check_request(emitted.request), emitted, spec) if d.path not in reported]
    diagnostics.sort(key=sort_key)
    return Compiled(emitted.request, diagnostics, spec, templates(spec, values))


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


def _repeated_fields(spec: ast.Spec) -> list[Diagnostic]:
    # A second `urls` in a tool, or a repeated key in a block, would silently
    # replace the first.
    out = []

    def repeated(items, key_of, what):
        first = {}
        for item in items:
            key = key_of(item)
            if key in first:
                out.append(
                    Diagnostic(
                        "E109",
                        f"'{key}' is given twice in this {what}: the second would replace the first",
                        item.span,
                        f"keep one '{key}'" + (f' and put every item in its list: {key} ["a", "b"]' if what == "tool" else ""),
                        related=(Related(f"first '{key}' is here", first[key].span),),
                    )
                )
            first.setdefault(key, item)

    for node in _values(spec):
        if isinstance(node, ast.Block):
            repeated(node.entries, lambda e: e.key.value, "block")
    for p in (p for t in spec.of(ast.Tool) for p in t.parameters if p.extra is not None):
        for e in p.extra.entries:
            if e.key.value in ("type", "description"):
                out.append(Diagnostic("E109", f"'{e.key.value}' is given twice for this parameter: the row says it", e.span, f"drop '{e.key.value}' from the block"))
    for tool in spec.of(ast.Tool):
        repeated(tool.fields, lambda f: f.key.value, "tool")
        repeated(tool.parameters, lambda p: p.name.value, "tool's parameters")
    return out


def _values(spec: ast.Spec):
    """Every value node of the spec, nested ones included."""
    stack = [f.value for t in spec.of(ast.Tool) for f in t.fields] + [o.value for o in spec.of(ast.OutputType)]
    stack += [p.extra for t in spec.of(ast.Tool) for p in t.parameters if p.extra is not None]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.List):
            stack += node.items
        elif isinstance(node, ast.Block):
            stack += [e.value for e in node.entries]


def _tool_shapes(spec: ast.Spec) -> list[Diagnostic]:
    """What the spec says about a tool that the body cannot show: labels,
    fields written by their keyword, parameter rows."""
    out = []
    for i, tool in enumerate(spec.of(ast.Tool)):
        kind = tool.type.value
        t = L.TOOLS.get(kind)
        if kind in STATEMENT_KEYWORDS:
            # `tool` with its type forgotten: the next statement's keyword was read as the type.
            out.append(
                Diagnostic(
                    "E001",
                    f"'tool' has no value: the '{kind}' on line {tool.type.span.line} was read as its type",
                    tool.span,
                    "tool takes a tool type: tool web_search, tool file_search, tool http NAME, tool mcp LABEL",
                    ("tools", i, "type"),
                )
            )
            continue
        if t is None:
            continue  # E220, from rules, on the type
        if t.label and tool.label is None:
            out.append(
                Diagnostic(
                    "E226",
                    f"{an(kind)} tool needs {t.label_doc} after its type",
                    tool.type.span,
                    f"write: tool {kind} NAME {{ ... }}",
                    ("tools", i, *t.label),
                )
            )
        elif not t.label and tool.label is not None:
            out.append(Diagnostic("E115", f"{an(kind)} tool has no label: there is at most one {kind} tool in a run", tool.label.span, "remove the label"))
        keywords = t.by_keyword()
        wire_names = {path[-1]: kw for kw, (path, _) in keywords.items()}
        for f in tool.fields:
            key = f.key.value
            if key in keywords:
                continue
            if params_path(kind) and key == params_path(kind)[-1]:
                out.append(Diagnostic("E115", f"{an(kind)} tool's parameters are written one per row", f.key.span, 'write: parameter NAME TYPE "description" [required]'))
                continue
            hint = did_you_mean(key, keywords) or (f"write it as '{wire_names[key]}'" if key in wire_names else None)
            if hint is None:
                owners = [n for n, other in L.TOOLS.items() if n != kind and key in other.by_keyword()]
                hint = f"'{key}' is a setting of the {owners[0]} tool" if owners else None
            allowed = ", ".join(kw for kw, (_, fd) in keywords.items() if fd.documented) + (", parameter" if params_path(kind) else "")
            out.append(Diagnostic("E206", f"unknown field '{key}' in {an(kind)} tool; allowed: {allowed}", f.key.span, hint, ("tools", i, key)))
        if tool.parameters and params_path(kind) is None:
            out.append(Diagnostic("E115", f"{an(kind)} tool takes no parameters: parameter rows belong in an http tool", tool.parameters[0].span))
    return out


def _schema_file(spec: ast.Spec, base_dir) -> tuple[dict | None, list[Diagnostic]]:
    """Read the JSON Schema that `output_type "file.json"` names."""
    outputs = spec.of(ast.OutputType)
    if not outputs or not isinstance(outputs[0].value, ast.Str):
        return None, []
    node = outputs[0].value
    path = Path(base_dir or ".") / node.value

    def problem(reason: str, hint: str | None = None):
        return None, [Diagnostic("E114", f"output_type {node.value!r}: {reason}", node.span, hint, ("output_type",))]

    if PLACEHOLDER_RE.search(node.value):
        return problem("a file name cannot hold {{placeholders}}")
    try:
        data = path.read_bytes()
        if len(data) > 8 << 20:
            return problem("the file is over 8 MiB: a JSON Schema is much smaller")
        schema = json.loads(data.decode("utf-8-sig"))
    except FileNotFoundError:
        return problem(f"no such file {str(path)!r}", 'name a .json file next to the spec, or write the schema inline: output_type { type "object" ... }')
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as e:
        return problem(f"cannot read {str(path)!r}: {type(e).__name__}")
    except OSError as e:
        return problem(f"cannot read {str(path)!r}: {e.strerror or e}")
    except (ValueError, RecursionError) as e:
        return problem(f"{str(path)!r} is not valid JSON ({str(e).split(':')[0]})")
    return schema, []


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
            yield from (p.description for p in s.parameters)
        elif isinstance(s, ast.Model):
            yield from (r for r in s.refs if isinstance(r, ast.Str))
        elif isinstance(s, ast.SystemPrompt):
            yield s.value
    yield from (v for v in _values(spec) if isinstance(v, ast.Str))


def _param_values(spec: ast.Spec, vars: Vars, require_values: bool, env: Mapping[str, str], require_env: bool):
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

    values: dict[str, str] = {}
    secret = {id(s) for s in credential_strings(spec)}
    for s in credential_strings(spec):
        if not s.placeholders and LOOKS_LIKE_TOKEN.match(s.value.strip()):
            diagnostics.append(
                Diagnostic(
                    "W113",
                    "this header value looks like a literal credential: anyone who can read the spec can use it",
                    s.span,
                    'read it from the environment: "Bearer {{env.API_TOKEN}}", with API_TOKEN set where the spec runs',
                )
            )
    used: set[str] = set()
    for s in _strings(spec):
        names = s.placeholders.names
        if not names:
            continue
        if all(name in params for name in names):  # the usual case: nothing to report, no occurrence to place
            used |= names
            continue
        for ph in s.placeholders:
            if ph.name.startswith(ENV_PREFIX):
                variable = ph.name[len(ENV_PREFIX) :]
                if id(s) not in secret:
                    diagnostics.append(
                        Diagnostic(
                            "E111",
                            f"'{{{{{ph.name}}}}}' reads a credential, and only headers carry credentials",
                            ph.span,
                            "use a param for other text: param name, then {{name}}",
                        )
                    )
                elif variable in env:
                    values[ph.name] = env[variable]
                elif require_env:
                    diagnostics.append(
                        Diagnostic(
                            "E112",
                            f"environment variable {variable} is not set: this header would be sent without its credential",
                            ph.span,
                            f"export {variable}=... before running, or `maestro check` to lint without values",
                        )
                    )
                continue
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

    for name, p in params.items():
        if name not in used:
            diagnostics.append(Diagnostic("W104", f"param '{name}' is never used in a {{{{{name}}}}} placeholder", p.name.span, "remove it, or use it"))
        if name in vars.values:
            values[name] = vars.values[name]
        elif p.default is not None:
            values[name] = p.default.value
        elif require_values and name in used and name not in vars.unreadable:
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
_FORM_CODES = ("E222", "W231", "W236", "E228", "W229")


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
