"""The service figures, aggregated in SQL, on known rows: local days and weeks around midnight,
rates, averages and medians, SLA breaches, folded missed questions, repeat complaints; on SQLite
and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gateway.analytics.figures import service_stats
from gateway.models import ChatMessage, ChatSession
from handoff.models import WorkOrder
from kefu.db import create_schema, make_engine, session_factory
from kefu.settings import Settings
from tests.conftest import database

SHANGHAI = ZoneInfo("Asia/Shanghai")
MINUTE = timedelta(minutes=1)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def chat(session_id: str, at: datetime, customer: str = "c") -> ChatSession:
    return ChatSession(id=session_id, token_hash="h", channel="web", customer_id=customer, created_at=at)


def said(session_id: str, seq: int, at: datetime, text: str, sender: str = "customer", **facts: object) -> ChatMessage:
    return ChatMessage(session_id=session_id, seq=seq, sender=sender, text=text, created_at=at, **facts)


def order(
    number: int, session_id: str, at: datetime, reason: str, resolve_hours: int = 48, **facts: object
) -> WorkOrder:
    return WorkOrder(
        id=f"G2026112{number}", session_id=session_id, reason=reason, urgency="normal", category="其他",
        department="客服部", customer={}, summary={}, created_at=at, first_response_due=at + 10 * MINUTE,
        resolve_due=at + timedelta(hours=resolve_hours), **facts,
    )


def rows() -> list[ChatSession | ChatMessage | WorkOrder]:
    return [
        chat("before", local(19, 23, 59)),
        chat("s1", local(20, 10)),  # rated well, never handed off
        said("s1", 1, local(20, 10, 1), "怎么开发票", intent="invoice"),
        said("s1", 2, local(20, 10, 2), "5", intent="rate", rating=5),
        chat("s7", local(21, 9), customer="c-dup"),
        said("s7", 1, local(21, 9, 1), "我要投诉", intent="complaint"),
        chat("s2", local(22, 23, 30)),  # late on the 22nd: still the 22nd, and week 47
        said("s2", 1, local(22, 23, 31), "帮我算星座", intent="nlu_fallback", outcome="miss"),
        said("s2", 2, local(22, 23, 31), "抱歉，没有找到答案", outcome="miss", sender="bot"),  # the bot's side
        order(1, "s2", local(22, 23, 40), "customer_request", first_response_at=local(22, 23, 44),
              resolved_at=local(23, 0, 40), satisfaction=5),
        chat("s3", local(23, 0, 10)),  # just after local midnight: the 23rd (still the 22nd in UTC), week 48
        said("s3", 1, local(23, 0, 11), "2", intent="rate", rating=2),
        order(2, "s3", local(23, 0, 12), "low_rating", resolve_hours=24, first_response_at=local(23, 0, 32),
              resolved_at=local(24, 6, 12), satisfaction=3),
        chat("s4", local(24, 9), customer="c-dup"),
        said("s4", 1, local(24, 9, 1), "我要投诉", intent="complaint"),
        said("s4", 2, local(24, 9, 2), "幫我算星座", intent="nlu_fallback", outcome="miss"),
        order(3, "s4", local(24, 9, 3), "two_misses", resolve_hours=2),  # never answered: late on both counts
        chat("s8", local(24, 10), customer="c-once"),
        said("s8", 1, local(24, 10, 1), "投诉快递", intent="complaint"),
        chat("after", local(25, 0)),
    ]


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator:
    with database(request.param) as url:
        engine = make_engine(url or f"sqlite+aiosqlite:///{tmp_path}/stats.db")
        await create_schema(engine)
        async with session_factory(engine)() as session:
            made = rows()
            for kind in (ChatSession, ChatMessage, WorkOrder):  # parents first: the tables have foreign keys
                session.add_all(row for row in made if isinstance(row, kind))
                await session.flush()
            await session.commit()
            yield session
        await engine.dispose()


async def test_figures_of_a_period(db) -> None:
    stats = await service_stats(db, date(2026, 11, 20), date(2026, 11, 24), Settings(timezone="Asia/Shanghai"))

    assert (stats["conversations"], stats["handed_off"], stats["bot_resolved"], stats["handoffs"]) == (6, 3, 1, 3)
    assert (stats["bot_resolution_rate"], stats["handoff_rate"]) == (round(1 / 6, 4), 0.5)
    assert stats["handoffs_by_reason"] == {"customer_request": 1, "low_rating": 1, "two_misses": 1}
    assert stats["handoff_rate_by_reason"]["low_rating"] == round(1 / 6, 4)
    assert stats["csat"] == {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1} and stats["csat_average"] == 4.0
    assert stats["bot_ratings"] == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}
    # First responses of 4 and 20 minutes; handling of 60 minutes and 30 hours.
    assert (stats["first_response_count"], stats["first_response_average_minutes"]) == (2, 12.0)
    assert stats["first_response_median_minutes"] == 12.0
    assert (stats["handling_average_minutes"], stats["handling_median_minutes"]) == (930.0, 930.0)
    assert (stats["first_response_breaches"], stats["resolve_breaches"]) == (2, 2)
    assert stats["top_intents"] == [("complaint", 3), ("nlu_fallback", 2), ("rate", 2), ("invoice", 1)]
    assert stats["top_missed_questions"] == [("帮我算星座", 2)]
    assert stats["repeat_complaints"] == [{"customer_id": "c-dup", "conversations": 2}]

    days = stats["series"]["day"]
    assert [d["start"] for d in days] == ["2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24"]
    assert [d["conversations"] for d in days] == [1, 1, 1, 1, 2]
    assert [d["handoffs"] for d in days] == [0, 0, 1, 1, 1]
    assert [d["first_response_average_minutes"] for d in days] == [None, None, 4.0, 20.0, None]
    assert [d["resolve_breaches"] for d in days] == [0, 0, 0, 1, 1]
    weeks = stats["series"]["week"]
    assert [(w["start"], w["end"], w["conversations"], w["handoffs"]) for w in weeks] == [
        ("2026-11-20", "2026-11-22", 3, 1), ("2026-11-23", "2026-11-24", 3, 2)]
    assert weeks[1]["csat_average"] == 3.0


async def test_an_odd_count_has_the_middle_value_as_median(db) -> None:
    stats = await service_stats(db, date(2026, 11, 22), date(2026, 11, 22), Settings(timezone="Asia/Shanghai"))
    assert (stats["first_response_median_minutes"], stats["handling_median_minutes"]) == (4.0, 60.0)
    assert len(stats["series"]["day"]) == 1 and len(stats["series"]["week"]) == 1


async def test_an_empty_period(db) -> None:
    stats = await service_stats(db, date(2020, 1, 1), date(2020, 1, 7), Settings(timezone="Asia/Shanghai"))
    assert stats["conversations"] == 0 and stats["bot_resolution_rate"] is None
    assert stats["first_response_median_minutes"] is None and stats["top_missed_questions"] == []
    assert [d["conversations"] for d in stats["series"]["day"]] == [0] * 7
