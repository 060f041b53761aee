"""Where a request may be sent: the API's address and the rule that guards the key.

One place for the rule that the API key travels only over https, or as plain
http to a loopback host (the local server): the exported commands, the
runtime and `maestro serve` all apply it from here. Standard library only, so
the compile path may import it.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

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


def check_base_url(url: str) -> str:
    """The base URL without a trailing slash, or BaseURLError saying why not."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError as e:
        raise BaseURLError(f"bad base URL {url!r}: {e}") from None
    if parts.scheme not in ("https", "http") or not host:
        raise BaseURLError(f"bad base URL {url!r}: it must start with https:// (or http:// to a loopback host) and name a host, like {DEFAULT_BASE_URL}")
    if parts.username or parts.password:
        raise BaseURLError(f"bad base URL {url!r}: credentials do not belong in the URL; the key comes from {KEY_ENV}")
    if parts.query or parts.fragment:
        raise BaseURLError(f"bad base URL {url!r}: it must not have a query or fragment")
    if parts.scheme == "http" and not is_loopback(host):
        raise BaseURLError(
            f"refusing plain http to {host} ({url}): the API key and the request would cross the network unencrypted; "
            "use https://, or plain http only to a loopback host (127.0.0.1, ::1, localhost)",
            insecure=True,
        )
    return url.rstrip("/")
