"""Hover: a keyword's, field's or enum value's doc (catalog.py), a
requirement's word count, a {{placeholder}}'s param."""

from __future__ import annotations

import json

from lsprotocol import types as lsp

from ..compiler import ast
from . import catalog
from .analysis import Analysis
from ..compiler.envrefs import ENV_PREFIX
from .context import FIELD_VALUE, MANDATORY, ROLE, STATEMENT, TOOL_FIELD, VALUE, context_at, word_at


def render_doc(doc: catalog.Doc) -> str:
    out = [doc.summary, "", f"JSON: `{doc.json}`"]
    if doc.limit:
        out += ["", f"Limit: {doc.limit}"]
    return "\n".join(out)


def _contains(span, offset: int) -> bool:
    return span is not None and span.start_pos <= offset < span.end_pos


def _param_text(p: ast.Param) -> str:
    where = f" (declared on line {p.span.line})"
    if p.default is None:
        return f"`param {p.name.value}`{where}: required (give it with --var {p.name.value}=VALUE)"
    return f"`param {p.name.value}`{where}, default: `{json.dumps(p.default.value, ensure_ascii=False)}`"


def _requirement_text(r: ast.Requirement) -> str:
    n = catalog.words(r.description.value)
    over = " (over the limit)" if n > catalog.MAX_DESCRIPTION_WORDS else ""
    mandatory = " (mandatory)" if r.mandatory else ""
    return f"requirement `{r.name.value}`{mandatory}: {n} of {catalog.MAX_DESCRIPTION_WORDS} words{over}"


def hover(a: Analysis, offset: int) -> lsp.Hover | None:
    source = a.text.text
    # Params and placeholders, from the AST.
    ref = a.refs_at(offset)
    if ref is not None and ref.name in a.params:
        return _hover(a, ref.start, ref.end, _param_text(a.params[ref.name]))
    if ref is not None and ref.name.startswith(ENV_PREFIX):
        variable = ref.name.removeprefix(ENV_PREFIX)
        # Never the value: it is a credential.
        text = f"`{{{{{ref.name}}}}}`: read from the environment variable `{variable}` where the spec is compiled or run; its value is never recorded or printed"
        return _hover(a, ref.start, ref.end, text)
    if ref is not None:
        return _hover(a, ref.start, ref.end, f"`{{{{{ref.name}}}}}`: no param of this name is declared")

    found = word_at(source, offset)
    if found is not None and not a.json:
        start, end = found
        word = source[start:end]
        ctx = context_at(source, start)
        doc = None
        if ctx.kind == STATEMENT and word in catalog.KEYWORDS:
            doc = catalog.KEYWORD_DOCS.get(word)
        elif ctx.kind == VALUE:
            doc = catalog.value_doc(ctx.keyword, word)
        elif ctx.kind == TOOL_FIELD:
            doc = catalog.field_doc(ctx.tool, word)
        elif ctx.kind == FIELD_VALUE:
            doc = catalog.field_value_doc(ctx.tool, ctx.field, word)
        elif ctx.kind == ROLE:
            doc = catalog.role_doc(word)
        elif ctx.kind == MANDATORY and word == catalog.MANDATORY:
            doc = catalog.KEYWORD_DOCS[catalog.MANDATORY]
        if doc is not None:
            text = render_doc(doc)
            r = _requirement_at(a, offset)
            if word == "requirement" and r is not None:
                text = _requirement_text(r) + "\n\n" + text
            return _hover(a, start, end, text)

    r = _requirement_at(a, offset)
    if r is not None:
        return _hover(a, r.span.start_pos, r.span.end_pos, _requirement_text(r))
    return None


def _requirement_at(a: Analysis, offset: int) -> ast.Requirement | None:
    if a.spec is None:
        return None
    for r in a.spec.of(ast.Requirement):
        if _contains(r.span, offset):
            return r
    return None


def _hover(a: Analysis, start: int, end: int, text: str) -> lsp.Hover:
    return lsp.Hover(lsp.MarkupContent(lsp.MarkupKind.Markdown, text), a.text.range(start, end))
