"""The gateway's client for the Rasa server's ``kefu`` channel."""

from __future__ import annotations

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
    def __init__(self, base_url: str, timeout_s: float) -> None:
        self.base_url = base_url
        self._client = httpx.AsyncClient(base_url=base_url, timeout=timeout_s)

    async def send(self, sender_id: str, text: str, metadata: dict[str, Any]) -> BotReply:
        try:
            response = await self._client.post(
                "/webhooks/kefu/webhook", json={"sender": sender_id, "message": text, "metadata": metadata}
            )
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise BotUnavailable(str(error)) from error
        intent = body.get("intent") or {}
        return BotReply(
            messages=body.get("messages") or [],
            intent=intent.get("name"),
            confidence=intent.get("confidence"),
            entities=body.get("entities") or [],
        )

    async def ready(self) -> bool:
        try:
            response = await self._client.get("/status")
            return response.status_code == 200 and bool(response.json().get("model_file"))
        except (httpx.HTTPError, ValueError):
            return False

    async def close(self) -> None:
        await self._client.aclose()
