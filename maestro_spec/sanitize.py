"""What a server says, made safe: secrets taken out of values, text made safe for a terminal.

Two rules, each with its functions:

- `scrub(data, secrets)`: a copy of a JSON value with every secret (the API
  key, each tool header value) replaced by REDACTED inside strings and
  object keys. Applied to the parsed answer, before anything serializes
  it, so a record or `--json` output stays valid JSON whatever the secret is
  (a key "1" turns "12" into "***2", never `"polls": ***`).
- `for_terminal(text)`: C0/C1 control characters, ESC sequences (CSI, OSC 52
  clipboard writes, OSC 8 links, window titles), DEL and bidi overrides are
  shown as visible escapes (`\\x1b`, `\\u202e`), so server text cannot clear
  the screen, write the clipboard or reorder a line. Newlines and tabs stay
  (results and reasons have layout); `one_line()` folds them for one-line
  fields (names, ids, finish reasons, error messages); `json_for_terminal`
  does the same for serialized JSON, `shown_id` for a run id.

`depth(data, limit)` measures nesting without recursion, for every reader
that bounds it (answers, records, decompile). Standard library only, shared
by the runtime, the server and the compiler.
"""

from __future__ import annotations

import re

REDACTED = "***"

# Lone surrogates (JSON allows "\ud800") cannot be encoded to UTF-8: a record
# write or a print would fail. They become U+FFFD, as a decoder would make them.
_SURROGATES = re.compile("[\ud800-\udfff]")

# Everything a terminal may act on: C0 but tab and newline, DEL, C1; the bidi
# embeddings, overrides and isolates; and the line/paragraph separators.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _visible(match: re.Match) -> str:
    c = ord(match.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def for_terminal(text: str) -> str:
    """`text` with every control character but newline and tab shown as an escape."""
    text = _SURROGATES.sub("\ufffd", text)
    return _UNSAFE.sub(_visible, text)


def one_line(text: str, limit: int | None = None) -> str:
    """`text` on one line (runs of whitespace become one blank), controls escaped,
    at most `limit` characters (cut with "...")."""
    if limit is not None and len(text) > 4 * limit:
        text = text[: 4 * limit]  # do not fold megabytes to show a few hundred characters
    text = " ".join(_SURROGATES.sub("\ufffd", text).split())
    text = _UNSAFE.sub(_visible, text)  # split() has taken tabs and newlines already
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 3)] + "..."
    return text


def json_for_terminal(text: str) -> str:
    """Serialized JSON with the characters a terminal acts on, which json.dumps
    (ensure_ascii=False) leaves raw (DEL, C1, bidi, separators), written as
    \\u escapes: the same JSON value, safe to print. They can only occur
    inside JSON strings, where an escape means the same character."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", _SURROGATES.sub("\ufffd", text))


# A secret shorter than this is not scrubbed from text: it cannot be told
# from ordinary words (AI21_API_KEY=x would turn "Extract" into "E***tract",
# a key "1" every id and port), and real keys and tokens are far longer.
# Object keys are scrubbed only of secrets of KEY_SECRET_CHARS or more, so
# that a short one never renames a field ("result").
MIN_SECRET_CHARS = 4
KEY_SECRET_CHARS = 8


def _secrets(secrets, least: int = MIN_SECRET_CHARS) -> tuple[str, ...]:
    # Longest first, so that a secret containing another is replaced whole.
    found = {s for s in secrets if isinstance(s, str) and len(s) >= least}
    return tuple(sorted(found, key=len, reverse=True))


def _scrub_text(text: str, secrets: tuple[str, ...]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def scrub(data, secrets):
    """A copy of the JSON value `data` with every secret replaced by REDACTED
    (in strings and object keys) and lone surrogates by
    U+FFFD. Iterative, so any depth json.loads produced is fine."""
    found = _secrets(secrets)
    in_keys = tuple(s for s in found if len(s) >= KEY_SECRET_CHARS)

    def clean(value, secrets=found):
        if isinstance(value, str):
            value = _SURROGATES.sub("\ufffd", value)
            return _scrub_text(value, secrets) if secrets else value
        return value  # numbers are left alone: a key "1" must not turn a score 1.0 into text

    if not isinstance(data, (dict, list)):
        return clean(data)
    root: list = [None]
    # (source container, target container, key in target) to fill in
    stack = [(data, root, 0)]
    while stack:
        source, parent, slot = stack.pop()
        if isinstance(source, dict):
            copy: dict = {}
            parent[slot] = copy
            for key, value in source.items():
                key = clean(key, in_keys) if isinstance(key, str) else key
                if isinstance(value, (dict, list)):
                    copy[key] = None
                    stack.append((value, copy, key))
                else:
                    copy[key] = clean(value)
        else:
            items: list = [None] * len(source)
            parent[slot] = items
            for i, value in enumerate(source):
                if isinstance(value, (dict, list)):
                    stack.append((value, items, i))
                else:
                    items[i] = clean(value)
    return root[0]


def scrub_text(text: str, secrets) -> str:
    """One message of ours (not serialized data) without the secrets."""
    found = _secrets(secrets)
    return _scrub_text(text, found) if found else text


def depth(data, limit: int) -> int:
    """How deeply `data` nests, counted up to `limit + 1` (iterative)."""
    deepest = 0
    stack = [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, (dict, list)):
            deepest = max(deepest, level)
            if level > limit:
                return level
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, level + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


ID_CHARS = 100  # a longer run id is shown cut; `maestro runs show/attach` take a prefix


def shown_id(run_id: str | None) -> str:
    """A run id as it may be printed: one line, controls escaped, not endless."""
    return one_line(run_id, ID_CHARS) if run_id else "-"
