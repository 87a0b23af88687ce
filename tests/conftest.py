"""Shared fixtures: the real product (Rasa, action server, gateway) on free ports."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

DATA = Path(__file__).parent / "data"
AGENT = ("agent1", "agent-pass-1")
AGENT2 = ("agent2", "agent-pass-2")
LOGISTICS_AGENT = ("agent3", "agent-pass-3")  # works the 物流部 queue only
ADMIN = ("admin", "admin-pass-1")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Product:
    base_url: str
    data_dir: Path

    @property
    def api(self) -> str:
        return f"{self.base_url}/api/v1"

    def staff_headers(self, client: httpx.Client, user: tuple[str, str]) -> dict[str, str]:
        response = client.post(f"{self.api}/auth/token", data={"username": user[0], "password": user[1]})
        response.raise_for_status()
        return {"Authorization": f"Bearer {response.json()['access_token']}"}


POSTGRES_URL = os.environ.get("KEFU_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def database(kind: str) -> Iterator[str | None]:
    """None for the embedded SQLite default; else the URL of a fresh PostgreSQL database."""
    if kind == "sqlite":
        yield None
        return
    import psycopg

    try:
        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        if os.environ.get("KEFU_REQUIRE_SERVICES") == "1":
            pytest.fail(f"PostgreSQL is required (KEFU_REQUIRE_SERVICES=1) but unreachable: {error}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {error}")
    name = f"kefu_test_{uuid.uuid4().hex[:8]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def product(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Product]:
    """Train (cached by data hash), seed the demo KB, start all three services, on each database."""
    with database(request.param) as database_url:
        yield from _run_product(tmp_path_factory, database_url)


def _run_product(tmp_path_factory: pytest.TempPathFactory, database_url: str | None) -> Iterator[Product]:
    from kefu.cli import setup
    from kefu.services import product_services, start_all, stop_all
    from kefu.settings import Settings

    data_dir = tmp_path_factory.mktemp("kefu-data")
    environment = {
        "DATABASE_URL": database_url,
        "KEFU_DATA_DIR": str(data_dir),
        "KEFU_PORT": str(free_port()),
        "RASA_PORT": str(free_port()),
        "ACTIONS_PORT": str(free_port()),
        "KEFU_BOOTSTRAP_AGENT": ",".join(
            [f"{AGENT[0]}:{AGENT[1]}", f"{AGENT2[0]}:{AGENT2[1]}", f"{LOGISTICS_AGENT[0]}@物流部:{LOGISTICS_AGENT[1]}"]
        ),
        "KEFU_BOOTSTRAP_ADMIN": f"{ADMIN[0]}:{ADMIN[1]}",
    }
    saved = {name: os.environ.get(name) for name in environment}
    _set_environment(environment)
    _reset_cached_settings()
    settings = Settings()
    setup(settings)
    services = product_services(settings)
    start_all(services, data_dir / "logs")
    try:
        yield Product(base_url=f"http://127.0.0.1:{settings.port}", data_dir=data_dir)
    finally:
        stop_all(services)
        _set_environment(saved)
        _reset_cached_settings()


def _set_environment(values: dict[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _reset_cached_settings() -> None:
    from kb_index.service import get_store
    from kefu.settings import get_settings

    get_settings.cache_clear()
    get_store.cache_clear()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as http:
        yield http
