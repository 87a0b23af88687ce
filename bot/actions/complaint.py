"""A complaint: an apology, what the bot can do with what the customer gave, and a person on request.

Never a choice between FAQ entries: an upset customer is not asked "您是不是想问". With an order
number the bot reports the order; otherwise it answers only a confident KB match. It offers a
person at once, and hands over when the customer complains again in the next message. A message
that says it complains ("我要投诉") takes this path whatever intent the NLU read in it.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.answering import answer_question, present_answer
from bot.actions.events import hand_off, intent_is_sure, latest_text
from bot.actions.order_info import order_id_of, report_order
from kb_index.service import lookup
from kefu.settings import get_settings
from understanding.rules import complains


def is_complaint(tracker: Tracker) -> bool:
    return complains(latest_text(tracker), get_settings())


def complaint_turn(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    turn = float(sum(event.get("event") == "user" for event in tracker.events))
    if tracker.get_slot("complaint_turn") == turn - 1:  # the customer insists
        return hand_off(dispatcher, "customer_request")
    dispatcher.utter_message(response="utter_complaint_apology")
    if order_id := order_id_of(tracker):
        report_order(dispatcher, order_id)
    elif (result := lookup(latest_text(tracker))).outcome == "answer":
        present_answer(dispatcher, result.hits[0])
    dispatcher.utter_message(response="utter_offer_human")
    return [SlotSet("awaiting_rating", False), SlotSet("complaint_turn", turn)]


class ActionHandleComplaint(Action):
    def name(self) -> str:
        return "action_handle_complaint"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if not intent_is_sure(tracker) and not is_complaint(tracker):
            return answer_question(dispatcher, tracker, latest_text(tracker))
        return complaint_turn(dispatcher, tracker)
