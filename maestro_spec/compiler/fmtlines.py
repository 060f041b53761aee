"""fmt's output: lines of code with end-of-line comments aligned, and how
each printed token is separated from the one before it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sep:
    """How a token is separated from the one before it.

    kind "line" starts a new line at `indent`; "space"/"none" keep the token
    on the line, unless a comment forces a break, and then it continues at
    `indent`. Own-line comments before the token go at `comment_indent`.
    """

    kind: str
    indent: int = 0
    comment_indent: int | None = None
    blank: bool = False  # keep one blank line from the source before the token
    blank_comments: bool = False  # ... and before comments in the gap
    spaces: int = 1


def new_line(indent: int, *, blank: bool = True, comment_indent: int | None = None, token_blank: bool | None = None) -> Sep:
    return Sep("line", indent, indent if comment_indent is None else comment_indent, blank if token_blank is None else token_blank, blank)


def spaced(cont: int, spaces: int = 1) -> Sep:
    return Sep("space", cont, cont, spaces=spaces)


def joined(cont: int) -> Sep:
    return Sep("none", cont, cont)


class OutputLines:
    """Output lines as (code, end-of-line comment); comments are aligned last."""

    def __init__(self) -> None:
        self.done: list[tuple[str, str | None]] = []
        self.code = ""
        self.comment: str | None = None
        self.indent = 0  # where the current line starts
        self.after_opener = True  # at the start, or just after '{' / '[': no blank line

    @property
    def has_code(self) -> bool:
        return bool(self.code.strip())

    def newline(self, indent: int, blank: bool = False) -> None:
        if self.has_code or self.comment is not None:
            self.done.append((self.code, self.comment))
        if blank and self.done and self.done[-1] != ("", None) and not self.after_opener:
            self.done.append(("", None))
        self.code, self.comment, self.indent = " " * indent, None, indent

    def write(self, text: str) -> None:
        first, *rest = text.split("\n")
        self.code += first
        for part in rest:  # the lines of a triple-quoted string, kept verbatim
            self.done.append((self.code, self.comment))
            self.code, self.comment = part, None
        self.after_opener = False

    def render(self) -> str:
        if self.has_code or self.comment is not None:
            self.done.append((self.code, self.comment))
            self.code, self.comment = "", None
        lines = self.done
        out: list[str] = []
        i = 0
        while i < len(lines):
            if lines[i][1] is None:
                out.append(lines[i][0])
                i += 1
                continue
            # Consecutive lines with end-of-line comments share one column.
            j = i
            while j < len(lines) and lines[j][1] is not None:
                j += 1
            column = max(len(code) for code, _ in lines[i:j]) + 2
            out += [(code.ljust(column) if code.strip() else code) + comment for code, comment in lines[i:j]]
            i = j
        while out and not out[-1].strip():
            out.pop()
        return "\n".join(out) + "\n" if out else ""
