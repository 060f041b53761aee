"""AST -> the request body, plus a source map from JSON paths to spans.

Emission is deliberately literal: it writes what the spec says and judges
nothing. The API's rules are applied to the emitted body by rules.py, the same
code that judges hand-written JSON bodies, and the source map carries each
finding back to the text that produced it. Where a spec keyword goes on the
wire (`url` of an mcp tool is `server_url`, of an http tool `endpoint.url`)
is read from the API table in limits.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from . import ast
from . import limits as L
from .diagnostics import Diagnostic, JsonPath, Span
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
    for path, f in tool.leaves() if tool else ():
        if isinstance(f.kind, L.Params):
            return path
    return None


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


# Statements whose one value is one request field; budget is written before
# include, as the SDK orders its keys, so the loop follows include.
_SIMPLE = {
    ast.Language: "response_language",
    ast.SystemPrompt: "system_prompt",
}


class _Emitter:
    def __init__(self, values: dict[str, str], schema_file: dict | None) -> None:
        self.values = values
        self.schema_file = schema_file
        self.out = Emitted({})

    def text(self, s: ast.Str) -> str:
        return substitute(s.value, self.values)

    def value(self, v, path: JsonPath):
        """A spec value as JSON; every node's span goes in the source map."""
        self.out.spans[path] = v.span
        if isinstance(v, ast.Str):
            return self.text(v)
        if isinstance(v, ast.Name):
            return v.value
        if isinstance(v, (ast.Number, ast.Bool)):
            return v.value
        if isinstance(v, ast.Null):
            return None
        if isinstance(v, ast.List):
            return [self.value(item, (*path, i)) for i, item in enumerate(v.items)]
        obj = {}
        for e in v.entries:
            key = e.key.value
            if key not in obj:  # a repeated key is E109; the first one stands
                obj[key] = self.value(e.value, (*path, key))
                self.out.spans[(*path, key)] = e.span
        self.out.spans[path] = v.span
        return obj

    def tool(self, tool: ast.Tool, path: JsonPath) -> dict:
        spans = self.out.spans
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

    def parameters(self, rows, path: JsonPath) -> dict:
        spans = self.out.spans
        properties, required = {}, []
        for p in rows:
            name = p.name.value
            if name in properties:
                continue  # declared twice: E109
            at = (*path, "properties", name)
            properties[name] = {"type": p.type.value, "description": self.text(p.description)}
            if p.extra is not None:  # type and description are the row's (E109 for a second one)
                extra = self.value(p.extra, at)
                properties[name].update((k, v) for k, v in extra.items() if k not in properties[name])
            spans[at] = p.span
            spans[(*at, "type")] = p.type.span
            spans[(*at, "description")] = p.description.span
            if p.required:
                spans[(*path, "required", len(required))] = p.required
                required.append(name)
        params = {"type": "object", "properties": properties}
        if required:
            params["required"] = required
        return params

    def spec(self, spec: ast.Spec) -> Emitted:
        req, spans = self.out.request, self.out.spans
        # Keys in the SDK's order; first occurrence wins when a single-valued
        # statement is repeated (check.py reports the repeat).
        inputs = spec.of(ast.Input)
        if inputs:
            node = inputs[0]
            spans[("input",)] = node.span
            if isinstance(node.value, ast.Str):
                req["input"] = self.text(node.value)
            else:
                messages = []
                for i, m in enumerate(node.value):
                    messages.append({"role": m.role.value, "content": self.text(m.content)})
                    spans[("input", i)] = m.span
                    spans[("input", i, "role")] = m.role.span
                    spans[("input", i, "content")] = m.content.span
                req["input"] = messages

        models = spec.of(ast.Model)
        if models:
            refs = models[0].refs
            spans[("models",)] = models[0].span
            req["models"] = [r.value if isinstance(r, ast.Name) else self.text(r) for r in refs]
            for i, r in enumerate(refs):
                spans[("models", i)] = r.span

        tools = spec.of(ast.Tool)
        if tools:
            spans[("tools",)] = tools[0].span
            req["tools"] = [self.tool(t, ("tools", i)) for i, t in enumerate(tools)]

        requirements = spec.of(ast.Requirement)
        if requirements:
            spans[("requirements",)] = requirements[0].span
            req["requirements"] = []
            for i, r in enumerate(requirements):
                item = {"name": self.text(r.name), "description": self.text(r.description)}
                if r.mandatory:
                    item["is_mandatory"] = True
                    spans[("requirements", i, "is_mandatory")] = r.mandatory
                req["requirements"].append(item)
                spans[("requirements", i)] = r.span
                spans[("requirements", i, "name")] = r.name.span
                spans[("requirements", i, "description")] = r.description.span

        budgets = spec.of(ast.Budget)
        if budgets:
            req["budget"] = budgets[0].value.value
            spans[("budget",)] = budgets[0].value.span

        includes = spec.of(ast.Include)
        if includes:
            req["include"] = [n.value for n in includes[0].values]
            spans[("include",)] = includes[0].span
            for i, n in enumerate(includes[0].values):
                spans[("include", i)] = n.span

        for kind, key in _SIMPLE.items():
            found = spec.of(kind)
            if found:
                value = found[0].value  # a bare word (budget, language) or a string
                req[key] = self.text(value) if isinstance(value, ast.Str) else value.value
                spans[(key,)] = value.span

        outputs = spec.of(ast.OutputType)
        if outputs:
            node = outputs[0]
            if isinstance(node.value, ast.Block):
                req["output_type"] = self.value(node.value, ("output_type",))
            elif self.schema_file is not None:
                req["output_type"] = self.schema_file
            spans[("output_type",)] = node.value.span
        return self.out


def emit(spec: ast.Spec, values: dict[str, str], *, schema_file: dict | None = None) -> Emitted:
    """values: every placeholder's value (param defaults applied, {{env.X}}
    read); schema_file: the JSON Schema an `output_type "file.json"` names,
    already read (check.py reads it, and reports when it cannot)."""
    return _Emitter(values, schema_file).spec(spec)
