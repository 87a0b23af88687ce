"""Two gateway replicas' hubs on one real Redis: events and listener counts cross between them."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from gateway.live import LiveHub
from gateway.live_redis import RedisLiveHub
from kefu.settings import Settings


@pytest.fixture
async def replicas(redis_url):
    # A prefix of our own: other test runs may share this Redis.
    settings = Settings(redis_url=redis_url, redis_prefix=f"test{uuid.uuid4().hex[:8]}", live_presence_ttl_s=3)
    hubs = [RedisLiveHub(redis_url, settings), RedisLiveHub(redis_url, settings)]
    for hub in hubs:
        await hub.start()
    yield hubs
    for hub in hubs:
        await hub.close()


async def test_an_event_published_on_one_replica_reaches_listeners_on_both(replicas):
    first, second = replicas
    async with first.subscribe("session:s1") as here, second.subscribe("session:s1") as there:
        second.publish("session:s1", {"seq": 1, "text": "您好"})
        assert await asyncio.wait_for(there.get(), 2) == {"seq": 1, "text": "您好"}
        assert await asyncio.wait_for(here.get(), 2) == {"seq": 1, "text": "您好"}
        await asyncio.sleep(0.2)
        assert there.empty(), "a replica must not hear its own event twice"


async def test_events_of_one_replica_arrive_in_order_and_only_on_their_topic(replicas):
    first, second = replicas
    async with first.subscribe("session:a") as a_listener, first.subscribe("session:b") as b_listener:
        for seq in range(1, 21):
            second.publish("session:a", {"seq": seq})
        received = [(await asyncio.wait_for(a_listener.get(), 2))["seq"] for _ in range(20)]
        assert received == list(range(1, 21))
        assert b_listener.empty()


async def test_online_counts_listeners_on_every_replica_and_forgets_those_who_left(replicas):
    first, second = replicas
    assert await second.online("agents") == 0
    async with first.subscribe("agents"):
        assert second.listeners("agents") == 0
        assert await second.online("agents") == 1
        async with second.subscribe("agents"):
            assert await first.online("agents") == 2
    assert await second.online("agents") == 0


async def test_a_replica_that_died_drops_out_of_online_after_the_ttl(redis_url):
    settings = Settings(redis_url=redis_url, redis_prefix=f"test{uuid.uuid4().hex[:8]}", live_presence_ttl_s=1)
    survivor, doomed = RedisLiveHub(redis_url, settings), RedisLiveHub(redis_url, settings)
    await survivor.start()
    await doomed.start()
    try:
        listening = doomed.subscribe("agents")
        await listening.__aenter__()  # never left: the process "dies" with the listener registered
        await doomed.close()
        assert await survivor.online("agents") == 1
        await asyncio.sleep(1.2)
        assert await survivor.online("agents") == 0
    finally:
        await survivor.close()


async def test_the_in_process_hub_counts_its_own_listeners():
    hub = LiveHub()
    async with hub.subscribe("agents") as queue:
        assert await hub.online("agents") == 1
        hub.publish("agents", {"type": "work_order"})
        assert queue.get_nowait() == {"type": "work_order"}
    assert await hub.online("agents") == 0
