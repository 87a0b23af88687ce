"""Handing the conversation to the human queue."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.events import note


def hand_off(dispatcher: CollectingDispatcher, reason: str, rating: int | None = None) -> list[EventType]:
    """Tell the customer, and tell the gateway, which opens the work order and takes over."""
    dispatcher.utter_message(response=f"utter_handoff_{reason}")
    note(dispatcher, handoff={"reason": reason, "rating": rating})
    return [SlotSet("awaiting_rating", False), SlotSet("consecutive_misses", 0.0)]


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return hand_off(dispatcher, "customer_request")
