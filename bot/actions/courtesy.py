"""Greetings, thanks, goodbyes, yes and no: a courtesy reply, unless the message asks something."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.answering import answer_question
from bot.actions.events import intent_is_sure, latest_intent, latest_text

REPLIES = {
    "greet": "utter_greet",
    "goodbye": "utter_goodbye",
    "thanks": "utter_thanks",
    "affirm": "utter_anything_else",
    "deny": "utter_anything_else",
}


class ActionReplyCourtesy(Action):
    def name(self) -> str:
        return "action_reply_courtesy"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        # "那欠费停了，交完钱多久能用" read as goodbye would end a conversation that asks something.
        if not intent_is_sure(tracker):
            return answer_question(dispatcher, tracker, latest_text(tracker))
        dispatcher.utter_message(response=REPLIES[latest_intent(tracker) or "greet"])
        return []
