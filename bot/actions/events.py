"""What the actions tell the gateway besides the visible text.

Each note is a custom JSON message under the ``kefu`` key: the gateway stores it with the
bot message before it (KB entry and score) or acts on it (handoff), and never shows it.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from kefu.settings import get_settings
from understanding import may_act

NOTE_KEY = "kefu"


def note(dispatcher: CollectingDispatcher, **fields: Any) -> None:
    dispatcher.utter_message(json_message={NOTE_KEY: fields})


def hand_off(dispatcher: CollectingDispatcher, reason: str, rating: int | None = None) -> list[EventType]:
    """Tell the customer, and tell the gateway, which opens the work order and takes over."""
    dispatcher.utter_message(response=f"utter_handoff_{reason}")
    note(dispatcher, handoff={"reason": reason, "rating": rating})
    return [SlotSet("awaiting_rating", False), SlotSet("consecutive_misses", 0.0)]


def ask_rating(dispatcher: CollectingDispatcher, kb_id: str | None) -> list[EventType]:
    """The 1–5 prompt after an answer; the rating will be about ``kb_id`` (None: an order's status)."""
    dispatcher.utter_message(response="utter_ask_rating")
    return [SlotSet("awaiting_rating", True), SlotSet("last_kb_id", kb_id), SlotSet("consecutive_misses", 0.0)]


def latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def intent_is_sure(tracker: Tracker) -> bool:
    """Whether the turn's intent may take its costly action (understanding.floors); else the KB answers."""
    intent = tracker.latest_message.get("intent") or {}
    return may_act(intent.get("name"), intent.get("confidence"), latest_text(tracker), get_settings())
