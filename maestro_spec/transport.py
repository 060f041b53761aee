"""Where a request may be sent: the API's address and the rule that guards the key.

One place for the rule that the API key travels only over https, or as plain
http to a loopback host (the local server): the exported commands, the
runtime and `maestro serve` all apply it from here. Standard library only, so
the compile path may import it.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit, urlunsplit

API_PREFIX = "/studio/v1"  # every route of the API sits under it
DEFAULT_BASE_URL = "https://api.ai21.com" + API_PREFIX  # the official SDK's default host
RUNS_PATH = "/maestro/runs"  # under the base URL
KEY_ENV = "AI21_API_KEY"
HOST_ENV = "AI21_API_HOST"  # overrides the base URL, as in the official SDK

_LOOPBACK_NAMES = ("localhost",)


class BaseURLError(ValueError):
    """A base URL that must not be used; `insecure` when only its plain http is wrong."""

    def __init__(self, message: str, *, insecure: bool = False) -> None:
        super().__init__(message)
        self.insecure = insecure


def is_loopback(host: str) -> bool:
    """A loopback address or name, written literally (no DNS lookup)."""
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def shown_url(url: str) -> str:
    """The URL as an error line may quote it: a user, password, query or
    fragment (any may hold a key: `https://user:KEY@host`, `?key=KEY`) is
    replaced by `***`."""
    try:
        parts = urlsplit(url)
    except ValueError:
        url = re.sub(r"[?#].*", "?***", url, flags=re.S)
        return re.sub(r"//[^/]*@", "//***@", url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, netloc, parts.path, "***" if parts.query else "", "***" if parts.fragment else ""))


def check_base_url(url: str) -> str:
    """The base URL without a trailing slash, or BaseURLError saying why not.

    The messages never quote what may be a credential (see shown_url)."""
    url = url.strip()
    shown = shown_url(url)
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError as e:
        reason = str(e) if "@" not in str(e) and "?" not in str(e) else "it cannot be parsed"
        raise BaseURLError(f"bad base URL {shown!r}: {reason}") from None
    if parts.username or parts.password:
        raise BaseURLError(f"bad base URL {shown!r}: credentials do not belong in the URL; the key comes from {KEY_ENV}")
    if parts.scheme not in ("https", "http") or not host:
        raise BaseURLError(f"bad base URL {shown!r}: it must start with https:// (or http:// to a loopback host) and name a host, like {DEFAULT_BASE_URL}")
    if parts.query or parts.fragment:
        raise BaseURLError(f"bad base URL {shown!r}: it must not have a query or fragment (they are not shown: one may hold a key)")
    if parts.scheme == "http" and not is_loopback(host):
        raise BaseURLError(
            f"refusing plain http to {host} ({shown}): the API key and the request would cross the network unencrypted; "
            "use https://, or plain http only to a loopback host (127.0.0.1, ::1, localhost)",
            insecure=True,
        )
    return url.rstrip("/")
