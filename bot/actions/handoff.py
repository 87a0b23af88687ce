"""Handing the conversation to the human queue.

The gateway's rules (understanding.rules) hand off plain requests for a person before the NLU;
this action takes the ones the NLU recognises in other words, when it is sure of them.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.answering import answer_question
from bot.actions.events import hand_off, intent_is_sure, latest_text
from kefu.settings import get_settings
from understanding.rules import request_ruled_out


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = latest_text(tracker)
        # "不用转人工" or "人工智能" named a person and the gateway's rules found no request in it.
        if not intent_is_sure(tracker) or request_ruled_out(text, get_settings()):
            return answer_question(dispatcher, tracker, text)
        return hand_off(dispatcher, "customer_request")
