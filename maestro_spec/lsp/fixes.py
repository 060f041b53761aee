"""Quick fixes: mechanical edits read off a finding's hint (a "did you mean",
a missing comma, a stray comma, an open string) and off its kind (a repeated
statement, an unused param). Each edit is checked against the text it
replaces, so a finding whose span covers something else gets no fix."""

from __future__ import annotations

import json
import re

from lsprotocol import types as lsp

from ..compiler import codes as C
from ..compiler.diagnostics import Diagnostic
from .analysis import Analysis, to_lsp

_DID_YOU_MEAN_RE = re.compile(r"did you mean '([^']+)'\?")
_QUOTED_RE = re.compile(r"'([^']+)'")
_NAME_CHAR_RE = re.compile(r"[A-Za-z0-9_.\-]")
_ONE_STRING_RE = re.compile(r'([A-Za-z_][A-Za-z0-9_.\-]*\s+)?("(?:[^"\\\n]|\\.)*")')
_BYOK_RE = re.compile(r'written quoted: model ("[^"]*")')


def _edit(a: Analysis, start: int, end: int, new: str) -> lsp.TextEdit:
    return lsp.TextEdit(a.text.range(start, end), new)


def _action(a: Analysis, title: str, d: Diagnostic, edits: list[lsp.TextEdit], preferred=False) -> lsp.CodeAction:
    return lsp.CodeAction(
        title=title,
        kind=lsp.CodeActionKind.QuickFix,
        diagnostics=[to_lsp(a, d)],
        edit=lsp.WorkspaceEdit(changes={a.uri: edits}),
        is_preferred=preferred or None,
    )


def _replace_word(a: Analysis, d: Diagnostic, wrong: str, right: str) -> tuple[int, int, str] | None:
    """Where `wrong` is written at (or, for a JSON key, just before) the
    finding's span, and what replaces it, in the same quoting."""
    source = a.text.text
    start, end = d.span.start_pos, d.span.end_pos
    here = source[start:end]
    if here == wrong:
        return start, end, right
    if here == json.dumps(wrong) or (here.startswith('"') and here[1:-1] == wrong):
        return start, end, json.dumps(right)
    if here.startswith(wrong) and not _NAME_CHAR_RE.match(here, len(wrong)):
        # A tool field: the span is the whole `urlz [...]`, the key first.
        return start, start + len(wrong), right
    if here.endswith(wrong) and len(here) > len(wrong) and here[-len(wrong) - 1].isspace():
        # A tool setting: the span is the whole `retrieval_strategy segmnts`, the value last.
        return end - len(wrong), end, right
    if here.startswith("{{") and here.endswith("}}") and here[2:-2].strip() == wrong:
        inner = here[2:-2]
        return start, end, "{{" + inner.replace(wrong, right) + "}}"
    if a.json:
        # A JSON object's unknown key: the finding points at its value.
        key = json.dumps(wrong)
        at = source.rfind(key, max(0, start - 4096), start)
        if at >= 0 and re.fullmatch(r"\s*:\s*", source[at + len(key) : start]):
            return at, at + len(key), json.dumps(right)
    return None


def _line_bounds(source: str, start: int, end: int) -> tuple[int, int]:
    lo = source.rfind("\n", 0, start) + 1
    hi = source.find("\n", end)
    return lo, (len(source) if hi < 0 else hi + 1)


