"""In-process fan-out of new messages to WebSocket listeners (a session, the agents)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

AGENTS_TOPIC = "agents"


def session_topic(session_id: str) -> str:
    return f"session:{session_id}"


class LiveHub:
    def __init__(self) -> None:
        self._listeners: dict[str, set[asyncio.Queue[dict[str, Any]]]] = defaultdict(set)

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._listeners[topic].add(queue)
        try:
            yield queue
        finally:
            self._listeners[topic].discard(queue)
            if not self._listeners[topic]:
                del self._listeners[topic]

    def listeners(self, topic: str) -> int:
        return len(self._listeners.get(topic, ()))

    def publish(self, topic: str, payload: dict[str, Any]) -> None:
        for queue in self._listeners.get(topic, ()):
            queue.put_nowait(payload)


async def forward(websocket: WebSocket, topic: str) -> None:
    """Push everything published on ``topic`` to an accepted socket until the client leaves."""
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
                await websocket.send_json(getter.result())
        except WebSocketDisconnect:
            pass
        finally:
            receiver.cancel()
