"""In-process fan-out of new messages to WebSocket listeners (a session, the agents)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

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

    def publish(self, topic: str, payload: dict[str, Any]) -> None:
        for queue in self._listeners.get(topic, ()):
            queue.put_nowait(payload)
