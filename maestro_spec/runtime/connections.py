"""The connections a MaestroClient's calls share: N keep-alive connections, one call on each at a time.

httpcore's pool costs CPU in the square of its size: each time a request
enters or leaves it, it scans every connection, and for each one counts the
idle ones again and asks the socket (through anyio) whether it is readable.
With 16 connections and a queue of waiting runs that scan was most of a
batch's client CPU. So each lane here is an httpx client of ONE connection
(its pool scan is one check), and calls wait for a free lane on a semaphore,
which costs nothing per waiting call. Lanes are made when first needed and
reused last-in first-out, so a quiet client keeps one warm connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx


class Lanes:
    def __init__(self, size: int, make: Callable[[], httpx.AsyncClient]) -> None:
        self.size = max(1, size)
        self._make = make
        self._free: list[httpx.AsyncClient] = []
        self._made: list[httpx.AsyncClient] = []
        self._slots = asyncio.Semaphore(self.size)

    async def acquire(self) -> httpx.AsyncClient:
        """A lane with no call on it; waits while all `size` are busy. Give it back with release()."""
        await self._slots.acquire()
        # No await from here to the return: a cancellation cannot lose the slot.
        if self._free:
            return self._free.pop()
        lane = self._make()
        self._made.append(lane)
        return lane

    def release(self, lane: httpx.AsyncClient) -> None:
        self._free.append(lane)
        self._slots.release()

    async def aclose(self) -> None:
        made, self._made, self._free = self._made, [], []
        for lane in made:
            await lane.aclose()
