"""Order status by order number, from the order store."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.answering import answer_question
from bot.actions.events import latest_text, note
from bot.orders.store import OrderStore, SqliteOrderStore
from kefu.settings import get_settings


@lru_cache(maxsize=1)
def order_store() -> OrderStore:
    return SqliteOrderStore(get_settings().orders_db)


class ActionOrderStatus(Action):
    def name(self) -> str:
        return "action_order_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        order_id = next(tracker.get_latest_entity_values("order_id"), None) or tracker.get_slot("order_id")
        if not order_id:
            # "怎么查订单" has no number to look up: the KB explains how.
            return answer_question(dispatcher, tracker, latest_text(tracker))
        order = order_store().find(order_id)
        if order is None:
            dispatcher.utter_message(response="utter_order_not_found", order_id=order_id)
            note(dispatcher, order_id=order_id, found=False)
            return [SlotSet("order_id", None), SlotSet("awaiting_rating", False)]
        dispatcher.utter_message(
            response="utter_order_status", order_id=order.order_id, status=order.status, detail=order.detail
        )
        note(dispatcher, outcome="hit", order_id=order.order_id)
        dispatcher.utter_message(response="utter_ask_rating")
        return [SlotSet("awaiting_rating", True), SlotSet("consecutive_misses", 0.0)]
