"""Opening a work order from a conversation, so the agent never asks the customer again."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.models import ChatMessage, ChatSession
from handoff.models import WorkOrder, WorkOrderEvent
from handoff.numbering import next_work_order_id
from handoff.rules import URGENCY_ORDER, classify_urgency, key_facts, sla_deadlines
from kefu.db import utcnow
from kefu.pii import for_agents, mask_personal_data, mask_phone
from kefu.settings import Settings

QUESTION_OUTCOMES = ("hit", "miss", "suggest")


async def session_messages(db: AsyncSession, session_id: str) -> list[ChatMessage]:
    rows = await db.scalars(
        select(ChatMessage).where(ChatMessage.session_id == session_id).order_by(ChatMessage.seq)
    )
    return list(rows)


def problem_intent(messages: list[ChatMessage], settings: Settings) -> str | None:
    """The latest business intent the customer raised (greetings and ratings do not count)."""
    for message in reversed(messages):
        if message.sender == "customer" and message.intent in settings.routes:
            return message.intent
    return None


def first_question(messages: list[ChatMessage]) -> str | None:
    """The first customer message the bot treated as a question."""
    asked = [m for m in messages if m.sender == "customer"]
    for message in asked:
        if message.outcome in QUESTION_OUTCOMES:
            return message.text
    return asked[0].text if asked else None


async def open_work_order(
    db: AsyncSession, chat: ChatSession, reason: str, rating: int | None, settings: Settings
) -> WorkOrder:
    messages = await session_messages(db, chat.id)
    customer_texts = [m.text for m in messages if m.sender == "customer"]
    intent = problem_intent(messages, settings)
    route = settings.route_for(intent)
    urgency = classify_urgency(customer_texts, settings)
    if intent == "complaint":
        urgency = max(urgency, "urgent", key=URGENCY_ORDER.index)
    if reason == "escalation_threat":
        urgency = "critical"
    now = utcnow()
    first_response_due, resolve_due = sla_deadlines(now, urgency, settings)
    order = WorkOrder(
        id=await next_work_order_id(db, now.astimezone(ZoneInfo(settings.timezone))),
        session_id=chat.id,
        status="queued",
        reason=reason,
        urgency=urgency,
        intent=intent,
        category=route.category,
        department=route.department,
        customer={
            "id": chat.customer_id,
            "name": chat.customer_name,
            "contact": chat.customer_phone_masked,
            "channel": chat.channel,
            "membership_level": None,
            "verified": chat.verified,
        },
        summary={"first_question": first_question(messages), **key_facts(customer_texts)},
        rating=rating,
        created_at=now,
        first_response_due=first_response_due,
        resolve_due=resolve_due,
    )
    db.add(order)
    return order


def make_critical(order: WorkOrder, now: datetime, settings: Settings) -> bool:
    """A threat made while waiting or with an agent: the order becomes 特急, due within the critical SLA
    from now at the latest. False when it already was."""
    if order.urgency == "critical":
        return False
    order.urgency = "critical"
    order.resolve_due = min(order.resolve_due, sla_deadlines(now, "critical", settings)[1])
    return True


def overdue(order: WorkOrder, now: datetime) -> dict[str, bool]:
    """SLA breaches: no first answer 10 minutes after handoff, not resolved by the due time."""
    open_ = order.status not in ("resolved", "closed")
    return {
        "first_response_overdue": order.first_response_at is None and open_ and now > order.first_response_due,
        "resolve_overdue": open_ and now > order.resolve_due,
    }


def transcript_entry(message: ChatMessage, verified: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "seq": message.seq,
        "sender": message.sender,
        "text": for_agents(message.text, verified),
        "created_at": message.created_at,
    }
    if message.sender == "customer":
        entry.update(intent=message.intent, confidence=message.confidence, outcome=message.outcome)
    elif message.sender == "bot" and (message.kb_id or message.outcome):
        entry.update(kb_id=message.kb_id, score=message.score, outcome=message.outcome)
    return entry


async def work_order_events(db: AsyncSession, work_order_id: str) -> list[WorkOrderEvent]:
    rows = await db.scalars(
        select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == work_order_id).order_by(WorkOrderEvent.id)
    )
    return list(rows)


def work_order_view(
    order: WorkOrder, chat: ChatSession, messages: list[ChatMessage], events: list[WorkOrderEvent]
) -> dict[str, Any]:
    """The whole order for an agent: personal data masked unless the customer proved who they are."""
    verified = chat.verified
    customer = {**order.customer, "verified": verified}
    if verified and chat.customer_phone:
        customer["contact"] = chat.customer_phone
    first_question = order.summary.get("first_question")
    callback = order.callback_phone and (order.callback_phone if verified else mask_phone(order.callback_phone))
    return {
        "id": order.id,
        "status": order.status,
        "reason": order.reason,
        "urgency": order.urgency,
        "intent": order.intent,
        "category": order.category,
        "department": order.department,
        "customer": customer,
        "summary": {**order.summary, "first_question": first_question and for_agents(first_question, verified)},
        "rating": order.rating,
        "transcript": [transcript_entry(message, verified) for message in messages],
        "events": [
            {"kind": e.kind, "author": e.author, "text": e.text, "created_at": e.created_at} for e in events
        ],
        "sla": {
            "first_response_due": order.first_response_due,
            "resolve_due": order.resolve_due,
            **overdue(order, utcnow()),
        },
        "session_id": order.session_id,
        "assigned_to": order.assigned_to,
        "callback": callback,
        "resolution": order.resolution,
        "satisfaction": order.satisfaction,
        "created_at": order.created_at,
        "first_response_at": order.first_response_at,
        "resolved_at": order.resolved_at,
        "closed_at": order.closed_at,
    }




EXPORT_COLUMNS = (
    "id", "created_at", "status", "reason", "urgency", "intent", "category", "department",
    "customer_id", "customer_name", "contact", "channel", "first_question", "rating", "satisfaction",
    "assigned_to", "first_response_at", "resolved_at", "closed_at", "first_response_overdue", "resolve_overdue",
)


def export_row(order: WorkOrder, now: datetime) -> dict[str, Any]:
    """One CSV row: personal data stays masked as on the work order."""
    customer = order.customer or {}
    first_question = (order.summary or {}).get("first_question")
    return {
        **{name: getattr(order, name) for name in EXPORT_COLUMNS if hasattr(order, name)},
        "customer_id": customer.get("id"),
        "customer_name": customer.get("name"),
        "contact": customer.get("contact"),
        "channel": customer.get("channel"),
        "first_question": first_question and mask_personal_data(first_question),
        **overdue(order, now),
    }
