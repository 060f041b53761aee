"""Run the local server in-process, on a free loopback port, in a background thread.

    with LocalServer(ServerConfig(run_seconds=0.2)) as server:
        client = httpx.Client(base_url=server.base_url)

This is what `maestro run --local` and the tests use. start() returns only
once /health answers over real HTTP, so the first request never races the
socket.
"""

from __future__ import annotations

import http.client
import threading
import time

from ..transport import API_PREFIX
from .config import DEFAULT_HOST, ServerConfig
from .net import BindError, bind, make_server, url_host

_START_TIMEOUT = 10.0
_STOP_TIMEOUT = 5.0


class ServerStartError(RuntimeError):
    """The embedded server did not come up; the message says why."""


class LocalServer:
    def __init__(self, config: ServerConfig | None = None, *, host: str = DEFAULT_HOST, port: int = 0) -> None:
        self.config = config or ServerConfig()
        self.host = host
        self._requested_port = port
        self._socket = None
        self._server = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._ready = threading.Event()
        self.port: int = 0

    @property
    def root_url(self) -> str:
        return f"http://{url_host(self.host)}:{self.port}"

    @property
    def base_url(self) -> str:
        """What a client (or the SDK's api_host) takes: http://127.0.0.1:PORT/studio/v1"""
        return self.root_url + API_PREFIX

    def start(self) -> "LocalServer":
        if self._thread is not None:
            return self
        from .app import create_app

        try:
            self._socket = bind(self.host, self._requested_port)
        except BindError as e:
            raise ServerStartError(str(e)) from None
        self.port = self._socket.getsockname()[1]
        self._error = None
        self._ready = threading.Event()
        self._server = make_server(create_app(self.config), on_ready=self._ready.set, header_timeout=self.config.header_timeout)
        self._thread = threading.Thread(target=self._serve, name=f"maestro-local-server:{self.port}", daemon=True)
        self._thread.start()
        self._wait_healthy()
        return self

    def _serve(self) -> None:
        try:
            self._server.run(sockets=[self._socket])
        except BaseException as e:  # reported by start(), never swallowed silently
            self._error = e

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._ready.wait(0.05):
            if not self._thread.is_alive() or time.monotonic() > deadline:
                error = self._error
                self.stop()
                why = f"it stopped: {error!r}" if error else f"it did not start within {_START_TIMEOUT:.0f} s"
                raise ServerStartError(f"the local server on port {self.port} failed to start; {why}")
        # One real request, without proxies (urllib would honour HTTP_PROXY).
        connection = http.client.HTTPConnection(self.host, self.port, timeout=_START_TIMEOUT)
        try:
            connection.request("GET", "/health")
            status = connection.getresponse().status
        except OSError as e:
            self.stop()
            raise ServerStartError(f"the local server on port {self.port} does not answer /health: {e}") from None
        finally:
            connection.close()
        if status != 200:
            self.stop()
            raise ServerStartError(f"the local server's /health answered HTTP {status}")

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(_STOP_TIMEOUT)
            if self._thread.is_alive():
                self._server.force_exit = True
                self._thread.join(_STOP_TIMEOUT)
        if self._socket is not None:
            self._socket.close()
        self._thread = self._server = self._socket = None

    def __enter__(self) -> "LocalServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
