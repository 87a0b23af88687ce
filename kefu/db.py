"""The SQLAlchemy engine, session factory and schema migrations (SQLite under KEFU_DATA_DIR by default)."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, DateTime, Dialect, MetaData, TypeDecorator, event, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

from kefu.settings import PROJECT_ROOT

MIGRATIONS_DIR = PROJECT_ROOT / "kefu" / "migrations"
# The revision that equals the schema create_all made before migrations existed.
INITIAL_REVISION = "0001"
# Gateway replicas starting together on one PostgreSQL database migrate one after the other
# (the key is "kefu" in ASCII).
MIGRATION_LOCK_KEY = 0x6B656675


class Base(DeclarativeBase):
    # Named constraints and indexes, so a later migration can drop or alter them on every database.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps in UTC, zone-aware on the way out too: SQLite stores none and would hand
    back naive values that print and compare differently from fresh ones."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.astimezone(UTC) if value is not None and value.tzinfo else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def utcnow() -> datetime:
    return datetime.now(UTC)


def async_url(url: str) -> str:
    """Accept the usual ``postgresql://`` URL and drive it with psycopg's async mode."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str) -> AsyncEngine:
    engine = create_async_engine(async_url(url), pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(connection, _record) -> None:  # type: ignore[no-untyped-def]
            # WAL lets the agent's reads run beside the customers' writes.
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
    return engine


def import_models() -> MetaData:
    """Base.metadata with every table registered (importing the models registers them)."""
    import gateway.models  # noqa: F401
    import handoff.models  # noqa: F401

    return Base.metadata


def our_tables_only(name: str | None, kind: str, parent_names: dict[str, str | None]) -> bool:
    """Rasa keeps its trackers in the same PostgreSQL database: migrations leave its tables alone."""
    return kind != "table" or name in Base.metadata.tables


def alembic_config(connection: Connection | None = None) -> Config:
    """The migrations' configuration; with a connection, env.py migrates through it."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
    tables = set(inspect(connection).get_table_names())
    if "sessions" in tables and "alembic_version" not in tables:
        # A database made by create_all before migrations existed: it is the initial revision.
        command.stamp(alembic_config(connection), INITIAL_REVISION)
    command.upgrade(alembic_config(connection), "head")


async def create_schema(engine: AsyncEngine) -> None:
    """Bring the database to the latest migration (a new database gets every table)."""
    sqlite = engine.dialect.name == "sqlite"
    async with engine.connect() as connection:
        if sqlite:
            # SQLite migrations rebuild a table to alter it; enforcing foreign keys meanwhile would
            # delete or refuse the rows that point at it. The pragma only works between transactions.
            await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            await connection.run_sync(_upgrade)
            await connection.commit()
        finally:
            if sqlite:
                await connection.rollback()
                await connection.exec_driver_sql("PRAGMA foreign_keys=ON")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)

