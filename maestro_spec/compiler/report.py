"""Render diagnostics: text (with the source line and a caret), JSON, GitHub."""

from __future__ import annotations

import json

from .diagnostics import Diagnostic, format_path

FORMATS = ("text", "json", "github")


def _where(path: str, d: Diagnostic) -> str:
    if d.span is None:
        return path
    return f"{path}:{d.span.line}:{d.span.column}"


def _excerpt(source: str | None, d: Diagnostic, indent: str = "  ") -> list[str]:
    if source is None or d.span is None:
        return []
    lines = source.splitlines() or [""]
    if not 1 <= d.span.line <= len(lines):
        return []
    text = lines[d.span.line - 1].expandtabs(1)
    start = d.span.column - 1
    end = d.span.end_column - 1 if d.span.end_line == d.span.line else len(text)
    width = max(1, min(end, len(text)) - start)
    gutter = f"{d.span.line} | "
    return [
        f"{indent}{gutter}{text}",
        f"{indent}{' ' * (len(gutter) - 2)}| {' ' * start}^{'~' * (width - 1)}",
    ]


def render_text(path: str, diagnostics: list[Diagnostic], source: str | None = None) -> str:
    out: list[str] = []
    for d in diagnostics:
        # A JSON body's findings name their JSON path; a spec's point at text.
        at = f"{format_path(d.path)}: " if d.path and path.endswith(".json") else ""
        out.append(f"{_where(path, d)}: {d.severity}[{d.code}]: {at}{d.message}")
        out += _excerpt(source, d)
        for r in d.related:
            out.append(f"  note: {_where(path, r) if r.span else path}: {r.message}")
        if d.hint:
            out.append(f"  hint: {d.hint}")
    return "\n".join(out)


def to_json(path: str, d: Diagnostic) -> dict:
    s = d.span
    return {
        "path": path,
        "range": None
        if s is None
        else {"start": {"line": s.line, "column": s.column}, "end": {"line": s.end_line, "column": s.end_column}},
        "severity": d.severity,
        "code": d.code,
        "message": d.message,
        "hint": d.hint,
        "json_path": format_path(d.path) if d.path else None,
        "related": [
            {
                "message": r.message,
                "range": None
                if r.span is None
                else {"start": {"line": r.span.line, "column": r.span.column}, "end": {"line": r.span.end_line, "column": r.span.end_column}},
            }
            for r in d.related
        ],
    }


def render_json(path: str, diagnostics: list[Diagnostic]) -> str:
    return "\n".join(json.dumps(to_json(path, d), ensure_ascii=False) for d in diagnostics)


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(path: str, diagnostics: list[Diagnostic]) -> str:
    out = []
    for d in diagnostics:
        props = [f"file={_gh_escape(path, True)}"]
        if d.span:
            props += [f"line={d.span.line}", f"col={d.span.column}", f"endLine={d.span.end_line}", f"endColumn={d.span.end_column}"]
        props.append(f"title={_gh_escape(d.code, True)}")
        message = d.message + (f" (hint: {d.hint})" if d.hint else "")
        out.append(f"::{d.severity} {','.join(props)}::{_gh_escape(message)}")
    return "\n".join(out)


def render(fmt: str, path: str, diagnostics: list[Diagnostic], source: str | None = None) -> str:
    if fmt == "json":
        return render_json(path, diagnostics)
    if fmt == "github":
        return render_github(path, diagnostics)
    return render_text(path, diagnostics, source)
