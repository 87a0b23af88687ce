"""The Alembic migrations build exactly the models, on a fresh SQLite and a fresh PostgreSQL database.

A model changed without a migration makes these tests fail.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from kefu.db import INITIAL_REVISION, alembic_config, create_schema, import_models, make_engine, our_tables_only
from tests.conftest import database


@pytest.fixture(params=["sqlite", "postgresql"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A fresh, empty database of each kind."""
    with database(request.param) as url:
        engine = make_engine(url or f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
        yield engine
        await engine.dispose()


def differences(connection: Connection) -> list:
    options = {"compare_type": True, "include_name": our_tables_only}
    return compare_metadata(MigrationContext.configure(connection, opts=options), import_models())


def revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def run(engine: AsyncEngine, step, *args):  # type: ignore[no-untyped-def]
    async with engine.begin() as connection:
        return await connection.run_sync(step, *args)


def test_one_line_of_migrations() -> None:
    """Two helpers' migrations on the same parent must be merged, not left as two heads."""
    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


async def test_migrations_equal_the_models(engine: AsyncEngine) -> None:
    await create_schema(engine)
    assert await run(engine, differences) == []
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert await run(engine, revision) == head
    # Start-up runs it every time: a second run at head changes nothing.
    await create_schema(engine)
    assert await run(engine, revision) == head


async def test_downgrade_to_nothing_and_back(engine: AsyncEngine) -> None:
    await create_schema(engine)
    await run(engine, lambda connection: command.downgrade(alembic_config(connection), "base"))
    assert await run(engine, tables) == {"alembic_version"}
    await create_schema(engine)
    assert await run(engine, differences) == []


async def test_a_database_from_before_migrations_is_adopted_with_its_rows(engine: AsyncEngine) -> None:
    """create_all made the initial schema without a version table; start-up must upgrade it in place,
    keeping the rows, also where a migration rebuilds a table other tables refer to (SQLite)."""
    await run(engine, lambda connection: command.upgrade(alembic_config(connection), INITIAL_REVISION))
    await run(engine, lambda connection: connection.execute(text("DROP TABLE alembic_version")))
    await run(engine, insert_rows)
    await create_schema(engine)
    assert await run(engine, differences) == []
    assert await run(engine, lambda connection: connection.execute(text(
        "SELECT s.customer_id, m.text FROM sessions s JOIN messages m ON m.session_id = s.id"
    )).all()) == [("c1", "你好")]


def insert_rows(connection: Connection) -> None:
    connection.execute(text(
        "INSERT INTO sessions (id, token_hash, channel, customer_id, state, rasa_epoch, last_seq, created_at)"
        " VALUES ('s1', 'h', 'web', 'c1', 'bot', 0, 1, CURRENT_TIMESTAMP)"
    ))
    connection.execute(text(
        "INSERT INTO messages (session_id, seq, sender, text, created_at)"
        " VALUES ('s1', 1, 'customer', '你好', CURRENT_TIMESTAMP)"
    ))


async def test_tables_of_others_in_the_database_are_left_alone(engine: AsyncEngine) -> None:
    """Rasa's tracker store shares the PostgreSQL database; its tables are no difference to migrate."""
    await create_schema(engine)
    await run(engine, lambda connection: connection.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY)")))
    assert await run(engine, differences) == []
    await create_schema(engine)
    assert "events" in await run(engine, tables)
