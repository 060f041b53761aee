"""Params and their {{placeholders}}: definition, references, rename; and the
document's outline (symbols). All from the AST's spans."""

from __future__ import annotations

from lsprotocol import types as lsp

from ..compiler import ast
from .analysis import Analysis, Ref
from .context import WORD_RE


class RenameError(ValueError):
    pass


def _ref(a: Analysis, offset: int) -> Ref | None:
    ref = a.refs_at(offset)
    return ref if ref is not None and ref.name in a.params else None


def definition(a: Analysis, offset: int) -> lsp.Location | None:
    ref = _ref(a, offset)
    if ref is None:
        return None
    decl = a.params[ref.name].name.span
    return lsp.Location(a.uri, a.text.range(decl.start_pos, decl.end_pos))


def references(a: Analysis, offset: int, include_declaration: bool = True) -> list[lsp.Location]:
    ref = _ref(a, offset)
    if ref is None:
        return []
    return [
        lsp.Location(a.uri, a.text.range(r.start, r.end))
        for r in a.refs
        if r.name == ref.name and (include_declaration or not r.declaration)
    ]


def prepare_rename(a: Analysis, offset: int) -> lsp.Range | None:
    ref = _ref(a, offset)
    return a.text.range(ref.start, ref.end) if ref is not None else None


def rename(a: Analysis, offset: int, new_name: str) -> lsp.WorkspaceEdit | None:
    ref = _ref(a, offset)
    if ref is None:
        return None
    m = WORD_RE.fullmatch(new_name)
    if m is None:
        raise RenameError(f"{new_name!r} is not a param name: letters, digits, _, - and . , starting with a letter or _")
    if new_name != ref.name and new_name in a.params:
        raise RenameError(f"a param named {new_name!r} is already declared")
    edits = [lsp.TextEdit(a.text.range(r.start, r.end), new_name) for r in a.refs if r.name == ref.name]
    return lsp.WorkspaceEdit(changes={a.uri: edits})


_KINDS = {
    ast.Input: lsp.SymbolKind.String,
    ast.Requirement: lsp.SymbolKind.Event,
    ast.Tool: lsp.SymbolKind.Module,
    ast.Model: lsp.SymbolKind.Class,
    ast.Budget: lsp.SymbolKind.EnumMember,
    ast.Include: lsp.SymbolKind.Array,
    ast.Language: lsp.SymbolKind.EnumMember,
    ast.Param: lsp.SymbolKind.Variable,
}


def _name_of(s) -> tuple[str, object]:
    """(the symbol's name, the node whose span selects it)."""
    keyword = ast.KEYWORDS.get(type(s), type(s).__name__.lower())
    if isinstance(s, ast.Requirement):
        return s.name.value or "(unnamed)", s.name
    if isinstance(s, ast.Tool):
        label = getattr(s, "label", None)
        return (f"{s.type.value} {label.value}" if label is not None else s.type.value), s.type
    if isinstance(s, ast.Param):
        return s.name.value, s.name
    if isinstance(s, ast.Model) and s.refs:
        return f"model {s.refs[0].value}", s.refs[0]
    for attr in ("value", "values"):
        v = getattr(s, attr, None)
        if isinstance(v, ast.Name):
            return f"{keyword} {v.value}", v
        if isinstance(v, tuple) and v and isinstance(v[0], ast.Name):
            return f"{keyword} {', '.join(n.value for n in v)}", v[0]
    return keyword, s


def symbols(a: Analysis) -> list[lsp.DocumentSymbol]:
    if a.spec is None:
        return []
    out = []
    for s in a.spec.statements:
        name, sel = _name_of(s)
        children = None
        if isinstance(s, ast.Tool) and s.fields:
            children = [
                lsp.DocumentSymbol(
                    name=f.key.value,
                    kind=lsp.SymbolKind.Field,
                    range=a.text.range(f.span.start_pos, f.span.end_pos),
                    selection_range=a.text.range(f.key.span.start_pos, f.key.span.end_pos),
                )
                for f in s.fields
            ]
        out.append(
            lsp.DocumentSymbol(
                name=name,
                detail=ast.KEYWORDS.get(type(s)),
                kind=_KINDS.get(type(s), lsp.SymbolKind.Object),
                range=a.text.range(s.span.start_pos, s.span.end_pos),
                selection_range=a.text.range(sel.span.start_pos, sel.span.end_pos),
                children=children,
            )
        )
    return out
