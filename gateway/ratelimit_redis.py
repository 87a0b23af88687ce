"""Rate limits shared by all gateway replicas: one Redis sorted set per key behind ``RateLimiter``.

Each key ``<KEFU_REDIS_PREFIX>:ratelimit:<key>`` holds the times of its latest events (score and
member, microseconds), at most the limit's count of them; events older than the window are
trimmed before every count, and the key expires one window after its latest event, so idle
clients vanish by themselves. Checking, trimming and counting run in one Lua script: Redis runs
a script whole, so two replicas hitting the same key at once cannot both take its last place.

Time comes from the Redis server (``TIME`` inside the script), not from the replica: one clock
for every replica, so a replica whose clock runs ahead or behind neither trims the others'
events too early nor keeps them too long.

Limits guard the gateway; they are not worth an outage of their own. While Redis is
unreachable each replica counts its own clients in process (with a warning), as a single
replica would, instead of answering 500 or dropping the limits (failed logins among them).
"""

from __future__ import annotations

import logging
import time
import uuid

from redis import asyncio as aioredis
from redis.exceptions import RedisError

from gateway.ratelimit import Limit, SlidingWindowLimiter
from kefu.settings import Settings

logger = logging.getLogger(__name__)

# KEYS[1]: the key. ARGV: count, window (µs), a unique member. Returns 0 when the event fits
# (and counts it), else the microseconds until one more would fit.
_SCRIPT = """
local key = KEYS[1]
local count, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) >= count then
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + window - now)
end
redis.call('ZADD', key, now, ARGV[3])
redis.call('PEXPIRE', key, math.max(1, math.ceil(window / 1000)))
return 0
"""


class RedisLimiter:
    def __init__(self, url: str, settings: Settings, timeout_s: float = 1.0, warn_every_s: float = 60.0) -> None:
        # Timeouts: a Redis that stops answering delays a request by at most this, then lets it through.
        self._redis = aioredis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
        self._script = self._redis.register_script(_SCRIPT)
        self._keys = f"{settings.redis_prefix}:ratelimit:"
        self._warn_every_s = warn_every_s
        self._warned_at: float | None = None
        self._while_away = SlidingWindowLimiter()

    async def hit(self, key: str, limit: Limit) -> float:
        if limit.off:
            return 0.0
        window_us = max(1, round(limit.window_s * 1_000_000))
        try:
            wait_us = await self._script(keys=[self._keys + key], args=[limit.count, window_us, uuid.uuid4().hex])
        except (RedisError, OSError) as error:
            self._warn("hit", key, error)
            return await self._while_away.hit(key, limit)
        return int(wait_us) / 1_000_000

    async def give_back(self, key: str, limit: Limit) -> None:
        if limit.off:
            return
        try:
            await self._redis.zpopmax(self._keys + key)
        except (RedisError, OSError) as error:
            self._warn("give_back", key, error)
            await self._while_away.give_back(key, limit)

    async def close(self) -> None:
        await self._redis.aclose()

    def _warn(self, operation: str, key: str, error: Exception) -> None:
        """One warning a minute is enough while Redis is away; every request would flood the log."""
        now = time.monotonic()
        if self._warned_at is None or now - self._warned_at >= self._warn_every_s:
            self._warned_at = now
            logger.warning("Redis unreachable, rate limits counted in this replica (%s %s): %s", operation, key, error)
