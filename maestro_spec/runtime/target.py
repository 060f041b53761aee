"""Where a run is sent and with which key: the rules of docs/runtime.md#keys-and-hosts.

One home for them, read by `maestro run`, `runs attach` and `watch` (through
commands/common.py) and by the Python API (api_run.py):

- the base URL is the one given, else AI21_API_HOST, else AI21's cloud;
- it must be https, or plain http to a loopback host (transport.check_base_url),
  because the key travels with every request;
- no key is needed for the built-in local server (it gets none), a loopback
  server (`maestro serve`) or a URL given explicitly (that server decides);
  anywhere else a missing key stops the run before anything is sent.

Light on purpose (no httpx, pydantic or rich): the failures are runtime.errors'.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from .. import transport
from ..transport import DEFAULT_BASE_URL, HOST_ENV, KEY_ENV, is_loopback
from . import errors as E

# How each caller names its two ways of choosing a server, for the conflict's message.
CLI_NAMES = ("--local", "--base-url")
API_NAMES = ("local=True", "base_url")


def usable_base_url(url: str) -> str:
    """The base URL without a trailing slash, or a UsageFailure (the rule is transport.py's)."""
    try:
        return transport.check_base_url(url)
    except transport.BaseURLError as e:
        raise (E.InsecureURL(str(e)) if e.insecure else E.BadURL(str(e))) from None


def key_for(url: str, *, url_given: bool, api_key: str | None = None, offer_local: bool = True) -> str | None:
    """The key for `url`: `api_key` when given, else AI21_API_KEY (empty is none);
    MissingKey when the run surely needs one and there is none.

    `offer_local` words the error as `maestro run` does (add --local); without
    it the error names the URL instead (resuming a run, where --local cannot
    help, and the Python API)."""
    key = (api_key if api_key is not None else os.environ.get(KEY_ENV)) or None
    if key is None and not url_given and not is_loopback(urlsplit(url).hostname or ""):
        raise E.MissingKey(None if offer_local else url)
    return key


def choose_target(
    local: bool,
    base_url: str | None,
    *,
    api_key: str | None = None,
    names: tuple[str, str] = CLI_NAMES,
    offer_local: bool = True,
) -> tuple[str | None, str | None]:
    """(base URL, key) for a new run; (None, None) for the built-in local
    server, which the caller starts (its URL is known only then) and which
    gets no key. A UsageFailure when the two cannot work."""
    if local and base_url:
        raise E.UsageFailure(f"{names[0]} and {names[1]} name two servers; pick one")
    if local:
        return None, None
    url = usable_base_url(base_url or os.environ.get(HOST_ENV) or DEFAULT_BASE_URL)
    return url, key_for(url, url_given=base_url is not None, api_key=api_key, offer_local=offer_local)


def launch_local_server():
    """The built-in local server, started (the caller stops it), or a
    RuntimeFailure saying why it cannot start."""
    from ..server.config import ServerConfig
    from ..server.embedded import LocalServer, ServerStartError

    try:
        return LocalServer(ServerConfig()).start()
    except ServerStartError as e:
        raise E.RuntimeFailure(str(e)) from None
