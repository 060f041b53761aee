"""AST -> the request body, plus a source map from JSON paths to spans.

Emission is deliberately literal: it writes what the spec says and judges
nothing. The API's rules are applied to the emitted body by rules.py, the same
code that judges hand-written JSON bodies, and the source map carries each
finding back to the text that produced it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from . import ast
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


def emit(spec: ast.Spec, values: dict[str, str]) -> Emitted:
    """values: every param's value (defaults already applied)."""
    out = Emitted({})
    req, spans = out.request, out.spans

    def text(s: ast.Str) -> str:
        return substitute(s.value, values)

    # Keys are written in the SDK's order; first occurrence wins when a
    # single-valued statement is repeated (check.py reports the repeat).
    inputs = spec.of(ast.Input)
    if inputs:
        node = inputs[0]
        spans[("input",)] = node.span
        if isinstance(node.value, ast.Str):
            req["input"] = text(node.value)
        else:
            messages = []
            for i, m in enumerate(node.value):
                messages.append({"role": m.role.value, "content": text(m.content)})
                spans[("input", i)] = m.span
                spans[("input", i, "role")] = m.role.span
                spans[("input", i, "content")] = m.content.span
            req["input"] = messages

    models = spec.of(ast.Model)
    if models:
        refs = models[0].refs
        spans[("models",)] = models[0].span
        req["models"] = [r.value if isinstance(r, ast.Name) else text(r) for r in refs]
        for i, r in enumerate(refs):
            spans[("models", i)] = r.span

    tools = spec.of(ast.Tool)
    if tools:
        spans[("tools",)] = tools[0].span
        req["tools"] = []
        resources: dict[str, dict] = {}
        for i, tool in enumerate(tools):
            kind = tool.type.value
            req["tools"].append({"type": kind})
            spans[("tools", i)] = tool.span
            spans[("tools", i, "type")] = tool.type.span
            if not tool.fields:
                continue
            fields = resources.setdefault(kind, {})
            spans.setdefault(("tool_resources", kind), tool.span)
            for f in tool.fields:
                key = f.key.value
                spans[("tool_resources", kind, key)] = f.span
                if isinstance(f.value, ast.StrList):
                    fields[key] = [text(item) for item in f.value.items]
                    for j, item in enumerate(f.value.items):
                        spans[("tool_resources", kind, key, j)] = item.span
                else:
                    fields[key] = text(f.value)
        if resources:
            req["tool_resources"] = resources
            spans[("tool_resources",)] = tools[0].span

    requirements = spec.of(ast.Requirement)
    if requirements:
        spans[("requirements",)] = requirements[0].span
        req["requirements"] = []
        for i, r in enumerate(requirements):
            item = {"name": text(r.name), "description": text(r.description)}
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

    languages = spec.of(ast.Language)
    if languages:
        req["response_language"] = languages[0].value.value
        spans[("response_language",)] = languages[0].value.span

    return out
