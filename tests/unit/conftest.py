"""Fixtures shared by the unit tests: the default encoder, the other business's KB, a fresh database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from kb_index.encoders import Encoder, get_encoder
from kb_index.entries import KBEntry, parse_kb_file
from kefu.db import create_schema, make_engine, session_factory

OTHER_KB = Path(__file__).resolve().parent.parent / "data" / "other_kb.jsonl"


@pytest.fixture(scope="session")
def enc() -> Encoder:
    return get_encoder("use")


@pytest.fixture(scope="session")
def entries() -> list[KBEntry]:
    return parse_kb_file(OTHER_KB.name, OTHER_KB.read_bytes())


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[AsyncSession]:
    """A session on a fresh SQLite database with the product's schema."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'kefu.db'}")
    await create_schema(engine)
    async with session_factory(engine)() as session:
        yield session
    await engine.dispose()
