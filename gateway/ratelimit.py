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
    async def retry_after(self, key: str, limit: Limit) -> float:
        """Seconds until one more event under ``key`` fits ``limit``; 0 when it fits now."""
        ...

    async def record(self, key: str, limit: Limit) -> None:
        """Count one event under ``key``."""
        ...

    async def hit(self, key: str, limit: Limit) -> float:
        """``retry_after`` and, when it is 0, ``record`` in one step that no other caller can come between."""
        ...

    async def give_back(self, key: str, limit: Limit) -> None:
        """Uncount the latest event under ``key``: a place taken ahead that turned out not to count."""
        ...


class SlidingWindowLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        # key → (window, times of its latest events, at most the limit's count of them)
        self._events: dict[str, tuple[float, deque[float]]] = {}
        self._sweep_at = 1024

    async def retry_after(self, key: str, limit: Limit) -> float:
        if limit.off or key not in self._events:
            return 0.0
        events = self._events[key][1]
        now = self._clock()
        while events and events[0] <= now - limit.window_s:
            events.popleft()
        if len(events) < limit.count:
            return 0.0
        return events[0] + limit.window_s - now

    async def record(self, key: str, limit: Limit) -> None:
        if limit.off:
            return
        window, events = self._events.get(key) or (limit.window_s, deque(maxlen=limit.count))
        events.append(self._clock())
        self._events[key] = (window, events)
        if len(self._events) >= self._sweep_at:
            self._sweep()

    async def hit(self, key: str, limit: Limit) -> float:
        # Neither step ever suspends, so no other task of this process can come between them.
        wait = await self.retry_after(key, limit)
        if wait <= 0:
            await self.record(key, limit)
        return wait

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


async def hit(limiter: RateLimiter, key: str, limit: Limit) -> float:
    """Count the event when it fits; otherwise the seconds to wait (nothing counted)."""
    return await limiter.hit(key, limit)
