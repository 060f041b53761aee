"""Apply the TextMate grammar to .maestro files, as an editor does, and render
the result to HTML (and a PNG with headless Chromium) for the docs.

    python editors/highlight.py examples/invoice.maestro -o /tmp/invoice.html
    python editors/highlight.py --png docs/img/highlight.png FILE...

The engine follows TextMate's rules for what the grammar uses: `match` with
`captures`, `begin`/`end` with their captures and nested `patterns`,
`include` of `#repository` rules and `$self`; at each position the earliest
match wins, the end pattern on a tie. Colours are VS Code's Dark+ for the
scopes the grammar produces.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

GRAMMAR = Path(__file__).parent / "vscode" / "syntaxes" / "maestro.tmLanguage.json"

Token = tuple[str, tuple[str, ...]]  # text, scopes from outermost to innermost


@dataclass
class _Frame:
    rule: dict
    end: re.Pattern
    scopes: tuple[str, ...]


class Grammar:
    def __init__(self, data: dict) -> None:
        self.data = data
        self.root_scope = data["scopeName"]
        self._regex: dict[str, re.Pattern] = {}

    @classmethod
    def load(cls, path: Path = GRAMMAR) -> "Grammar":
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def regex(self, source: str) -> re.Pattern:
        if source not in self._regex:
            self._regex[source] = re.compile(source)
        return self._regex[source]

    def expand(self, patterns: list[dict]) -> list[dict]:
        """Patterns with includes resolved, in order."""
        out: list[dict] = []
        for p in patterns:
            if "include" in p:
                ref = p["include"]
                target = self.data if ref == "$self" else self.data["repository"][ref[1:]]
                out += self.expand(target["patterns"]) if "match" not in target and "begin" not in target else [target]
            elif "match" in p or "begin" in p:
                out.append(p)
            else:
                out += self.expand(p.get("patterns", []))
        return out

    def tokenize(self, text: str) -> list[list[Token]]:
        stack: list[_Frame] = []
        lines = []
        for line in text.split("\n"):
            tokens: list[Token] = []
            self._line(line + "\n", stack, tokens)
            # The newline belongs to the line; drop it from the last token.
            if tokens and tokens[-1][0].endswith("\n"):
                last_text, scopes = tokens.pop()
                if last_text[:-1]:
                    tokens.append((last_text[:-1], scopes))
            lines.append(tokens)
        return lines

    def _line(self, line: str, stack: list[_Frame], out: list[Token]) -> None:
        pos = 0
        while pos < len(line):
            top = stack[-1] if stack else None
            scopes = top.scopes if top else (self.root_scope,)
            patterns = self.expand(top.rule.get("patterns", []) if top else self.data["patterns"])
            best = None  # (start, order, kind, match, rule)
            if top is not None:
                m = top.end.search(line, pos)
                if m:
                    best = (m.start(), -1, "end", m, top.rule)
            for order, rule in enumerate(patterns):
                m = self.regex(rule.get("match") or rule["begin"]).search(line, pos)
                if m and (best is None or m.start() < best[0]):
                    best = (m.start(), order, "begin" if "begin" in rule else "match", m, rule)
            if best is None:
                out.append((line[pos:], scopes))
                return
            start, _, kind, m, rule = best
            if start > pos:
                out.append((line[pos:start], scopes))
            if kind == "end":
                stack.pop()
                self._captures(m, rule.get("endCaptures", rule.get("captures", {})), top.scopes, out)
            elif kind == "match":
                inner = scopes + ((rule["name"],) if "name" in rule else ())
                self._captures(m, rule.get("captures", {}), inner, out)
            else:
                inner = scopes + ((rule["name"],) if "name" in rule else ())
                self._captures(m, rule.get("beginCaptures", rule.get("captures", {})), inner, out)
                stack.append(_Frame(rule, self.regex(rule["end"]), inner + ((rule["contentName"],) if "contentName" in rule else ())))
            if m.end() == pos and kind == "match":
                out.append((line[pos], scopes))  # an empty match must not stall
                pos += 1
            else:
                pos = m.end()

    @staticmethod
    def _captures(m: re.Match, captures: dict, scopes: tuple[str, ...], out: list[Token]) -> None:
        if m.end() == m.start():
            return
        per_char = []
        for i in range(m.start(), m.end()):
            s = scopes
            for group in sorted(captures, key=int):
                a, b = m.span(int(group))
                if a <= i < b and "name" in captures[group]:
                    s = s + (captures[group]["name"],)
            per_char.append(s)
        start = m.start()
        for i in range(1, len(per_char) + 1):
            if i == len(per_char) or per_char[i] != per_char[i - 1]:
                out.append((m.string[start : m.start() + i], per_char[i - 1]))
                start = m.start() + i


# ------------------------------------------------------------------ colours

# VS Code's Dark+ theme, for the scopes this grammar uses (longest prefix wins).
DARK_PLUS = {
    "": "#D4D4D4",
    "comment": "#6A9955",
    "string": "#CE9178",
    "constant.character.escape": "#D7BA7D",
    "keyword": "#C586C0",
    "keyword.operator": "#D4D4D4",
    "storage": "#569CD6",
    "constant.language": "#569CD6",
    "support.constant": "#4FC1FF",
    "support.type": "#4EC9B0",
    "entity.name.tag": "#569CD6",
    "variable": "#9CDCFE",
    "punctuation.definition.placeholder": "#DCDCAA",
    "invalid": "#F44747",
}
BACKGROUND = "#1E1E1E"


def colour(scopes: tuple[str, ...], theme: dict[str, str] = DARK_PLUS) -> str:
    for scope in reversed(scopes):
        best = None
        for selector in theme:
            if selector and (scope == selector or scope.startswith(selector + ".")):
                if best is None or len(selector) > len(best):
                    best = selector
        if best is not None:
            return theme[best]
    return theme[""]


def to_html(files: list[tuple[str, str]], grammar: Grammar, columns: int = 2) -> str:
    panels = []
    for name, text in files:
        rows = []
        for number, tokens in enumerate(grammar.tokenize(text.rstrip("\n")), 1):
            code = "".join(
                f'<span style="color:{colour(scopes)}" title="{html.escape(" ".join(scopes[1:]))}">{html.escape(t)}</span>'
                for t, scopes in tokens
            )
            rows.append(f'<div class="row"><span class="gutter">{number}</span><span class="code">{code}</span></div>')
        panels.append(f'<section><div class="tab">{html.escape(name)}</div><pre>{"".join(rows)}</pre></section>')
    return f"""<!doctype html>
