"""What the security layer costs per request: PII masking of a message and of a log line, one
rate-limit check, and bringing a fresh SQLite database to the latest migration.

    .venv/bin/python bench/security_overhead.py
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from gateway.logs import MaskPersonalData
from gateway.ratelimit import Limit, SlidingWindowLimiter, hit
from kefu.db import create_schema, make_engine
from kefu.pii import mask_all, mask_secrets

MESSAGE = "你好，我的订单DD202611180001还没到，手机13812345678，收货地址是上海市浦东新区张江路88号，麻烦帮我查一下物流"


def per_call_us(call: Callable[[], object], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        call()
    return (time.perf_counter() - start) / repeat * 1e6


async def limiter_us(repeat: int) -> float:
    limiter, limit = SlidingWindowLimiter(), Limit(30, 60)
    start = time.perf_counter()
    for number in range(repeat):
        await hit(limiter, f"messages:{number % 10_000}", limit)
    return (time.perf_counter() - start) / repeat * 1e6


async def migrate_ms() -> float:
    with tempfile.TemporaryDirectory() as directory:
        engine = make_engine(f"sqlite+aiosqlite:///{Path(directory) / 'fresh.db'}")
        start = time.perf_counter()
        await create_schema(engine)
        elapsed = time.perf_counter() - start
        await engine.dispose()
    return elapsed * 1000


def main() -> None:
    log_filter = MaskPersonalData()

    def log_record() -> None:
        log_filter.filter(logging.makeLogRecord({"msg": "bot turn", "text": MESSAGE, "intent": "logistics"}))

    figures = {
        "stored-text secret check (µs/message)": per_call_us(lambda: mask_secrets(MESSAGE), 20_000),
        "log masking, message text (µs/message)": per_call_us(lambda: mask_all(MESSAGE), 20_000),
        "log filter, one record with the text (µs)": per_call_us(log_record, 20_000),
        "rate-limit check over 10k keys (µs)": asyncio.run(limiter_us(200_000)),
        "migrations on a fresh SQLite database (ms)": asyncio.run(migrate_ms()),
    }
    for name, value in figures.items():
        print(f"{name:<45} {value:8.1f}")


if __name__ == "__main__":
    main()
