"""Fan-out of new messages to WebSocket listeners (a session, the agents).

``LiveHub`` delivers within one process; ``gateway.live_redis.RedisLiveHub`` has the same
interface and also carries every event to the other gateway replicas through Redis.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

AGENTS_TOPIC = "agents"


def session_topic(session_id: str) -> str:
    return f"session:{session_id}"


class LiveHub:
    """Listeners of this process, one queue each; ``publish`` reaches them at once."""

    def __init__(self) -> None:
        self._listeners: dict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)

    async def start(self) -> None:
        """Nothing to connect in one process; the Redis hub connects here."""

    async def close(self) -> None:
        """Nothing to release in one process."""

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._listeners[topic].add(queue)
        await self._joined(topic, queue)
        try:
            yield queue
        finally:
            self._listeners[topic].discard(queue)
            if not self._listeners[topic]:
                del self._listeners[topic]
            await self._left(topic, queue)

    def listeners(self, topic: str) -> int:
        """Listeners of ``topic`` in this process."""
        return len(self._listeners.get(topic, ()))

    async def online(self, topic: str) -> int:
        """Listeners of ``topic`` in every replica (here: this process is the only one)."""
        return self.listeners(topic)

    def publish(self, topic: str, payload: dict[str, Any]) -> None:
        self.deliver(topic, payload)

    def deliver(self, topic: str, payload: dict[str, Any]) -> None:
        """Hand ``payload`` to this process's listeners of ``topic``."""
        for queue in self._listeners.get(topic, ()):
            queue.put_nowait(payload)

    async def _joined(self, topic: str, queue: asyncio.Queue[dict[str, Any]]) -> None:
        """Hook for hubs that count listeners beyond this process."""

    async def _left(self, topic: str, queue: asyncio.Queue[dict[str, Any]]) -> None:
        """Hook for hubs that count listeners beyond this process."""


async def forward(
    websocket: WebSocket, topic: str, accept: Callable[[dict[str, Any]], bool] = lambda _: True
) -> None:
    """Push what is published on ``topic`` and passes ``accept`` to the socket until the client leaves."""
    await websocket.accept()
    async with websocket.app.state.hub.subscribe(topic) as queue:
        receiver = asyncio.create_task(websocket.receive_text())
        try:
            while True:
                getter = asyncio.create_task(queue.get())
                done, _ = await asyncio.wait({getter, receiver}, return_when=asyncio.FIRST_COMPLETED)
                if receiver in done:
                    getter.cancel()
                    receiver.result()  # raises WebSocketDisconnect when the client leaves
                    receiver = asyncio.create_task(websocket.receive_text())
                    continue
                if accept(payload := getter.result()):
                    await websocket.send_json(payload)
        except WebSocketDisconnect:
            pass
        finally:
            receiver.cancel()