<meta charset="utf-8">
<title>.maestro highlighting</title>
<style>
  body {{ margin: 0; padding: 16px; background: #2D2D2D; display: grid; grid-template-columns: repeat({columns}, max-content); gap: 16px; align-items: start; }}
  section {{ background: {BACKGROUND}; border-radius: 6px; overflow: hidden; box-shadow: 0 2px 8px #0008; }}
  .tab {{ background: #252526; color: #CCCCCC; font: 13px/28px sans-serif; padding: 0 14px; border-bottom: 1px solid #333; }}
  pre {{ margin: 0; padding: 10px 18px 12px 0; font: 14px/20px "DejaVu Sans Mono", Menlo, Consolas, monospace; color: #D4D4D4; }}
  .gutter {{ display: inline-block; width: 3.2em; padding-right: 1.2em; text-align: right; color: #858585; }}
</style>
{"".join(panels)}
"""


def screenshot(page: Path, png: Path, width: int, height: int) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        raise SystemExit("no chromium found: apt-get install -y chromium")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                browser,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                f"--screenshot={png.resolve()}",
                page.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("-o", "--output", type=Path, help="write the HTML here")
    ap.add_argument("--png", type=Path, help="also screenshot it here with headless Chromium")
    ap.add_argument("--size", default="1400x900", help="the PNG's WIDTHxHEIGHT (default 1400x900)")
    ap.add_argument("--columns", type=int, default=2, help="files side by side (default 2)")
    args = ap.parse_args(argv)
    page = to_html([(f.name, f.read_text(encoding="utf-8")) for f in args.files], Grammar.load(), args.columns)
    out = args.output or Path(tempfile.mkdtemp()) / "highlight.html"
    out.write_text(page, encoding="utf-8")
    print(f"wrote {out}")
    if args.png:
        width, height = (int(n) for n in args.size.split("x"))
        args.png.parent.mkdir(parents=True, exist_ok=True)
        screenshot(out, args.png, width, height)
        print(f"wrote {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
