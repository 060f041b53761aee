"""The spec checker: the language's own rules, one method per statement kind.

What a spec says that its request body cannot show: a statement or a key
given twice, a tool's label and fields as the spec writes them, params and
their {{placeholders}}, credentials read from the environment, the file an
`output_type` names. The API's rules are rules.check_request's, run by the
driver (pipeline.py) on the emitted body.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from . import ast
from . import codes as C
from . import limits as L
from .diagnostics import Diagnostic, Related
from .emit import params_path
from .envrefs import ENV_PREFIX, credential_strings, looks_like_token
from .params import Vars
from .parse import STATEMENT_KEYWORDS
from .strings import PLACEHOLDER_RE
from .suggest import did_you_mean
from .syntaxerrors import TOOL_TYPE_HINT
from .tool_rules import an

_SINGLE_VALUED = (ast.Input, ast.Model, ast.Budget, ast.Language, ast.Include, ast.SystemPrompt, ast.OutputType)


def check_spec(spec: ast.Spec) -> list[Diagnostic]:
    """The language's rules on each statement (params: param_values)."""
    checker = _StatementChecker()
    for statement in spec.statements:
        checker.once(statement)
        checker.visit(statement)
    return checker.found


class _StatementChecker(ast.Visitor):
    def __init__(self) -> None:
        self.found: list[Diagnostic] = []
        self.first: dict[type, ast.Statement] = {}  # the first statement of each single-valued kind
        self.tools = 0  # tools visited so far: the next one's index in tools[]

    def once(self, statement) -> None:
        kind = type(statement)
        if kind not in _SINGLE_VALUED:
            return
        first = self.first.setdefault(kind, statement)
        if first is statement:
            return
        keyword = ast.KEYWORDS[kind]
        hint = "list several values in one statement: include a, b" if kind is ast.Include else f"keep one '{keyword}'"
        self.found.append(
            Diagnostic(
                C.STATEMENT_TWICE,
                f"'{keyword}' is given twice: a request has one {keyword}",
                statement.span,
                hint,
                related=(Related(f"first '{keyword}' is here", first.span),),
            )
        )

    def generic_node(self, node) -> None:
        """Input, requirement, model, budget, include, language, system_prompt,
        param: the API's rules judge them on the body (params: param_values)."""

    def output_type_node(self, node: ast.OutputType) -> None:
        self.blocks(node.value)

    def tool_node(self, tool: ast.Tool) -> None:
        i, self.tools = self.tools, self.tools + 1
        for f in tool.fields:
            self.blocks(f.value)
        for p in tool.parameters:
            if p.extra is None:
                continue
            self.blocks(p.extra)
            for e in p.extra.entries:
                if e.key.value in ("type", "description"):
                    self.found.append(Diagnostic(C.FIELD_TWICE, f"'{e.key.value}' is given twice for this parameter: the row says it", e.span, f"drop '{e.key.value}' from the block"))
        self.repeated(tool.fields, lambda f: f.key.value, "tool")
        self.repeated(tool.parameters, lambda p: p.name.value, "tool's parameters")
        self.tool_shape(tool, i)

    def blocks(self, value) -> None:
        # A repeated key in a block would silently replace the first.
        for node in _values(value):
            if isinstance(node, ast.Block):
                self.repeated(node.entries, lambda e: e.key.value, "block")

    def repeated(self, items, key_of, what: str) -> None:
        # A second `urls` in a tool would silently replace the first.
        first = {}
        for item in items:
            key = key_of(item)
            if key in first:
                self.found.append(
                    Diagnostic(
                        C.FIELD_TWICE,
                        f"'{key}' is given twice in this {what}: the second would replace the first",
                        item.span,
                        f"keep one '{key}'" + (f' and put every item in its list: {key} ["a", "b"]' if what == "tool" else ""),
                        related=(Related(f"first '{key}' is here", first[key].span),),
                    )
                )
            first.setdefault(key, item)

    def tool_shape(self, tool: ast.Tool, i: int) -> None:
        """What the spec says about a tool that the body cannot show: its
        label, fields written by their keyword, parameter rows."""
        out = self.found
        kind = tool.type.value
        t = L.TOOLS.get(kind)
        if kind in STATEMENT_KEYWORDS:
            # `tool` with its type forgotten: the next statement's keyword was read as the type.
            out.append(
                Diagnostic(
                    C.SYNTAX_ERROR,
                    f"'tool' has no value: the '{kind}' on line {tool.type.span.line} was read as its type",
                    tool.span,
                    TOOL_TYPE_HINT,
                    ("tools", i, "type"),
                )
            )
            return
        if t is None:
            return  # E220, from rules, on the type
        if t.label and tool.label is None:
            out.append(
                Diagnostic(
                    C.REQUIRED_MISSING,
                    f"{an(kind)} tool needs {t.label_doc} after its type",
                    tool.type.span,
                    f"write: tool {kind} NAME {{ ... }}",
                    ("tools", i, *t.label),
                )
            )
        elif not t.label and tool.label is not None:
            out.append(Diagnostic(C.WRITTEN_ANOTHER_WAY, f"{an(kind)} tool has no label: there is at most one {kind} tool in a run", tool.label.span, "remove the label"))
        keywords = t.by_keyword()
        wire_names = {path[-1]: kw for kw, (path, _) in keywords.items()}
        for f in tool.fields:
            key = f.key.value
            if key in keywords:
                continue
            if params_path(kind) and key == params_path(kind)[-1]:
                out.append(Diagnostic(C.WRITTEN_ANOTHER_WAY, f"{an(kind)} tool's parameters are written one per row", f.key.span, 'write: parameter NAME TYPE "description" [required]'))
                continue
            hint = did_you_mean(key, keywords) or (f"write it as '{wire_names[key]}'" if key in wire_names else None)
            if hint is None:
                owners = [n for n, other in L.TOOLS.items() if n != kind and key in other.by_keyword()]
                hint = f"'{key}' is a setting of the {owners[0]} tool" if owners else None
            allowed = ", ".join(kw for kw, (_, fd) in keywords.items() if fd.documented) + (", parameter" if params_path(kind) else "")
            out.append(Diagnostic(C.UNKNOWN_FIELD, f"unknown field '{key}' in {an(kind)} tool; allowed: {allowed}", f.key.span, hint, ("tools", i, key)))
        if tool.parameters and params_path(kind) is None:
            out.append(Diagnostic(C.WRITTEN_ANOTHER_WAY, f"{an(kind)} tool takes no parameters: parameter rows belong in an http tool", tool.parameters[0].span))


