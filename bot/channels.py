"""The gateway's channel into Rasa: the REST channel plus what the NLU made of the turn.

The gateway records intent and confidence on every customer message of a work order's
transcript. Parsing here and handing the result to the processor gives it that without a
second parse or a tracker fetch per turn.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Text

import jieba
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

import bot.rasa_speedups  # noqa: F401 - patches Rasa when Rasa loads this channel


class KefuInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "kefu"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        # jieba builds its dictionary on first use (seconds): do it before the server takes
        # turns, or the first customer's turn misses the gateway's timeout.
        jieba.initialize()
        webhook = Blueprint("kefu_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body: Dict[Text, Any] = request.json or {}
            sender_id, text = body.get("sender"), body.get("message")
            if not sender_id or not isinstance(text, str):
                return response.json({"error": "sender and message are required"}, status=400)
            parse_data = await request.app.ctx.agent.parse_message(text)
            collector = CollectingOutputChannel()
            await on_new_message(
                UserMessage(
                    text,
                    collector,
                    sender_id,
                    parse_data=parse_data,
                    input_channel=self.name(),
                    metadata=body.get("metadata"),
                )
            )
            return response.json(
                {
                    "messages": collector.messages,
                    "intent": parse_data.get("intent") or {},
                    "entities": parse_data.get("entities") or [],
                }
            )

        return webhook
