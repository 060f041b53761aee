"""Sockets and the uvicorn server, shared by `maestro serve` and LocalServer.

We bind the listening socket ourselves, before uvicorn starts, so that a busy
port is a one-line error in the caller's thread and port 0 resolves to a
known port before the first request.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
from typing import Callable

from ..compiler import endpoint


class BindError(Exception):
    """The socket cannot be bound; str() is a one-line cause and hint."""


def bind(host: str, port: int, backlog: int = 2048) -> socket.socket:
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as e:
        raise BindError(f"cannot listen on {host!r}: {e.strerror}") from None
    sock = socket.socket(family, kind, proto)
    try:
        # Reuse a port left in TIME_WAIT by a previous run; a port that is
        # really in use still fails.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(backlog)
    except OSError as e:
        sock.close()
        where = f"{host}:{port}"
        if e.errno == errno.EADDRINUSE:
            raise BindError(f"cannot listen on {where}: the port is already in use; pick another with --port, or --port 0 for a free one") from None
        if e.errno == errno.EACCES:
            raise BindError(f"cannot listen on {where}: permission denied (ports below 1024 need privileges); use a port above 1024") from None
        if e.errno == errno.EADDRNOTAVAIL:
            raise BindError(f"cannot listen on {where}: this machine has no such address") from None
        raise BindError(f"cannot listen on {where}: {e.strerror or e}") from None
    sock.setblocking(False)
    return sock


def is_loopback(host: str) -> bool:
    """Literal loopback, or a name that resolves only to loopback addresses."""
    if endpoint.is_loopback(host):
        return True
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def make_server(app, *, on_ready: Callable[[], None] | None = None, log_config=None, access_log: bool = False):
    """A uvicorn.Server for app that calls on_ready once it accepts connections."""
    import uvicorn

    class _Server(uvicorn.Server):
        async def startup(self, sockets=None) -> None:
            await super().startup(sockets=sockets)
            if on_ready is not None and not self.should_exit:
                on_ready()

    config = uvicorn.Config(
        app,
        lifespan="off",
        log_config=log_config,
        log_level=None if log_config else "warning",
        access_log=access_log,
        timeout_graceful_shutdown=1,
    )
    return _Server(config)
