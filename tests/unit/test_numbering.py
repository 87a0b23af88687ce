"""handoff.numbering: G + YYYYMMDD + daily sequence, on a real SQLite database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff.numbering import next_work_order_id
from kefu.db import create_schema, make_engine, session_factory

DAY = datetime(2026, 11, 23, 10, 15)


@pytest.fixture
async def factory(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/t.db")
    await create_schema(engine)
    yield session_factory(engine)
    await engine.dispose()


async def take(factory: async_sessionmaker[AsyncSession], when: datetime) -> str:
    async with factory() as db:
        number = await next_work_order_id(db, when)
        await db.commit()
        return number


async def test_daily_sequence_has_no_repeats(factory: async_sessionmaker[AsyncSession]) -> None:
    numbers = [await take(factory, DAY) for _ in range(20)]
    assert numbers[:3] == ["G20261123001", "G20261123002", "G20261123003"]
    assert numbers == [f"G20261123{n:03d}" for n in range(1, 21)]
    assert len(set(numbers)) == 20


async def test_new_day_restarts_at_001(factory: async_sessionmaker[AsyncSession]) -> None:
    assert await take(factory, DAY) == "G20261123001"
    assert await take(factory, DAY) == "G20261123002"
    assert await take(factory, datetime(2026, 11, 24, 0, 1)) == "G20261124001"
    assert await take(factory, DAY) == "G20261123003"
    assert await take(factory, datetime(2026, 11, 24, 23, 59)) == "G20261124002"


async def test_several_numbers_in_one_transaction(factory: async_sessionmaker[AsyncSession]) -> None:
    async with factory() as db:
        numbers = [await next_work_order_id(db, DAY) for _ in range(3)]
        await db.commit()
    assert numbers == ["G20261123001", "G20261123002", "G20261123003"]
    assert await take(factory, DAY) == "G20261123004"


async def test_concurrent_sessions_get_distinct_numbers(factory: async_sessionmaker[AsyncSession]) -> None:
    numbers = await asyncio.gather(*(take(factory, DAY) for _ in range(10)))
    assert sorted(numbers) == [f"G20261123{n:03d}" for n in range(1, 11)]


async def test_rolled_back_number_is_not_consumed(factory: async_sessionmaker[AsyncSession]) -> None:
    async with factory() as db:
        assert await next_work_order_id(db, DAY) == "G20261123001"
        await db.rollback()
    assert await take(factory, DAY) == "G20261123001"


async def test_timestamps_come_back_from_sqlite_in_utc(tmp_path) -> None:
    from datetime import UTC, datetime, timedelta, timezone

    from sqlalchemy import select

    from gateway.models import ChatSession
    from kefu.db import create_schema, make_engine, session_factory

    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/utc.db")
    await create_schema(engine)
    shanghai = timezone(timedelta(hours=8))
    async with session_factory(engine)() as db:
        db.add(ChatSession(id="s", token_hash="h", channel="web", customer_id="c",
                           created_at=datetime(2026, 11, 23, 9, 0, tzinfo=shanghai)))
        await db.commit()
    async with session_factory(engine)() as db:
        loaded = (await db.scalars(select(ChatSession))).one().created_at
    await engine.dispose()
    assert loaded == datetime(2026, 11, 23, 1, 0, tzinfo=UTC) and loaded.tzinfo is not None
