"""Order status by order number, from the order store (order_status and logistics questions)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.answering import answer_question
from bot.actions.complaint import complaint_turn, is_complaint
from bot.actions.events import intent_is_sure, latest_intent, latest_text
from bot.actions.order_info import order_id_of, order_status_turn


class ActionOrderStatus(Action):
    def name(self) -> str:
        return "action_order_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if is_complaint(tracker):
            return complaint_turn(dispatcher, tracker)
        # "那个订单到哪了" means the order named before; a general logistics question does not.
        order_id = order_id_of(tracker, earlier=latest_intent(tracker) == "order_status")
        # "怎么查订单" has no number to look up, and an unsure intent is no lookup: the KB explains.
        if not order_id or not intent_is_sure(tracker):
            return answer_question(dispatcher, tracker, latest_text(tracker))
        return order_status_turn(dispatcher, order_id)
