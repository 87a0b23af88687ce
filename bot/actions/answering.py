"""Answering a customer question from the KB: answer and ask for a rating, ask which one
was meant, or count a miss (two in a row hand off)."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.events import note
from bot.actions.handoff import hand_off
from kb_index.decision import Lookup
from kb_index.service import lookup
from kefu.settings import get_settings


def answer_question(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> list[EventType]:
    result = lookup(text)
    if result.outcome == "answer":
        return _answer(dispatcher, result)
    if result.outcome == "clarify":
        return _clarify(dispatcher, result)
    return _miss(dispatcher, tracker, result)


def _answer(dispatcher: CollectingDispatcher, result: Lookup) -> list[EventType]:
    best = result.hits[0]
    dispatcher.utter_message(text=best.entry.answer)
    note(dispatcher, outcome="hit", kb_id=best.entry.id, score=round(best.score, 4))
    dispatcher.utter_message(response="utter_ask_rating")
    return [
        SlotSet("awaiting_rating", True),
        SlotSet("last_kb_id", best.entry.id),
        SlotSet("consecutive_misses", 0.0),
    ]


def _clarify(dispatcher: CollectingDispatcher, result: Lookup) -> list[EventType]:
    # A button sends the chosen question itself, which then matches its entry exactly.
    first, second = (hit.entry.question for hit in result.choices)
    dispatcher.utter_message(
        response="utter_clarify",
        option_a=first,
        option_b=second,
        buttons=[{"title": question, "payload": question} for question in (first, second)],
    )
    note(
        dispatcher,
        outcome="clarify",
        kb_ids=[hit.entry.id for hit in result.choices],
        score=round(result.hits[0].score, 4),
    )
    return [SlotSet("awaiting_rating", False)]


def _miss(dispatcher: CollectingDispatcher, tracker: Tracker, result: Lookup) -> list[EventType]:
    misses = int(tracker.get_slot("consecutive_misses") or 0) + 1
    best_score = round(result.hits[0].score, 4) if result.hits else 0.0
    if misses >= get_settings().misses_before_handoff:
        events = hand_off(dispatcher, "two_misses")
        note(dispatcher, outcome="miss", score=best_score)
        return events
    dispatcher.utter_message(response="utter_miss")
    note(dispatcher, outcome="miss", score=best_score)
    return [SlotSet("consecutive_misses", float(misses)), SlotSet("awaiting_rating", False)]
