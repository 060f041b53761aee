"""AST -> the request body, plus a source map from JSON paths to spans.

Emission is deliberately literal: it writes what the spec says and judges
nothing. The API's rules are applied to the emitted body by rules.py, the same
code that judges hand-written JSON bodies, and the source map carries each
finding back to the text that produced it. Where a spec keyword goes on the
wire (`url` of an mcp tool is `server_url`, of an http tool `endpoint.url`)
is read from the API table in limits.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from . import ast
from . import limits as L
from .diagnostics import Diagnostic, JsonPath, Span
from .frozen import replace
from .strings import substitute


@dataclass
class Emitted:
    request: dict
    spans: dict[JsonPath, Span] = field(default_factory=dict)

    def place(self, d: Diagnostic) -> Diagnostic:
        """A finding from rules.py, with the spans of its path and related paths."""
        related = tuple(replace(r, span=self.span_for(r.path)) for r in d.related)
        return replace(d, span=self.span_for(d.path), related=related)

    def span_for(self, path: JsonPath | None) -> Span | None:
        """The span of the nearest enclosing path that the spec produced."""
        path = tuple(path or ())
        while True:
            if path in self.spans:
                return self.spans[path]
            if not path:
                return None
            path = path[:-1]


def params_path(kind: str) -> tuple[str, ...] | None:
    """Where a tool type's `parameter` rows go on the wire (http: function.parameters)."""
    tool = L.TOOLS.get(kind)
    return tool.params_path if tool else None


def ordered(obj: dict, fields) -> dict:
    """A tool item's keys in the table's order (nested blocks too), unknown keys last."""
    out = {}
    for f in fields:
        if f.name in obj:
            value = obj[f.name]
            out[f.name] = ordered(value, f.kind.fields) if isinstance(f.kind, L.Block) and isinstance(value, dict) else value
    out.update((k, v) for k, v in obj.items() if k not in out)
    return out


def _set(obj: dict, path: tuple[str, ...], value) -> None:
    for key in path[:-1]:
        obj = obj.setdefault(key, {})
    obj[path[-1]] = value


