"""The 1–5 rating after an answer: ≤ 3 hands off, 4–5 thanks and carries on."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.answering import answer_question
from bot.actions.events import hand_off, latest_text, note
from kefu.ratings import parse_rating
from kefu.settings import get_settings


def apply_rating(dispatcher: CollectingDispatcher, tracker: Tracker, rating: int) -> list[EventType]:
    note(dispatcher, rating=rating, kb_id=tracker.get_slot("last_kb_id"))
    if rating <= get_settings().low_rating_max:
        return hand_off(dispatcher, "low_rating", rating)
    dispatcher.utter_message(response="utter_rating_thanks")
    return [SlotSet("awaiting_rating", False)]


def rating_of(tracker: Tracker) -> int | None:
    """The rating a button carried as an entity, else the one typed in the text."""
    from_button = next(tracker.get_latest_entity_values("rating"), None)
    if from_button is not None and str(from_button).isdigit() and 1 <= int(from_button) <= 5:
        return int(from_button)
    return parse_rating(latest_text(tracker))


class ActionRate(Action):
    def name(self) -> str:
        return "action_rate"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        rating = rating_of(tracker)
        if rating is None:
            # "怎么退款" mistaken for a rating is a new question, not a rating.
            return answer_question(dispatcher, tracker, latest_text(tracker))
        if not tracker.get_slot("awaiting_rating"):
            dispatcher.utter_message(response="utter_anything_else")
            return []
        return apply_rating(dispatcher, tracker, rating)
