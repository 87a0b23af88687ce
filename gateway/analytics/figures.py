"""Service figures for a period, per local day and week: what the weekly improvement loop looks at.

Everything is counted in SQL (GROUP BY): conversations by the day they started, work orders by
the day of the handoff, customer messages by the day they were sent. Per-day sums add up to
weeks and to the whole period, so only the medians need queries of their own.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, distinct, exists, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.analytics.periods import day_edges, days_of, week_start
from gateway.analytics.sql import bucket_index, median, seconds_between
from gateway.models import ChatMessage, ChatSession
from handoff.models import WorkOrder
from kefu import messages
from kefu.db import UTCDateTime, utcnow
from kefu.settings import Settings
from kefu.text import normalize

COMPLAINT_INTENT = "complaint"
SCORES = range(1, 6)


@dataclass
class Tally:
    """Additive counts of one day; a week or a whole period is the sum of its days."""

    conversations: int = 0
    handed_off: int = 0  # conversations with a work order
    bot_resolved: int = 0  # conversations rated well and never handed off
    handoffs: int = 0  # work orders
    csat_count: int = 0
    csat_sum: int = 0
    first_response_count: int = 0
    first_response_seconds: float = 0.0
    handling_count: int = 0
    handling_seconds: float = 0.0
    first_response_breaches: int = 0
    resolve_breaches: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def figures(self) -> dict[str, Any]:
        return {
            "conversations": self.conversations,
            "handed_off": self.handed_off,
            "bot_resolved": self.bot_resolved,
            "handoffs": self.handoffs,
            "bot_resolution_rate": ratio(self.bot_resolved, self.conversations),
            "handoff_rate": ratio(self.handed_off, self.conversations),
            "csat_count": self.csat_count,
            "csat_average": ratio(self.csat_sum, self.csat_count, 2),
            "first_response_count": self.first_response_count,
            "first_response_average_minutes": ratio(self.first_response_seconds / 60, self.first_response_count, 1),
            "handling_count": self.handling_count,
            "handling_average_minutes": ratio(self.handling_seconds / 60, self.handling_count, 1),
            "first_response_breaches": self.first_response_breaches,
            "resolve_breaches": self.resolve_breaches,
        }


def ratio(part: float, whole: int, digits: int = 4) -> float | None:
    return round(part / whole, digits) if whole else None


def one_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def within(column: ColumnElement[datetime], edges: list[datetime]) -> ColumnElement[bool]:
    return and_(column >= edges[0], column < edges[-1])


async def conversation_tallies(db: AsyncSession, edges: list[datetime], settings: Settings) -> dict[int, Tally]:
    """Per day index: conversations begun, handed off, and resolved by the bot."""
    handed_off = exists().where(WorkOrder.session_id == ChatSession.id)
    rated_well = exists().where(ChatMessage.session_id == ChatSession.id, ChatMessage.rating > settings.low_rating_max)
    rows = (
        select(bucket_index(ChatSession.created_at, edges).label("day"), one_if(handed_off).label("handed_off"),
               one_if(and_(rated_well, ~handed_off)).label("bot_resolved"))
        .where(within(ChatSession.created_at, edges))
        .subquery()
    )
    result = await db.execute(
        select(rows.c.day, func.count(), func.sum(rows.c.handed_off), func.sum(rows.c.bot_resolved))
        .group_by(rows.c.day)
    )
    return {day: Tally(conversations=count, handed_off=handed, bot_resolved=resolved)
            for day, count, handed, resolved in result}


async def work_order_tallies(db: AsyncSession, edges: list[datetime]) -> dict[int, Tally]:
    """Per day index of the handoff: work orders, CSAT, response and handling times, SLA breaches."""
    now = literal(utcnow(), UTCDateTime())
    # An order still waiting is late once its deadline has passed; resolving counts as the first response.
    answered_at = func.coalesce(WorkOrder.first_response_at, WorkOrder.resolved_at, now)
    rows = (
        select(
            bucket_index(WorkOrder.created_at, edges).label("day"),
            WorkOrder.satisfaction.label("csat"),
            seconds_between(WorkOrder.created_at, WorkOrder.first_response_at).label("first_response"),
            seconds_between(WorkOrder.created_at, WorkOrder.resolved_at).label("handling"),
            one_if(answered_at > WorkOrder.first_response_due).label("first_response_late"),
            one_if(func.coalesce(WorkOrder.resolved_at, now) > WorkOrder.resolve_due).label("resolve_late"),
        )
        .where(within(WorkOrder.created_at, edges))
        .subquery()
    )
    result = await db.execute(
        select(
            rows.c.day, func.count(), func.count(rows.c.csat), func.sum(rows.c.csat),
            func.count(rows.c.first_response), func.sum(rows.c.first_response),
            func.count(rows.c.handling), func.sum(rows.c.handling),
            func.sum(rows.c.first_response_late), func.sum(rows.c.resolve_late),
        ).group_by(rows.c.day)
    )
    return {
        day: Tally(
            handoffs=orders, csat_count=csat_n, csat_sum=csat_sum or 0,
            first_response_count=fr_n, first_response_seconds=float(fr_s or 0),
            handling_count=handling_n, handling_seconds=float(handling_s or 0),
            first_response_breaches=fr_late, resolve_breaches=resolve_late,
        )
        for day, orders, csat_n, csat_sum, fr_n, fr_s, handling_n, handling_s, fr_late, resolve_late in result
    }


async def counts_by(
    db: AsyncSession, column: ColumnElement[Any], *where: ColumnElement[bool], limit: int | None = None
) -> list[tuple[Any, int]]:
    """``(value, rows)`` per value of ``column``, most frequent first."""
    rows = func.count().label("rows")
    query = select(column, rows).where(column.is_not(None), *where).group_by(column).order_by(rows.desc(), column)
    return [tuple(row) for row in await db.execute(query.limit(limit))]


async def repeat_complaints(db: AsyncSession, edges: list[datetime]) -> list[dict[str, Any]]:
    """Customers who complained in more than one conversation."""
    conversations = func.count(distinct(ChatMessage.session_id)).label("conversations")
    result = await db.execute(
        select(ChatSession.customer_id, conversations)
        .join(ChatSession, ChatSession.id == ChatMessage.session_id)
        .where(ChatMessage.intent == COMPLAINT_INTENT, within(ChatMessage.created_at, edges))
        .group_by(ChatSession.customer_id)
        .having(conversations > 1)
        .order_by(conversations.desc(), ChatSession.customer_id)
    )
    return [{"customer_id": customer, "conversations": count} for customer, count in result]


async def top_missed_questions(db: AsyncSession, edges: list[datetime], top: int) -> list[tuple[str, int]]:
    """Missed questions, with spellings that normalise alike (全角/半角, 繁/简) counted as one."""
    texts = await counts_by(db, ChatMessage.text, ChatMessage.sender == "customer", ChatMessage.outcome == "miss",
                            within(ChatMessage.created_at, edges))
    folded: Counter[str] = Counter()
    for text, count in texts:
        folded[normalize(text)] += count
    return folded.most_common(top)


async def minutes_median(db: AsyncSession, value: ColumnElement[float], edges: list[datetime]) -> float | None:
    seconds = await db.scalar(median(value, within(WorkOrder.created_at, edges)))
    return round(float(seconds) / 60, 1) if seconds is not None else None


def series(start: date, end: date, days: list[Tally]) -> dict[str, list[dict[str, Any]]]:
    """The figures per local day and per ISO week (the first and last week cut to the period)."""
    dates = days_of(start, end)
    weeks: dict[date, list[tuple[date, Tally]]] = {}
    for day, tally in zip(dates, days, strict=True):
        weeks.setdefault(week_start(day), []).append((day, tally))
    return {
        "day": [{"start": day.isoformat(), "end": day.isoformat(), **tally.figures()}
                for day, tally in zip(dates, days, strict=True)],
        "week": [{"start": members[0][0].isoformat(), "end": members[-1][0].isoformat(),
                  **sum((tally for _, tally in members), Tally()).figures()} for members in weeks.values()],
    }


def labels(settings: Settings) -> dict[str, dict[str, str]]:
    """Chinese names for the codes in the figures."""
    return {"reason": messages.REASON_LABELS, "intent": {intent: route.category
                                                         for intent, route in settings.routes.items()}}


async def service_stats(db: AsyncSession, start: date, end: date, settings: Settings) -> dict[str, Any]:
    """The figures of the local days ``start`` to ``end`` (both included), in total and per day and week."""
    edges = day_edges(start, end, settings)
    conversations = await conversation_tallies(db, edges, settings)
    orders = await work_order_tallies(db, edges)
    days = [conversations.get(day, Tally()) + orders.get(day, Tally()) for day in range(len(edges) - 1)]
    total = sum(days, Tally())
    orders_within = within(WorkOrder.created_at, edges)
    customer_turns = (ChatMessage.sender == "customer", within(ChatMessage.created_at, edges))
    reasons = dict(await counts_by(db, WorkOrder.reason, orders_within))
    csat = dict(await counts_by(db, WorkOrder.satisfaction, orders_within))
    bot_ratings = dict(await counts_by(db, ChatMessage.rating, *customer_turns))
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        **total.figures(),
        "first_response_median_minutes": await minutes_median(
            db, seconds_between(WorkOrder.created_at, WorkOrder.first_response_at), edges),
        "handling_median_minutes": await minutes_median(
            db, seconds_between(WorkOrder.created_at, WorkOrder.resolved_at), edges),
        "handoffs_by_reason": reasons,
        "handoff_rate_by_reason": {reason: ratio(count, total.conversations) for reason, count in reasons.items()},
        "csat": {str(score): csat.get(score, 0) for score in SCORES},
        "bot_ratings": {str(score): bot_ratings.get(score, 0) for score in SCORES},
        "top_intents": await counts_by(db, ChatMessage.intent, *customer_turns, limit=settings.stats_top),
        "top_missed_questions": await top_missed_questions(db, edges, settings.stats_top),
        "repeat_complaints": await repeat_complaints(db, edges),
        "series": series(start, end, days),
        "labels": labels(settings),
    }