class _Values(ast.Visitor):
    """A value node and every value nested in it, the node first."""

    def list_node(self, node: ast.List):
        yield node
        for item in node.items:
            yield from self.visit(item)

    def block_node(self, node: ast.Block):
        yield node
        for e in node.entries:
            yield from self.visit(e.value)

    def generic_node(self, node):
        yield node  # a string, number, name, boolean or null


def _values(value):
    return _Values().visit(value)


class _Strings(ast.Visitor):
    """The strings of a statement that may hold {{placeholders}}."""

    def input_node(self, node: ast.Input):
        if isinstance(node.value, ast.Str):
            yield node.value
        else:
            yield from (m.content for m in node.value)

    def requirement_node(self, node: ast.Requirement):
        yield node.name
        yield node.description

    def tool_node(self, node: ast.Tool):
        yield from (p.description for p in node.parameters)
        nested = [f.value for f in node.fields] + [p.extra for p in node.parameters if p.extra is not None]
        yield from (v for value in nested for v in _values(value) if isinstance(v, ast.Str))

    def model_node(self, node: ast.Model):
        yield from (r for r in node.refs if isinstance(r, ast.Str))

    def system_prompt_node(self, node: ast.SystemPrompt):
        yield node.value

    def output_type_node(self, node: ast.OutputType):
        yield from (v for v in _values(node.value) if isinstance(v, ast.Str))

    def generic_node(self, node):
        return iter(())  # budget, include, language, param: names, no strings to fill


def schema_file(spec: ast.Spec, base_dir) -> tuple[dict | None, list[Diagnostic]]:
    """Read the JSON Schema that `output_type "file.json"` names."""
    outputs = spec.of(ast.OutputType)
    if not outputs or not isinstance(outputs[0].value, ast.Str):
        return None, []
    node = outputs[0].value
    path = Path(base_dir or ".") / node.value

    def problem(reason: str, hint: str | None = None):
        return None, [Diagnostic(C.UNREADABLE_OUTPUT_TYPE, f"output_type {node.value!r}: {reason}", node.span, hint, ("output_type",))]

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


def param_values(spec: ast.Spec, vars: Vars, require_values: bool, env: Mapping[str, str], require_env: bool):
    """Every placeholder's value (--var, a param's default, {{env.NAME}}),
    and the findings about params, placeholders and credentials."""
    diagnostics: list[Diagnostic] = []
    params: dict[str, ast.Param] = {}
    for p in spec.of(ast.Param):
        name = p.name.value
        if name in params:
            diagnostics.append(
                Diagnostic(
                    C.PARAM_TWICE,
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
                        C.PLACEHOLDER_IN_DEFAULT,
                        f"a param's default is literal text: '{{{{{ph.name}}}}}' in it would not be filled",
                        ph.span,
                        "write the default out in full, or pass the value with --var",
                    )
                )

    values: dict[str, str] = {}
    secret = {id(s) for s in credential_strings(spec)}
    for s in credential_strings(spec):
        if not s.placeholders and looks_like_token(s.value.strip()):
            diagnostics.append(
                Diagnostic(
                    C.LITERAL_CREDENTIAL,
                    "this header value looks like a literal credential: anyone who can read the spec can use it",
                    s.span,
                    'read it from the environment: "Bearer {{env.API_TOKEN}}", with API_TOKEN set where the spec runs',
                )
            )
    used: set[str] = set()
    strings = _Strings()
    for s in (s for statement in spec.statements for s in strings.visit(statement)):
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
                            C.ENV_OUTSIDE_CREDENTIAL,
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
                            C.ENV_NOT_SET,
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
                        C.UNDECLARED_PLACEHOLDER,
                        f"placeholder '{{{{{ph.name}}}}}' names no param",
                        ph.span,
                        did_you_mean(ph.name, params) or f"declare it: param {ph.name}",
                    )
                )

    for name, p in params.items():
        if name not in used:
            diagnostics.append(Diagnostic(C.UNUSED_PARAM, f"param '{name}' is never used in a {{{{{name}}}}} placeholder", p.name.span, "remove it, or use it"))
        if name in vars.values:
            values[name] = vars.values[name]
        elif p.default is not None:
            values[name] = p.default.value
        elif require_values and name in used and name not in vars.unreadable:
            diagnostics.append(
                Diagnostic(
                    C.PARAM_WITHOUT_VALUE,
                    f"param '{name}' has no value",
                    p.name.span,
                    f"pass --var {name}=VALUE or --var {name}=@FILE, or give a default: param {name} = \"...\"",
                )
            )
    for name, source in vars.sources.items():
        if name not in params:
            diagnostics.append(Diagnostic(C.VALUE_FOR_NO_PARAM, f"{source} gives a value for '{name}', which is not a param of this spec", None, did_you_mean(name, params)))
    return values, diagnostics
