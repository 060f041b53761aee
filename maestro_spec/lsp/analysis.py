"""One analysis of one document: the compiler's findings on its text, and an
index of its params and {{placeholders}} for navigation and hover."""

from __future__ import annotations

from dataclasses import dataclass, field

from lsprotocol import types as lsp

from ..compiler import ast
from ..compiler.pipeline import Compiled, compile_text
from ..compiler.diagnostics import Diagnostic, Span
from ..compiler.frozen import Frozen, fields
from ..compiler.jsonbody import check_json_text
from ..compiler.params import Vars
from .textpos import Text, to_range

SOURCE = "maestro"
# A garbage document can have a finding per line; a client gets the first
# ones (errors before warnings) and one line saying how many more
# `maestro check` would print.
MAX_DIAGNOSTICS = 1000


def is_json(uri: str, language_id: str | None = None) -> bool:
    return language_id == "json" or uri.lower().endswith(".json")


@dataclass
class Ref:
    """A param's name where it is declared or used in a {{placeholder}}."""

    name: str
    start: int  # character offsets of the name itself (no braces)
    end: int
    declaration: bool
    placeholder: ast.Placeholder | None = None


@dataclass
class Analysis:
    uri: str
    version: int | None
    text: Text
    compiled: Compiled
    json: bool = False
    params: dict[str, ast.Param] = field(default_factory=dict)
    refs: list[Ref] = field(default_factory=list)

    @property
    def spec(self) -> ast.Spec | None:
        return self.compiled.spec

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.compiled.diagnostics

    def refs_at(self, offset: int) -> Ref | None:
        for r in self.refs:
            if r.start <= offset <= r.end:
                return r
        return None


def analyse(uri: str, source: str, vars: Vars | None, *, json_body: bool = False, units=None) -> Analysis:
    text = Text(source, units) if units else Text(source)
    compiled = check_json_text(source) if json_body else compile_text(source, vars, require_values=False)
    out = Analysis(uri, None, text, compiled, json_body)
    if compiled.spec is not None:
        _index(out, compiled.spec, source)
    return out


def strings_of(node):
    """Every string literal in an AST node, found by walking its fields (so a
    new statement kind needs no change here)."""
    if isinstance(node, ast.Str):
        yield node
    elif isinstance(node, tuple):
        for n in node:
            yield from strings_of(n)
    elif isinstance(node, Frozen):
        for name in fields(node):
            yield from strings_of(getattr(node, name))


def _index(out: Analysis, spec: ast.Spec, source: str) -> None:
    for p in spec.of(ast.Param):
        out.params.setdefault(p.name.value, p)
        s = p.name.span
        out.refs.append(Ref(p.name.value, s.start_pos, s.end_pos, True))
    for s in strings_of(spec):
        for ph in s.placeholders:
            raw = source[ph.span.start_pos : ph.span.end_pos]
            at = raw.find(ph.name, 2)
            start = ph.span.start_pos + at
            out.refs.append(Ref(ph.name, start, start + len(ph.name), False, ph))
    out.refs.sort(key=lambda r: r.start)


def span_range(a: Analysis, span: Span | None) -> lsp.Range:
    return to_range(a.text, span)


def to_lsp(a: Analysis, d: Diagnostic) -> lsp.Diagnostic:
    """A compiler finding as an LSP diagnostic: same code, range, severity;
    the hint appended to the message (and kept in data for quick fixes)."""
    message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
    related = [
        lsp.DiagnosticRelatedInformation(lsp.Location(a.uri, span_range(a, r.span)), r.message)
        for r in d.related
        if r.span is not None
    ]
    return lsp.Diagnostic(
        range=span_range(a, d.span),
        message=message,
        severity=lsp.DiagnosticSeverity.Error if d.is_error else lsp.DiagnosticSeverity.Warning,
        code=d.code,
        source=SOURCE,
        related_information=related or None,
        data={"hint": d.hint} if d.hint else None,
    )


def lsp_diagnostics(a: Analysis) -> list[lsp.Diagnostic]:
    found = a.diagnostics
    if len(found) > MAX_DIAGNOSTICS:  # errors first, so a cap never hides one behind warnings
        found = sorted(found, key=lambda d: not d.is_error)
    out = [to_lsp(a, d) for d in found[:MAX_DIAGNOSTICS]]
    if len(found) > MAX_DIAGNOSTICS:
        out.append(
            lsp.Diagnostic(
                range=span_range(a, None),
                message=f"{len(found) - MAX_DIAGNOSTICS} more problems not shown here; run maestro check for all of them",
                severity=lsp.DiagnosticSeverity.Information,
                source=SOURCE,
            )
        )
    return out
