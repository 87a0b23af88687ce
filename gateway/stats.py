"""Service figures for a period: what the weekly improvement loop looks at."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.models import ChatMessage, ChatSession
from handoff.models import WorkOrder
from kefu.settings import Settings
from kefu.text import normalize

TOP = 10


def period(start: date, end: date, settings: Settings) -> tuple[datetime, datetime]:
    """The local days ``start`` to ``end`` (both included) as a UTC half-open interval."""
    zone = ZoneInfo(settings.timezone)
    return (datetime.combine(start, time.min, zone), datetime.combine(end + timedelta(days=1), time.min, zone))


def minutes_between(pairs: list[tuple[datetime, datetime | None]]) -> dict[str, float | None]:
    spans = [(later - earlier).total_seconds() / 60 for earlier, later in pairs if later is not None]
    return {"count": len(spans), "median_minutes": round(median(spans), 1) if spans else None}


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def service_stats(db: AsyncSession, start: date, end: date, settings: Settings) -> dict[str, Any]:
    since, until = period(start, end, settings)
    sessions = list(await db.scalars(
        select(ChatSession).where(ChatSession.created_at >= since, ChatSession.created_at < until)
    ))
    ids = [chat.id for chat in sessions]
    messages = list(await db.scalars(select(ChatMessage).where(ChatMessage.session_id.in_(ids)))) if ids else []
    orders = list(await db.scalars(
        select(WorkOrder).where(WorkOrder.created_at >= since, WorkOrder.created_at < until)
    ))
    customer = [m for m in messages if m.sender == "customer"]
    handed_off = {order.session_id for order in orders}
    rated_well = {m.session_id for m in customer if m.rating is not None and m.rating >= 4}
    complaints = Counter(order.customer.get("id") for order in orders if order.intent == "complaint")
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "conversations": len(sessions),
        "bot_resolution_rate": rate(len(rated_well - handed_off), len(sessions)),
        "handoff_rate": rate(len(handed_off & set(ids)), len(sessions)),
        "handoffs_by_reason": dict(Counter(order.reason for order in orders)),
        "bot_ratings": dict(sorted(Counter(m.rating for m in customer if m.rating is not None).items())),
        "csat": dict(sorted(Counter(o.satisfaction for o in orders if o.satisfaction is not None).items())),
        "first_response": minutes_between([(o.created_at, o.first_response_at) for o in orders]),
        "handling": minutes_between([(o.created_at, o.resolved_at) for o in orders]),
        "sla_breaches": sum(order.escalated_at is not None for order in orders),
        "top_intents": Counter(m.intent for m in customer if m.intent).most_common(TOP),
        "top_missed_questions": Counter(normalize(m.text) for m in customer if m.outcome == "miss").most_common(TOP),
        "repeat_complaints": sorted(customer_id for customer_id, count in complaints.items() if count > 1),
    }
