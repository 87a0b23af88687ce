"""The gateway's client for the Rasa server's ``kefu`` channel.

Turns wait their turn here, a few at a time in Rasa: Rasa works on everything it is sent at
once, so under a burst every turn would slow down together and all of them would miss the
timeout. A turn that waits too long for a slot, or that Rasa does not answer within the
timeout, raises ``BotUnavailable`` (the customer is handed to a person). After a timeout or a
refused connection the turns queued behind it fail at once for one timeout's length, so a
hanging Rasa costs each customer at most that long, not a place in a queue of timeouts.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import httpx


class BotUnavailable(Exception):
    """Rasa (or the action server behind it) did not answer in time or failed."""


@dataclass
class BotReply:
    messages: list[dict[str, Any]]
    intent: str | None = None
    confidence: float | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)


class RasaClient:
    def __init__(self, base_url: str, timeout_s: float, concurrency: int, queue_timeout_s: float) -> None:
        self.base_url = base_url
        self.timeout_s = timeout_s
        self.queue_timeout_s = queue_timeout_s
        limits = httpx.Limits(max_connections=concurrency + 2)  # + the health checks
        self._client = httpx.AsyncClient(base_url=base_url, timeout=timeout_s, limits=limits)
        self._slots = asyncio.Semaphore(concurrency)
        self._failed_at = float("-inf")
        # While Rasa swaps its model it answers nothing: turns sent meanwhile wait this long for
        # it instead of being handed to a person after the usual timeout (see gateway.main).
        self.load_timeout_s: float | None = None

    async def send(self, sender_id: str, text: str, metadata: dict[str, Any]) -> BotReply:
        self._unless_failing()
        try:
            async with asyncio.timeout(self.queue_timeout_s):
                await self._slots.acquire()
        except TimeoutError:
            raise BotUnavailable("no free slot in Rasa in time") from None
        try:
            self._unless_failing()
            response = await self._client.post(
                "/webhooks/kefu/webhook", json={"sender": sender_id, "message": text, "metadata": metadata},
                timeout=self.load_timeout_s or self.timeout_s,
            )
            response.raise_for_status()
            body = response.json()
        except httpx.TransportError as error:  # timeouts and refused connections
            self._failed_at = time.monotonic()
            raise BotUnavailable(str(error) or type(error).__name__) from error
        except (httpx.HTTPError, ValueError) as error:
            raise BotUnavailable(str(error)) from error
        finally:
            self._slots.release()
        intent = body.get("intent") or {}
        return BotReply(
            messages=body.get("messages") or [],
            intent=intent.get("name"),
            confidence=intent.get("confidence"),
            entities=body.get("entities") or [],
        )

    async def intent_of(self, text: str) -> tuple[str | None, float | None]:
        """What the NLU makes of ``text`` without a dialogue turn, for routing a work order; (None, None)
        when Rasa cannot say in time (the handoff does not wait for it)."""
        try:
            response = await self._client.post("/model/parse", json={"text": text})
            response.raise_for_status()
            intent = response.json().get("intent") or {}
        except (httpx.HTTPError, ValueError):
            return None, None
        return intent.get("name"), intent.get("confidence")

    async def revert_last_turn(self, sender_id: str) -> None:
        """Undo the conversation's latest customer message and all that followed in Rasa's tracker
        (Rasa's ``rewind`` event), as if the bot had never seen it."""
        self._unless_failing()
        try:
            response = await self._client.post(
                f"/conversations/{sender_id}/tracker/events", params={"include_events": "NONE"},
                json={"event": "rewind"},
            )
            response.raise_for_status()
        except httpx.HTTPError as error:
            raise BotUnavailable(str(error) or type(error).__name__) from error

    def _unless_failing(self) -> None:
        if time.monotonic() - self._failed_at < self.timeout_s:
            raise BotUnavailable("Rasa failed moments ago")

    async def ready(self) -> bool:
        try:
            response = await self._client.get("/status")
            return response.status_code == 200 and bool(response.json().get("model_file"))
        except (httpx.HTTPError, ValueError):
            return False

    async def close(self) -> None:
        await self._client.aclose()
