"""Sliding-window rate limits (failed logins, new sessions, messages per session).

``RateLimiter`` is all the gateway asks of a limiter. ``SlidingWindowLimiter`` keeps the counts
in this process, enough for one replica; with several replicas behind a load balancer each would
allow the full limit, so with ``REDIS_URL`` the gateway uses ``RedisLimiter``
(``gateway/ratelimit_redis.py``), whose counts all replicas share.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Limit:
    """At most ``count`` events in any ``window_s`` seconds; a count of 0 or less is no limit."""

    count: int
    window_s: float

    @property
    def off(self) -> bool:
        return self.count <= 0


class RateLimiter(Protocol):
    async def hit(self, key: str, limit: Limit) -> float:
        """Count one event under ``key`` when it fits ``limit`` (0), else the seconds until one
        would fit (nothing counted): one step that no other caller can come between."""
        ...

    async def give_back(self, key: str, limit: Limit) -> None:
        """Uncount the latest event under ``key``: a place taken ahead that turned out not to count."""
        ...

    async def close(self) -> None: ...


class SlidingWindowLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        # key → (window, times of its latest events, at most the limit's count of them)
        self._events: dict[str, tuple[float, deque[float]]] = {}
        self._sweep_at = 1024

    async def hit(self, key: str, limit: Limit) -> float:
        # Nothing here suspends, so no other task of this process can come between wait and count.
        wait = self._wait(key, limit)
        if wait <= 0:
            self._count(key, limit)
        return wait

    def _wait(self, key: str, limit: Limit) -> float:
        if limit.off or key not in self._events:
            return 0.0
        events = self._events[key][1]
        now = self._clock()
        while events and events[0] <= now - limit.window_s:
            events.popleft()
        if len(events) < limit.count:
            return 0.0
        return events[0] + limit.window_s - now

    def _count(self, key: str, limit: Limit) -> None:
        if limit.off:
            return
        window, events = self._events.get(key) or (limit.window_s, deque(maxlen=limit.count))
        events.append(self._clock())
        self._events[key] = (window, events)
        if len(self._events) >= self._sweep_at:
            self._sweep()

    async def give_back(self, key: str, limit: Limit) -> None:
        if key in self._events and self._events[key][1]:
            self._events[key][1].pop()

    async def close(self) -> None:
        """Nothing to release; there for symmetry with ``RedisLimiter``."""

    def _sweep(self) -> None:
        """Forget clients whose latest event has left its window, so memory follows the active clients."""
        now = self._clock()
        self._events = {key: entry for key, entry in self._events.items() if entry[1][-1] > now - entry[0]}
        self._sweep_at = max(1024, 2 * len(self._events))

    def __len__(self) -> int:
        return len(self._events)

