"""Keep a request's credentials (tool header values) out of what the server says.

credentials.secret_values(body) knows which values are secrets; this takes
them out of a value about to leave the server (a Run, a 422 body, a log line):
a string equal to a secret, or containing one, gets REDACTED in its place. It
works on values, before anything is serialized, so it never breaks the JSON
around them. Secrets shorter than _MIN_INSIDE characters are only replaced
where they are a whole string: searching for "1" inside text would mangle it,
and a header value that short is no credential anyway.
"""

from __future__ import annotations

from ..compiler.credentials import REDACTED, secret_values

_MIN_INSIDE = 6


def secrets_of(body) -> tuple[str, ...]:
    # Longest first, so a secret that contains another is replaced whole.
    return tuple(sorted(set(secret_values(body)), key=len, reverse=True))


def scrub_text(text: str, secrets: tuple[str, ...]) -> str:
    if text in secrets:
        return REDACTED
    for s in secrets:
        if len(s) >= _MIN_INSIDE and s in text:
            text = text.replace(s, REDACTED)
    return text


def scrub(value, secrets: tuple[str, ...]):
    """A copy of value (JSON data) with every secret replaced; value if there are none."""
    if not secrets:
        return value
    if isinstance(value, str):
        return scrub_text(value, secrets)
    if isinstance(value, dict):
        return {scrub_text(k, secrets) if isinstance(k, str) else k: scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v, secrets) for v in value]
    return value


def printable(text: str) -> str:
    """text for the server's own log: control characters (a client's ESC
    sequences) written as escapes, so they cannot drive the terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
