"""gateway.ratelimit_redis: the same sliding window as in-process, its counts shared through Redis.

The behaviour tests run on both limiters with real time (short windows); the rest needs Redis:
replicas sharing counts, atomic hits, prefixes apart, idle keys expiring, Redis away.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator

import pytest
from redis import asyncio as aioredis

from gateway.ratelimit import Limit, RateLimiter, SlidingWindowLimiter
from gateway.ratelimit_redis import RedisLimiter
from kefu.settings import Settings

WINDOW_S = 0.5
# Slack for scheduling and round trips on a loaded machine; far below the window.
SLACK_S = 0.15


def fresh_prefix() -> str:
    """A prefix of this test's own, so runs never see each other's (or a deployment's) keys."""
    return "test" + uuid.uuid4().hex[:12]


@pytest.fixture
async def prefix(redis_url: str) -> AsyncIterator[str]:
    name = fresh_prefix()
    yield name
    client = aioredis.from_url(redis_url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{name}:*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture
async def replicas(redis_url: str, prefix: str) -> AsyncIterator[tuple[RedisLimiter, RedisLimiter]]:
    """Two limiters on one Redis and prefix, as two gateway replicas would have."""
    settings = Settings(redis_prefix=prefix)
    first, second = RedisLimiter(redis_url, settings), RedisLimiter(redis_url, settings)
    yield first, second
    await first.close()
    await second.close()


@pytest.fixture(params=["memory", "redis"])
def limiter(request: pytest.FixtureRequest) -> RateLimiter:
    # Synchronous: an async fixture cannot set up another (``replicas``) on demand.
    if request.param == "memory":
        return SlidingWindowLimiter()
    return request.getfixturevalue("replicas")[0]


async def test_the_limit_holds(limiter: RateLimiter) -> None:
    limit = Limit(3, WINDOW_S)
    assert [await limiter.hit("ip:1", limit) == 0 for _ in range(3)] == [True, True, True]
    assert await limiter.hit("ip:1", limit) > 0
    assert await limiter.hit("ip:2", limit) == 0  # other keys are counted apart


async def test_a_refused_hit_waits_until_the_oldest_event_leaves(limiter: RateLimiter) -> None:
    limit = Limit(2, WINDOW_S)
    assert await limiter.hit("k", limit) == 0
    await asyncio.sleep(0.2)
    assert await limiter.hit("k", limit) == 0
    wait = await limiter.hit("k", limit)
    assert WINDOW_S - 0.2 - SLACK_S <= wait <= WINDOW_S - 0.2 + 0.01  # the first event, 0.2 s old
    await asyncio.sleep(wait + 0.02)
    assert await limiter.hit("k", limit) == 0  # the first event left; the second still counts
    second_leaves = await limiter.hit("k", limit)
    assert 0 < second_leaves <= 0.2 + 0.01


async def test_refused_events_are_not_counted(limiter: RateLimiter) -> None:
    limit = Limit(1, WINDOW_S)
    assert await limiter.hit("k", limit) == 0
    for _ in range(5):
        assert await limiter.hit("k", limit) > 0
        await asyncio.sleep(0.05)
    await asyncio.sleep(WINDOW_S - 0.25 + 0.03)
    assert await limiter.hit("k", limit) == 0  # only the first event counted, and it left


async def test_a_place_given_back_is_free_again(limiter: RateLimiter) -> None:
    limit = Limit(2, WINDOW_S)
    assert [await limiter.hit("login", limit) for _ in range(2)] == [0, 0]
    assert await limiter.hit("login", limit) > 0
    await limiter.give_back("login", limit)
    assert await limiter.hit("login", limit) == 0
    assert await limiter.hit("login", limit) > 0
    await limiter.give_back("nobody", limit)  # nothing counted there: nothing happens


async def test_a_zero_count_is_no_limit(limiter: RateLimiter) -> None:
    assert all([await limiter.hit("k", Limit(0, WINDOW_S)) == 0 for _ in range(50)])
    assert await limiter.hit("k", Limit(1, WINDOW_S)) == 0  # nothing was counted


async def test_replicas_share_counts(replicas: tuple[RedisLimiter, RedisLimiter]) -> None:
    first, second = replicas
    limit = Limit(4, WINDOW_S)
    assert await first.hit("ip:1", limit) == 0
    assert await second.hit("ip:1", limit) == 0
    assert await first.hit("ip:1", limit) == 0
    assert await second.hit("ip:1", limit) == 0
    assert await first.hit("ip:1", limit) > 0
    assert await second.hit("ip:1", limit) > 0
    await second.give_back("ip:1", limit)
    assert await first.hit("ip:1", limit) == 0  # the place one replica gave back, the other takes


async def test_replicas_hitting_at_once_admit_exactly_the_limit(replicas: tuple[RedisLimiter, RedisLimiter]) -> None:
    """Check and count are one step: concurrent hits on two replicas cannot both take the last place."""
    first, second = replicas
    limit = Limit(5, 5.0)
    waits = await asyncio.gather(*[limiter.hit("burst", limit) for limiter in (first, second) * 20])
    assert sum(wait == 0 for wait in waits) == 5


async def test_prefixes_do_not_collide(redis_url: str, prefix: str) -> None:
    other = fresh_prefix()
    staging = RedisLimiter(redis_url, Settings(redis_prefix=prefix))
    production = RedisLimiter(redis_url, Settings(redis_prefix=other))
    try:
        limit = Limit(1, WINDOW_S)
        assert await staging.hit("ip:1", limit) == 0
        assert await staging.hit("ip:1", limit) > 0
        assert await production.hit("ip:1", limit) == 0
    finally:
        await staging.close()
        await production.close()
        client = aioredis.from_url(redis_url)
        await client.delete(f"{other}:ratelimit:ip:1")
        await client.aclose()


async def test_idle_keys_expire(redis_url: str, replicas: tuple[RedisLimiter, RedisLimiter], prefix: str) -> None:
    first, _ = replicas
    assert await first.hit("ip:9", Limit(3, WINDOW_S)) == 0
    client = aioredis.from_url(redis_url)
    try:
        key = f"{prefix}:ratelimit:ip:9"
        assert await client.zcard(key) == 1
        assert 0 < await client.pttl(key) <= WINDOW_S * 1000
        await asyncio.sleep(WINDOW_S + 0.1)
        assert await client.exists(key) == 0
    finally:
        await client.aclose()


async def test_an_unreachable_redis_leaves_each_replica_its_own_count(caplog: pytest.LogCaptureFixture) -> None:
    limiter = RedisLimiter("redis://127.0.0.1:1/0", Settings(redis_prefix=fresh_prefix()))
    limit = Limit(2, WINDOW_S)
    try:
        with caplog.at_level(logging.WARNING, logger="gateway.ratelimit_redis"):
            waits = [await limiter.hit("ip:1", limit) for _ in range(3)]
            assert waits[:2] == [0, 0] and 0 < waits[2] <= WINDOW_S
            await limiter.give_back("ip:1", limit)
            assert await limiter.hit("ip:1", limit) == 0
            assert await limiter.hit("ip:2", limit) == 0
    finally:
        await limiter.close()
    warnings = [record for record in caplog.records if "Redis unreachable" in record.getMessage()]
    assert len(warnings) == 1  # once, not once per request


async def test_a_closed_limiter_reconnects(replicas: tuple[RedisLimiter, RedisLimiter]) -> None:
    """The app's limiter outlives one lifespan (tests enter the app more than once)."""
    first, _ = replicas
    assert await first.hit("k", Limit(1, WINDOW_S)) == 0
    await first.close()
    assert await first.hit("k", Limit(1, WINDOW_S)) > 0
