"""Live events across gateway replicas: Redis pub/sub behind the ``LiveHub`` interface.

Every replica delivers its own events to its own listeners at once and publishes them on
``<KEFU_REDIS_PREFIX>:live:<topic>``; one subscriber task per replica relays the other replicas' events to
its listeners. A customer's socket on one replica thus hears the agent who answered on another.
Who listens where is kept in Redis too (one sorted set per topic, entries expiring unless
renewed), so "is any agent online?" has one answer across the replicas.

Live events are a convenience on top of the database: when Redis is unreachable they are
dropped with a warning, every message stays stored, and clients catch up with
``GET …/messages?after=<seq>``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any

from redis import asyncio as aioredis
from redis.exceptions import RedisError

from gateway.live import LiveHub
from kefu.settings import Settings

logger = logging.getLogger(__name__)

Queue = asyncio.Queue[dict[str, Any]]


class RedisLiveHub(LiveHub):
    def __init__(self, url: str, settings: Settings, reconnect_s: float = 1.0, connect_timeout_s: float = 10.0) -> None:
        super().__init__()
        self.replica = uuid.uuid4().hex[:12]
        self._redis = aioredis.from_url(url, decode_responses=True)
        self._channels = f"{settings.redis_prefix}:live:"
        self._presence_keys = f"{settings.redis_prefix}:presence:"
        self._presence_ttl_s = settings.live_presence_ttl_s
        self._reconnect_s = reconnect_s
        self._connect_timeout_s = connect_timeout_s
        self._outbox: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._subscribed = asyncio.Event()

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._relay()),
            asyncio.create_task(self._send()),
            asyncio.create_task(self._renew_presence()),
        ]
        # Once start() returns, what other replicas publish reaches this replica's listeners.
        try:
            await asyncio.wait_for(self._subscribed.wait(), timeout=self._connect_timeout_s)
        except TimeoutError:
            await self.close()
            raise RuntimeError("Redis (REDIS_URL) is unreachable: live events cannot reach other replicas") from None

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._redis.aclose()

    def publish(self, topic: str, payload: dict[str, Any]) -> None:
        self.deliver(topic, payload)
        self._outbox.put_nowait((topic, payload))

    async def online(self, topic: str) -> int:
        key = self._presence_keys + topic
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.zremrangebyscore(key, "-inf", time.time())
                pipe.zcard(key)
                _, count = await pipe.execute()
            return int(count)
        except RedisError as error:
            logger.warning("Redis unreachable, counting this replica's listeners only: %s", error)
            return self.listeners(topic)

    async def _joined(self, topic: str, queue: Queue) -> None:
        with _presence_not_updated(topic):
            expires = time.time() + self._presence_ttl_s
            await self._redis.zadd(self._presence_keys + topic, {self._member(queue): expires})

    async def _left(self, topic: str, queue: Queue) -> None:
        with _presence_not_updated(topic):
            await self._redis.zrem(self._presence_keys + topic, self._member(queue))

    def _member(self, queue: Queue) -> str:
        return f"{self.replica}:{id(queue)}"

    async def _send(self) -> None:
        """Publish this replica's events in the order they happened."""
        while True:
            topic, payload = await self._outbox.get()
            message = json.dumps({"origin": self.replica, "payload": payload}, ensure_ascii=False)
            try:
                await self._redis.publish(self._channels + topic, message)
            except RedisError as error:
                logger.warning("Redis unreachable, live event on %s not sent to other replicas: %s", topic, error)

    async def _relay(self) -> None:
        """Hand the other replicas' events to this replica's listeners; reconnect when Redis drops."""
        while True:
            pubsub = self._redis.pubsub()
            try:
                await pubsub.psubscribe(self._channels + "*")
                self._subscribed.set()
                async for message in pubsub.listen():
                    if message["type"] == "pmessage":
                        self._relay_one(message["channel"], message["data"])
            except (RedisError, OSError) as error:
                logger.warning("Redis subscription lost, reconnecting in %s s: %s", self._reconnect_s, error)
                await asyncio.sleep(self._reconnect_s)
            finally:
                with contextlib.suppress(RedisError, OSError):
                    await pubsub.aclose()

    def _relay_one(self, channel: str, data: str) -> None:
        envelope = json.loads(data)
        if envelope.get("origin") != self.replica:
            self.deliver(channel.removeprefix(self._channels), envelope["payload"])

    async def _renew_presence(self) -> None:
        """Keep this replica's listeners counted; a replica that dies drops out after the TTL."""
        while True:
            await asyncio.sleep(self._presence_ttl_s / 3)
            expires = time.time() + self._presence_ttl_s
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for topic, queues in list(self._listeners.items()):
                        pipe.zadd(self._presence_keys + topic, {self._member(queue): expires for queue in queues})
                    await pipe.execute()
            except RedisError as error:
                logger.warning("Redis unreachable, presence not renewed: %s", error)


@contextlib.contextmanager
def _presence_not_updated(topic: str) -> Iterator[None]:
    """A listener comes and goes whether Redis is there or not; the renewal catches up."""
    try:
        yield
    except RedisError as error:
        logger.warning("Redis unreachable, presence on %s not updated: %s", topic, error)
