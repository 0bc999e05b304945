"""Which server of an endpoint pool gets the next request: the one with the fewest requests in
flight (ties in turn), never one that was set aside. A server that fails ``eject_after`` requests
in a row is set aside for ``cooldown_s``; then it gets requests again, and one more failure sets it
aside again, so a server that came back is probed by real traffic rather than a separate check."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Server:
    url: str  # the chat-completions URL
    in_flight: int = 0
    failures_in_row: int = 0
    set_aside_until: float = 0.0


class Router:
    def __init__(self, urls: list[str], eject_after: int = 3, cooldown_s: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.servers = [Server(u) for u in urls]
        self.eject_after, self.cooldown_s, self.clock = eject_after, cooldown_s, clock
        self._turn = 0

    def pick(self, avoid: str | None = None) -> Server:
        """The least busy server in use, apart from ``avoid`` (the one a retry just failed on) when
        another is in use; when every server is set aside, the one that comes back first."""
        now = self.clock()
        usable = [s for s in self.servers if s.set_aside_until <= now]
        if not usable:
            return min(self.servers, key=lambda s: s.set_aside_until)
        others = [s for s in usable if s.url != avoid] or usable
        self._turn += 1
        n = len(self.servers)
        # fewest in flight; among equals, take turns, so a pool at rest still shares the load evenly
        return min(others, key=lambda s: (s.in_flight, (self.servers.index(s) - self._turn) % n))

    def finished(self, server: Server, ok: bool) -> None:
        server.in_flight -= 1
        if ok:
            server.failures_in_row = 0
            return
        server.failures_in_row += 1
        if server.failures_in_row >= self.eject_after:
            server.set_aside_until = self.clock() + self.cooldown_s
            server.failures_in_row = self.eject_after - 1  # back in use, one more failure sets it aside

    def started(self, server: Server) -> None:
        server.in_flight += 1
