"""Keep a request's credentials (tool header values) and a client's control
characters out of what the server says.

compiler/credentials.py knows which values of a request are secrets;
maestro_spec/sanitize.py, the project's one sanitizer, takes them out of a JSON
value before it is serialized (a Run, a 422 body) and makes text safe for a
terminal. This module only ties the two together for the server.
"""

from __future__ import annotations

from ..compiler.credentials import secret_values
from ..sanitize import REDACTED, one_line, scrub, scrub_text

__all__ = ["REDACTED", "printable", "scrub", "scrub_text", "secrets_of"]

_LOG_CHARS = 500


def secrets_of(body) -> tuple[str, ...]:
    return tuple(set(secret_values(body)))


def printable(text: str) -> str:
    """text for one line of the server's own log: control characters (a
    client's ESC sequences) shown as escapes, folded to one line, cut."""
    return one_line(text, _LOG_CHARS)
