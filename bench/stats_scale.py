"""Service figures over a large history: how long GET /api/v1/stats takes once the aggregation
runs in SQL, with and without indexes on the ``created_at`` columns it filters by.

Fills a fresh database (SQLite by default, or ``--database-url postgresql://…``) with synthetic
conversations spread over ``--days`` local days (four customer and bot messages each, a share
handed off, rated and resolved), then times ``service_stats`` for the last 28 days and for the
whole history, before and after creating the indexes.

    .venv/bin/python bench/stats_scale.py [--sessions 100000] [--days 90] [--database-url URL]
Prints a table, then one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, text

from gateway.analytics.figures import service_stats
from gateway.models import ChatMessage, ChatSession
from handoff.models import WorkOrder
from kefu.db import create_schema, make_engine, session_factory
from kefu.settings import Settings

INDEXES = {"sessions": "created_at", "messages": "created_at", "work_orders": "created_at"}
REASONS = ("low_rating", "two_misses", "customer_request", "bot_unavailable")
INTENTS = ("order_status", "logistics", "refund", "invoice", "complaint", "product_usage", "nlu_fallback")
BATCH = 5000


def conversation(number: int, start: datetime, days: int, rng: random.Random) -> tuple[dict, list[dict], dict | None]:
    at = start + timedelta(seconds=rng.randrange(days * 86400))
    session_id = f"s{number:08d}"
    chat = {"id": session_id, "token_hash": "h", "channel": "web", "customer_id": f"c{rng.randrange(number + 1)}",
            "state": "bot", "rasa_epoch": 0, "last_seq": 4, "created_at": at}
    intent = rng.choice(INTENTS)
    missed = intent == "nlu_fallback"
    messages = [
        {"session_id": session_id, "seq": 1, "sender": "customer", "text": f"问题{rng.randrange(500)}",
         "intent": intent, "outcome": "miss" if missed else "hit", "created_at": at},
        {"session_id": session_id, "seq": 2, "sender": "bot", "text": "回答", "created_at": at},
        {"session_id": session_id, "seq": 3, "sender": "customer", "text": "5", "intent": "rate",
         "rating": rng.randint(1, 5), "created_at": at + timedelta(seconds=20)},
        {"session_id": session_id, "seq": 4, "sender": "bot", "text": "感谢", "created_at": at + timedelta(seconds=21)},
    ]
    order = None
    if missed or rng.random() < 0.15:
        answered = at + timedelta(minutes=rng.uniform(1, 20))
        order = {"id": f"G{number:011d}", "session_id": session_id, "status": "closed", "reason": rng.choice(REASONS),
                 "urgency": "normal", "intent": intent, "category": "其他", "department": "客服部", "customer": {},
                 "summary": {}, "satisfaction": rng.randint(1, 5), "first_response_at": answered,
                 "resolved_at": answered + timedelta(minutes=rng.uniform(5, 600)), "created_at": at,
                 "first_response_due": at + timedelta(minutes=10), "resolve_due": at + timedelta(hours=48)}
    return chat, messages, order


async def fill(factory, sessions: int, start: datetime, days: int) -> None:
    rng = random.Random(7)
    for first in range(0, sessions, BATCH):
        chats, messages, orders = [], [], []
        for number in range(first, min(first + BATCH, sessions)):
            chat, said, order = conversation(number, start, days, rng)
            chats.append(chat)
            messages.extend(said)
            orders.extend([order] if order else [])
        async with factory() as db:
            await db.execute(insert(ChatSession), chats)
            await db.execute(insert(ChatMessage), messages)
            await db.execute(insert(WorkOrder), orders)
            await db.commit()


async def timed(factory, start: date, end: date, settings: Settings) -> tuple[float, float, int]:
    """Wall and CPU milliseconds of one call (CPU of this process: SQLite runs in it, so on
    shared cores it shows the work itself; PostgreSQL's work is only in the wall time)."""
    async with factory() as db:
        wall, cpu = time.perf_counter(), time.process_time()
        stats = await service_stats(db, start, end, settings)
        return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000, stats["conversations"]


async def main(sessions: int, days: int, database_url: str | None) -> dict:
    settings = Settings()
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(database_url or f"sqlite+aiosqlite:///{scratch}/bench.db")
        await create_schema(engine)
        factory = session_factory(engine)
        last = date(2026, 11, 24)
        began = time.perf_counter()
        await fill(factory, sessions, datetime(2026, 11, 25, tzinfo=UTC) - timedelta(days=days), days)
        figures: dict = {"database": engine.dialect.name, "sessions": sessions, "messages": sessions * 4,
                         "days": days, "fill_s": round(time.perf_counter() - began, 1)}
        periods = {"28d": (last - timedelta(days=27), last), f"{days}d": (last - timedelta(days=days - 1), last)}
        for indexed in (False, True):
            if indexed:
                async with engine.begin() as connection:
                    for table, column in INDEXES.items():
                        await connection.execute(
                            text(f"CREATE INDEX IF NOT EXISTS bench_{table}_{column} ON {table} ({column})"))
            for name, (start, end) in periods.items():
                await timed(factory, start, end, settings)  # warm the cache
                runs = [await timed(factory, start, end, settings) for _ in range(3)]
                key = f"{name}_{'indexed' if indexed else 'unindexed'}"
                figures[f"{key}_ms"] = round(min(wall for wall, _, _ in runs), 1)
                figures[f"{key}_cpu_ms"] = round(min(cpu for _, cpu, _ in runs), 1)
                figures[f"{name}_conversations"] = runs[0][2]
        await engine.dispose()
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--database-url")
    arguments = parser.parse_args()
    result = asyncio.run(main(arguments.sessions, arguments.days, arguments.database_url))
    for name, value in result.items():
        print(f"{name:32} {value}")
    print(json.dumps(result))