def fixes_for(a: Analysis, d: Diagnostic) -> list[lsp.CodeAction]:
    if d.span is None:
        return []
    source = a.text.text
    start, end = d.span.start_pos, d.span.end_pos
    hint = d.hint or ""
    out: list[lsp.CodeAction] = []

    m = _DID_YOU_MEAN_RE.search(hint)
    wrong = _QUOTED_RE.search(d.message)
    if m and wrong:
        target = _replace_word(a, d, wrong.group(1).strip("{} "), m.group(1))
        if target is not None:
            out.append(_action(a, f"Change to '{m.group(1)}'", d, [_edit(a, *target)], preferred=True))
    byok = _BYOK_RE.search(hint)
    if d.code == C.UNKNOWN_MODEL and byok and wrong and source[start:end] == wrong.group(1):
        out.append(_action(a, f"Quote it as a bring-your-own-key model ID: {byok.group(1)}", d, [_edit(a, start, end, byok.group(1))]))

    if hint == "separate list items with commas":
        back = start
        while back > 0 and source[back - 1].isspace():
            back -= 1
        out.append(_action(a, "Insert the missing ','", d, [_edit(a, back, back, ",")], preferred=True))
    elif hint == "remove the trailing ','" and source[start:end] == ",":
        out.append(_action(a, "Remove the trailing ','", d, [_edit(a, start, end, "")], preferred=True))
    elif d.code == C.UNTERMINATED_STRING and source[start:end] == '"""':
        out.append(_action(a, 'Close the string with """', d, [_edit(a, len(source), len(source), '"""\n')]))
    elif d.code == C.UNTERMINATED_STRING and source[start : start + 1] == '"':
        line_end = source.find("\n", start)
        line_end = len(source) if line_end < 0 else line_end
        if source[line_end - 1 : line_end] == "\r":
            line_end -= 1
        out.append(_action(a, 'Close the string with "', d, [_edit(a, line_end, line_end, '"')], preferred=True))
    elif d.code == C.WRONG_TYPE and hint.startswith("write a list:"):
        # A single string where a list belongs: `urls "a.com"` -> `urls ["a.com"]`.
        one = _ONE_STRING_RE.fullmatch(source, start, end)
        if one is not None:
            at = one.start(2)
            out.append(_action(a, "Make it a list", d, [_edit(a, at, end, "[" + source[at:end] + "]")], preferred=True))
    elif d.code == C.UNDECLARED_PLACEHOLDER and hint.startswith("declare it: "):
        out.append(_action(a, hint[0].upper() + hint[1:], d, [_edit(a, 0, 0, hint.removeprefix("declare it: ") + "\n")]))

    if d.code == C.UNREACHABLE_TOOL_URL and hint.startswith("use https://"):
        at = source.find('"http://', start, end)
        if at >= 0:
            out.append(_action(a, "Use https://", d, [_edit(a, at + 1, at + 8, "https://")], preferred=True))
    if a.json and d.code == C.TOOL_RESOURCES_DEPRECATED and isinstance(a.compiled.request, dict):
        today = _today(a.compiled.request)
        if today is not None:
            whole = [_edit(a, 0, len(source), today)]
            out.append(_action(a, "Rewrite the body in today's shape (tool settings in their tools items)", d, whole, preferred=True))

    if not a.json and d.code in (C.STATEMENT_TWICE, C.PARAM_TWICE) and d.related:
        lo, hi = _line_bounds(source, start, end)
        if source[lo:start].strip() == "" and source[end:hi].strip() == "":
            out.append(_action(a, "Remove this repeated statement", d, [_edit(a, lo, hi, "")]))
    if not a.json and d.code == C.UNUSED_PARAM:
        decl = a.params.get(source[start:end])
        if decl is not None:
            lo, hi = _line_bounds(source, decl.span.start_pos, decl.span.end_pos)
            if source[lo : decl.span.start_pos].strip() == "" and source[decl.span.end_pos : hi].strip() == "":
                out.append(_action(a, f"Remove the unused param '{decl.name.value}'", d, [_edit(a, lo, hi, "")]))
    return out


def _today(body: dict) -> str | None:
    """The body in today's shape, as `maestro decompile` reads it (same meaning)."""
    from ..compiler.decompile import canonical

    try:
        return json.dumps(canonical(body), indent=2, ensure_ascii=False) + "\n"
    except Exception:  # a body too broken to move: its errors come first
        return None


def code_actions(a: Analysis, start: int, end: int) -> list[lsp.CodeAction]:
    """Fixes for every finding that touches [start, end]."""
    out = []
    for d in a.diagnostics:
        s = d.span
        if s is None or s.end_pos < start or s.start_pos > end:
            continue
        out += fixes_for(a, d)
    return out
