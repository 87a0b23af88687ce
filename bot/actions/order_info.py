"""Orders the customer names: the number in what they wrote, and its status from the order store."""

from __future__ import annotations

from functools import lru_cache

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.events import ask_rating, latest_text, note
from bot.orders.store import OrderStore, SqliteOrderStore
from handoff.rules import ORDER_ID
from kefu.settings import get_settings

# After "我没有查到订单…": the number is forgotten and nothing awaits a rating.
NUMBER_UNKNOWN: list[EventType] = [SlotSet("order_id", None), SlotSet("awaiting_rating", False)]


@lru_cache(maxsize=1)
def order_store() -> OrderStore:
    return SqliteOrderStore(get_settings().orders_db)


def order_id_in(text: str) -> str | None:
    found = ORDER_ID.search(text)
    return found.group(0).upper() if found else None


def order_id_of(tracker: Tracker, earlier: bool = True) -> str | None:
    """The order number the customer gave in this message, else (``earlier``) before in the conversation."""
    entity = next(tracker.get_latest_entity_values("order_id"), None)
    given = (entity or "").upper() or order_id_in(latest_text(tracker))
    return given or (tracker.get_slot("order_id") if earlier else None)


def report_order(dispatcher: CollectingDispatcher, order_id: str) -> bool:
    """Tell the customer the order's status; False (and ask to check the number) when it is unknown."""
    order = order_store().find(order_id)
    if order is None:
        dispatcher.utter_message(response="utter_order_not_found", order_id=order_id)
        note(dispatcher, order_id=order_id, found=False)
        return False
    dispatcher.utter_message(
        response="utter_order_status", order_id=order.order_id, status=order.status, detail=order.detail
    )
    note(dispatcher, outcome="hit", order_id=order.order_id)
    return True


def order_status_turn(dispatcher: CollectingDispatcher, order_id: str) -> list[EventType]:
    """The order's status and the rating prompt (an answer like any other), or a request to check the number."""
    if not report_order(dispatcher, order_id):
        return NUMBER_UNKNOWN
    return ask_rating(dispatcher, None)
