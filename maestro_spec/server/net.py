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

from .. import transport


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


def resolves_to_loopback(host: str) -> bool:
    """Literal loopback, or a name that resolves only to loopback addresses."""
    if transport.is_loopback(host):
        return True
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _protocol(header_timeout: float):
    """uvicorn's h11 protocol, closing a connection whose request head is late.

    uvicorn times out an idle keep-alive connection only after a response, and
    any byte received cancels that timer: a connection that never sends a
    request, or drips one byte at a time, would stay open forever. Here every
    request head (from connecting, or from the previous response) must be
    complete within header_timeout seconds; the body has its own deadline
    (body.BODY_SECONDS).
    """
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeaderTimeoutProtocol(H11Protocol):
        _head_timer = None

        def _arm(self) -> None:
            self._disarm()
            self._head_timer = self.loop.call_later(header_timeout, self._head_late)

        def _disarm(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_late(self) -> None:
            self._head_timer = None
            if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._arm()

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

        def handle_events(self) -> None:
            super().handle_events()
            if self.conn.their_state is not h11.IDLE:  # a whole request head has arrived
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

    return HeaderTimeoutProtocol


def make_server(
    app,
    *,
    on_ready: Callable[[], None] | None = None,
    log_config=None,
    access_log: bool = False,
    header_timeout: float = 10.0,
):
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
        http=_protocol(header_timeout),
    )
    return _Server(config)
