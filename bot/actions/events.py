"""What the actions tell the gateway besides the visible text.

Each note is a custom JSON message under the ``kefu`` key: the gateway stores it with the
bot message before it (KB entry and score) or acts on it (handoff), and never shows it.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

NOTE_KEY = "kefu"


def note(dispatcher: CollectingDispatcher, **fields: Any) -> None:
    dispatcher.utter_message(json_message={NOTE_KEY: fields})


def latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")
