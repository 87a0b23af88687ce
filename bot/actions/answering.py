"""Answering a customer question from the KB: answer and ask for a rating, offer the entries
it may mean ("您是不是想问：" with buttons), or count a miss (two in a row hand off)."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.events import ask_rating, hand_off, note
from bot.actions.order_info import NUMBER_UNKNOWN, order_id_in, report_order
from kb_index.decision import Lookup
from kb_index.index import Hit
from kb_index.service import lookup
from kefu import messages
from kefu.settings import get_settings


def answer_question(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> list[EventType]:
    """A message naming an order gets that order's status first: it is what the customer gave us
    ("DD…退款到哪一步了"); the KB's answer follows when it is sure of one."""
    order_id = order_id_in(text)
    if order_id is not None and not report_order(dispatcher, order_id):
        return NUMBER_UNKNOWN
    result = lookup(text)
    if result.outcome == "answer":
        return _answer(dispatcher, result)
    if order_id is not None:  # the order's status answered it
        return ask_rating(dispatcher, None)
    if result.outcome == "suggest":
        return _suggest(dispatcher, result)
    return _miss(dispatcher, tracker, result)


def present_answer(dispatcher: CollectingDispatcher, best: Hit) -> None:
    dispatcher.utter_message(text=best.entry.answer)
    note(dispatcher, outcome="hit", kb_id=best.entry.id, score=round(best.score, 4))


def _answer(dispatcher: CollectingDispatcher, result: Lookup) -> list[EventType]:
    best = result.hits[0]
    present_answer(dispatcher, best)
    return ask_rating(dispatcher, best.entry.id)


def _suggest(dispatcher: CollectingDispatcher, result: Lookup) -> list[EventType]:
    # A button sends the offered question itself, which then matches its entry exactly;
    # the last one says none of them fits.
    questions = [hit.entry.question for hit in result.choices]
    dispatcher.utter_message(
        response="utter_suggest",
        buttons=[{"title": text, "payload": text} for text in (*questions, messages.SUGGEST_NONE)],
    )
    note(
        dispatcher,
        outcome="suggest",
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
