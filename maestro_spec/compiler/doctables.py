"""The reference tables of docs/language.md, generated from the API table and
the code table, so the docs cannot drift from what the compiler does.

    python -m maestro_spec.compiler.doctables           # rewrite docs/language.md's tables
    python -m maestro_spec.compiler.doctables --check   # exit 1 if they are stale

Each table sits between `<!-- table: NAME -->` and `<!-- end table -->`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from . import limits as L
from .diagnostics import CODES

DOC = Path(__file__).resolve().parents[2] / "docs" / "language.md"
_TABLE_RE = re.compile(r"(<!-- table: (\w+) -->\n)(.*?)(<!-- end table -->)", re.S)


def _kind(f: L.Field) -> str:
    k = f.kind
    if isinstance(k, L.Str):
        return "URL (absolute)" if k.form == "absolute_url" else "string"
    if isinstance(k, L.Bool):
        return "`true` / `false`"
    if isinstance(k, (L.Int, L.Num)):
        what = "integer" if isinstance(k, L.Int) else "number"
        if k.min is not None and k.max is not None:
            return f"{what}, {k.min} to {k.max}"
        return f"{what} ≥ {k.min}" if k.min is not None else what
    if isinstance(k, L.Enum):
        return " \\| ".join(f"`{c}`" for c in k.choices)
    if isinstance(k, L.StrList):
        return "list of URL prefixes" if k.form == "url_prefix" else "list of strings"
    if isinstance(k, L.StrMap):
        return "block of strings"
    if isinstance(k, (L.Obj, L.Schema)):
        return "block (a JSON object)"
    if isinstance(k, L.Params):
        return "`parameter` rows"
    return "any"


def tools_table() -> str:
    rows = ["| tool | spec | JSON in the tool's item | value | default | notes |", "|---|---|---|---|---|---|"]
    for name, t in L.TOOLS.items():
        if t.label:
            rows.append(f"| `{name}` | `tool {name} LABEL` | `{'.'.join(t.label)}` | name or string | | {t.label_doc}, unique in a run (E227) |")
        for path, f in t.leaves():
            if t.label and path == t.label:
                continue
            spec = f"`{f.spec_keyword}`" if f.spec_keyword else "`parameter NAME TYPE \"description\" [required]`"
            notes = [f.doc.rstrip(".")] if f.doc else []
            if f.required:
                notes.append("required (E226)")
            if f.secret:
                notes.append("a credential: never recorded or printed")
            if not f.documented:
                notes.append("only in AI21's OpenAPI document (W207)")
            default = "" if f.default is None else f"`{str(f.default).lower() if isinstance(f.default, bool) else f.default}`"
            rows.append(f"| `{name}` | {spec} | `{'.'.join(path)}` | {_kind(f)} | {default} | {'; '.join(notes)} |")
    return "\n".join(rows) + "\n"


def codes_table() -> str:
    rows = ["| code | severity | meaning |", "|---|---|---|"]
    rows += [f"| {code} | {severity} | {meaning} |" for code, (severity, meaning) in CODES.items()]
    return "\n".join(rows) + "\n"


def models_table() -> str:
    rows = ["| model | |", "|---|---|"]
    rows += [f"| `{m}` | AI21's own |" for m in L.FIRST_PARTY_MODELS]
    rows += [f"| `{m}` | run by AI21 |" for m in L.AI21_MANAGED_MODELS]
    rows += [f"| `{m}` | no longer listed: accepted with a warning (W236) |" for m in L.LEGACY_MODELS]
    return "\n".join(rows) + "\n"


TABLES = {"tools": tools_table, "codes": codes_table, "models": models_table}


def render(doc: str) -> str:
    return _TABLE_RE.sub(lambda m: m.group(1) + TABLES[m.group(2)]() + m.group(4), doc)


def main(argv: list[str]) -> int:
    doc = DOC.read_text(encoding="utf-8")
    new = render(doc)
    if "--check" in argv:
        if new != doc:
            print(f"{DOC} has stale tables: run python -m maestro_spec.compiler.doctables", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(new, encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
