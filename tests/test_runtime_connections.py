"""Calls share a client's few connections: reused, never more at once than asked, and a call that
never got a connection is known not to have been sent."""

from __future__ import annotations

import asyncio
import json

from maestro_spec.runtime import errors as E
from maestro_spec.runtime.client import MaestroClient


class CountingServer:
    """A raw HTTP/1.1 server on 127.0.0.1 answering every call with an in-progress run after `delay` s."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.connections = 0
        self.requests = 0
        self.in_flight = 0
        self.most_in_flight = 0

    async def __aenter__(self) -> "CountingServer":
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/studio/v1"
        return self

    async def __aexit__(self, *exc) -> None:
        self.server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                await reader.readexactly(length)
                self.requests += 1
                self.in_flight += 1
                self.most_in_flight = max(self.most_in_flight, self.in_flight)
                await asyncio.sleep(self.delay)
                self.in_flight -= 1
                body = json.dumps({"id": f"run-{self.requests}", "status": "in_progress"}).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def test_many_calls_share_the_connections_asked_for():
    async def go():
        async with CountingServer(delay=0.02) as server:
            async with MaestroClient(server.url, max_connections=3) as client:
                runs = await asyncio.gather(*(client.retrieve("r1") for _ in range(24)))
                runs += await asyncio.gather(*(client.retrieve("r1") for _ in range(6)))
        return server, runs

    server, runs = asyncio.run(asyncio.wait_for(go(), 10))
    assert len(runs) == 30 and all(r.status == "in_progress" for r in runs)
    assert server.requests == 30
    assert server.most_in_flight <= 3
    assert server.connections == 3  # made once, kept alive, reused by the second wave


def test_a_post_that_never_got_a_connection_was_not_sent():
    # The only connection is busy (held here) past the call timeout: the POST times
    # out waiting for it, a run certainly not created (safe to send again).
    async def go():
        async with CountingServer(delay=0.0) as server:
            async with MaestroClient(server.url, max_connections=1, read_timeout=0.3, max_retries=0) as client:
                busy = await client._lanes.acquire()
                try:
                    waited = await asyncio.gather(client.create({"input": "one"}), return_exceptions=True)
                finally:
                    client._lanes.release(busy)
                after = await client.create({"input": "two"})  # the lane is free again
        return server, waited[0], after

    server, waited, after = asyncio.run(asyncio.wait_for(go(), 10))
    assert isinstance(waited, E.RuntimeFailure) and not waited.run_may_exist, waited
    assert after.status == "in_progress"
    assert server.requests == 1