class _Emitter(ast.Visitor):
    """One method per node kind. A statement method writes its request key;
    a value method returns the value's JSON and puts its span in the source
    map under the JSON path it is given."""

    def __init__(self, values: dict[str, str], schema_file: dict | None) -> None:
        self.values = values
        self.schema_file = schema_file
        self.out = Emitted({})
        self.request, self.spans = self.out.request, self.out.spans

    def text(self, s: ast.Str) -> str:
        return substitute(s.value, self.values, s.placeholders.forms_in_value())

    def value(self, v: ast.Value, path: JsonPath):
        """A spec value as JSON; every node's span goes in the source map."""
        self.spans[path] = v.span
        return self.visit(v, path)

    # -- the spec and its statements

    def spec_node(self, spec: ast.Spec) -> Emitted:
        by_kind: dict[type, list] = {}  # one pass, not a spec.of() scan per kind
        for stmt in spec.statements:
            by_kind.setdefault(type(stmt), []).append(stmt)
        for kind in _ORDER:
            found = by_kind.get(kind)
            if not found:
                continue
            key = _LISTED.get(kind)
            if key is None:
                self.visit(found[0])
            else:
                self.spans[(key,)] = found[0].span
                self.request[key] = [self.visit(node, (key, i)) for i, node in enumerate(found)]
        return self.out

    def input_node(self, node: ast.Input) -> None:
        self.spans[("input",)] = node.span
        if isinstance(node.value, ast.Str):
            self.request["input"] = self.text(node.value)
        else:
            self.request["input"] = [self.visit(m, ("input", i)) for i, m in enumerate(node.value)]

    def message_node(self, m: ast.Message, path: JsonPath) -> dict:
        self.spans[path] = m.span
        self.spans[(*path, "role")] = m.role.span
        self.spans[(*path, "content")] = m.content.span
        return {"role": m.role.value, "content": self.text(m.content)}

    def model_node(self, node: ast.Model) -> None:
        self.spans[("models",)] = node.span
        self.request["models"] = [self.value(r, ("models", i)) for i, r in enumerate(node.refs)]

    def requirement_node(self, r: ast.Requirement, path: JsonPath) -> dict:
        item = {"name": self.text(r.name), "description": self.text(r.description)}
        if r.mandatory:
            item["is_mandatory"] = True
            self.spans[(*path, "is_mandatory")] = r.mandatory
        self.spans[path] = r.span
        self.spans[(*path, "name")] = r.name.span
        self.spans[(*path, "description")] = r.description.span
        return item

    def budget_node(self, node: ast.Budget) -> None:
        self.request["budget"] = self.value(node.value, ("budget",))

    def include_node(self, node: ast.Include) -> None:
        self.spans[("include",)] = node.span
        self.request["include"] = [self.value(n, ("include", i)) for i, n in enumerate(node.values)]

    def language_node(self, node: ast.Language) -> None:
        self.request["response_language"] = self.value(node.value, ("response_language",))

    def system_prompt_node(self, node: ast.SystemPrompt) -> None:
        self.request["system_prompt"] = self.value(node.value, ("system_prompt",))

    def output_type_node(self, node: ast.OutputType) -> None:
        if isinstance(node.value, ast.Block):
            self.request["output_type"] = self.value(node.value, ("output_type",))
        elif self.schema_file is not None:  # the path of a schema file, read by check.py
            self.request["output_type"] = self.schema_file
        self.spans[("output_type",)] = node.value.span

    # -- tools

    def tool_node(self, tool: ast.Tool, path: JsonPath) -> dict:
        spans = self.spans
        kind = tool.type.value
        spans[path] = tool.span
        spans[(*path, "type")] = tool.type.span
        item: dict = {"type": kind}
        spec = L.TOOLS.get(kind)
        if spec is None:  # rules report the type; keep the fields as written
            for f in tool.fields:
                item.setdefault(f.key.value, self.value(f.value, (*path, f.key.value)))
            return item
        if spec.label and tool.label:
            _set(item, spec.label, tool.label.value)
            spans[(*path, *spec.label)] = tool.label.span
        keywords = spec.by_keyword()
        where = params_path(kind)
        for f in tool.fields:
            if f.key.value not in keywords:
                # An unknown field goes in as written, for rules.py to judge
                # (the spec checker names it by its keyword, at the same path);
                # a `parameters` field is written as rows instead (E115).
                if not (where and f.key.value == where[-1]):
                    item.setdefault(f.key.value, self.value(f.value, (*path, f.key.value)))
                    spans[(*path, f.key.value)] = f.span
                continue
            wire, _ = keywords[f.key.value]
            _set(item, wire, self.value(f.value, (*path, *wire)))
            spans[(*path, *wire)] = f.span
        if where is not None:
            _set(item, where, self.parameters(tool.parameters, (*path, *where)))
            spans.setdefault((*path, *where), tool.span)
        return {"type": kind, **ordered({k: v for k, v in item.items() if k != "type"}, spec.fields)}

    def parameters(self, rows: tuple[ast.Parameter, ...], path: JsonPath) -> dict:
        """An http tool's parameter rows as one JSON Schema object."""
        properties, required = {}, []
        for p in rows:
            if p.name.value in properties:
                continue  # declared twice: E109
            properties[p.name.value] = self.visit(p, (*path, "properties", p.name.value))
            if p.required:
                self.spans[(*path, "required", len(required))] = p.required
                required.append(p.name.value)
        params = {"type": "object", "properties": properties}
        if required:
            params["required"] = required
        return params

    def parameter_node(self, p: ast.Parameter, path: JsonPath) -> dict:
        schema = {"type": p.type.value, "description": self.text(p.description)}
        if p.extra is not None:  # type and description are the row's (E109 for a second one)
            extra = self.value(p.extra, path)
            schema.update((k, v) for k, v in extra.items() if k not in schema)
        self.spans[path] = p.span
        self.spans[(*path, "type")] = p.type.span
        self.spans[(*path, "description")] = p.description.span
        return schema

    # -- values

    def str_node(self, v: ast.Str, path: JsonPath) -> str:
        return self.text(v)

    def name_node(self, v: ast.Name, path: JsonPath) -> str:
        return v.value  # a bare word is a string

    def number_node(self, v: ast.Number, path: JsonPath) -> int | float:
        return v.value

    def bool_node(self, v: ast.Bool, path: JsonPath) -> bool:
        return v.value

    def null_node(self, v: ast.Null, path: JsonPath) -> None:
        return None

    def list_node(self, v: ast.List, path: JsonPath) -> list:
        return [self.value(item, (*path, i)) for i, item in enumerate(v.items)]

    def block_node(self, v: ast.Block, path: JsonPath) -> dict:
        obj = {}
        for e in v.entries:
            key = e.key.value
            if key not in obj:  # a repeated key is E109; the first one stands
                obj[key] = self.value(e.value, (*path, key))
                self.spans[(*path, key)] = e.span
        return obj


# The request's keys in the SDK's order (budget before include). The first of
# a single-valued statement stands (check.py reports a repeat); tools and
# requirements are lists, one item per statement.
_ORDER = (ast.Input, ast.Model, ast.Tool, ast.Requirement, ast.Budget, ast.Include, ast.Language, ast.SystemPrompt, ast.OutputType)
_LISTED = {ast.Tool: "tools", ast.Requirement: "requirements"}


def emit(spec: ast.Spec, values: dict[str, str], *, schema_file: dict | None = None) -> Emitted:
    """values: every placeholder's value (param defaults applied, {{env.X}}
    read); schema_file: the JSON Schema an `output_type "file.json"` names,
    already read (check.py reads it, and reports when it cannot)."""
    return _Emitter(values, schema_file).visit(spec)


def json_body(request: dict) -> str:
    """The request's JSON text, as `maestro compile` writes it."""
    return json.dumps(request, indent=2, ensure_ascii=False) + "\n"
