"""Completion: what may come at the cursor, from context.py's reading of the
text and catalog.py's vocabulary; param names from the last analysis."""

from __future__ import annotations

import re

from lsprotocol import types as lsp

from . import catalog
from .context import FIELD_VALUE, MANDATORY, PARAMETER_TYPE, PLACEHOLDER, ROLE, STATEMENT, TOOL_FIELD, VALUE, context_at
from .textpos import Text

K = lsp.CompletionItemKind
# Params of a document that does not parse (half-typed): its declarations.
_PARAM_DECL_RE = re.compile(r"^\s*param\s+([A-Za-z_][A-Za-z0-9_.\-]*)", re.M)


def _item(label: str, kind, text: Text, start: int, end: int, detail: str | None = None, doc: catalog.Doc | None = None, snippet: str | None = None):
    new_text = snippet if snippet is not None else label
    return lsp.CompletionItem(
        label=label,
        kind=kind,
        detail=detail or (doc.summary if doc else None),
        documentation=_markup(doc) if doc else None,
        text_edit=lsp.TextEdit(text.range(start, end), new_text),
        insert_text_format=lsp.InsertTextFormat.Snippet if snippet is not None else lsp.InsertTextFormat.PlainText,
        filter_text=label,
    )


def _markup(doc: catalog.Doc) -> lsp.MarkupContent:
    from .hover import render_doc

    return lsp.MarkupContent(lsp.MarkupKind.Markdown, render_doc(doc))


def param_names(source: str, params) -> list[str]:
    if params:
        return list(params)
    return list(dict.fromkeys(_PARAM_DECL_RE.findall(source)))


def complete(text: Text, offset: int, params=None) -> list[lsp.CompletionItem]:
    source = text.text
    ctx = context_at(source, offset)
    s, e = ctx.start, ctx.end
    items: list[lsp.CompletionItem] = []
    if ctx.kind == STATEMENT:
        for kw in catalog.KEYWORDS:
            items.append(_item(kw, K.Keyword, text, s, e, doc=catalog.KEYWORD_DOCS.get(kw)))
        for label, body, detail in catalog.snippets():
            items.append(_item(label, K.Snippet, text, s, e, detail=detail, snippet=body))
    elif ctx.kind == VALUE:
        kind = K.Class if ctx.keyword == "tool" else K.EnumMember
        for v in catalog.VALUES[ctx.keyword]:
            items.append(_item(v, kind, text, s, e, doc=catalog.value_doc(ctx.keyword, v)))
    elif ctx.kind == TOOL_FIELD:
        for f in catalog.TOOL_FIELDS.get(ctx.tool, ()):
            items.append(_item(f, K.Field, text, s, e, doc=catalog.field_doc(ctx.tool, f)))
        if ctx.after_parameter:
            items.append(_item(catalog.REQUIRED, K.Keyword, text, s, e, detail="the parameter is required"))
    elif ctx.kind == FIELD_VALUE:
        for v in catalog.field_values(ctx.tool, ctx.field):
            items.append(_item(v, K.EnumMember, text, s, e, doc=catalog.field_value_doc(ctx.tool, ctx.field, v)))
    elif ctx.kind == PARAMETER_TYPE:
        for t in catalog.PARAMETER_TYPES:
            items.append(_item(t, K.TypeParameter, text, s, e, detail=f"a {t} parameter"))
    elif ctx.kind == ROLE:
        for r in catalog.ROLES:
            items.append(_item(r, K.EnumMember, text, s, e, doc=catalog.role_doc(r)))
    elif ctx.kind == MANDATORY:
        items.append(_item(catalog.MANDATORY, K.Keyword, text, s, e, doc=catalog.KEYWORD_DOCS[catalog.MANDATORY]))
    elif ctx.kind == PLACEHOLDER:
        for name in param_names(source, params):
            items.append(_item(name, K.Variable, text, s, e, detail=f"param {name}"))
    return items
