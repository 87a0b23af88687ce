"""Sliding-window rate limits (failed logins, new sessions, messages per session).

The counts live in this process: each gateway replica limits the clients it serves.
``RateLimiter`` is all the gateway asks of a limiter, so a shared backend (Redis) for
several replicas can replace ``SlidingWindowLimiter`` without touching the routes.
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

    def _sweep(self) -> None:
        """Forget clients whose latest event has left its window, so memory follows the active clients."""
        now = self._clock()
        self._events = {key: entry for key, entry in self._events.items() if entry[1][-1] > now - entry[0]}
        self._sweep_at = max(1024, 2 * len(self._events))

    def __len__(self) -> int:
        return len(self._events)


async def hit(limiter: RateLimiter, key: str, limit: Limit) -> float:
    """Count the event when it fits; otherwise the seconds to wait (nothing counted)."""
    wait = await limiter.retry_after(key, limit)
    if wait <= 0:
        await limiter.record(key, limit)
    return wait
