"""Every question intent, and whatever the NLU is unsure of, is answered from the KB."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.answering import answer_question
from bot.actions.complaint import complaint_turn, is_complaint
from bot.actions.events import latest_text
from bot.actions.rating import apply_rating
from kefu.ratings import parse_rating


class ActionAnswerKB(Action):
    def name(self) -> str:
        return "action_answer_kb"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = latest_text(tracker)
        # A rating the NLU took for something else is still the answer to our question.
        rating = parse_rating(text) if tracker.get_slot("awaiting_rating") else None
        if rating is not None:
            return apply_rating(dispatcher, tracker, rating)
        if is_complaint(tracker):
            return complaint_turn(dispatcher, tracker)
        return answer_question(dispatcher, tracker, text)
