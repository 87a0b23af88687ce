"""Shared fixtures: the real product (Rasa, action server, gateway) on free ports."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import httpx
import pytest

DATA = Path(__file__).parent / "data"
AGENT = ("agent1", "agent-pass-1")
AGENT2 = ("agent2", "agent-pass-2")
LOGISTICS_AGENT = ("agent3", "agent-pass-3")  # works the 物流部 queue only
ADMIN = ("admin", "admin-pass-1")
# A company site allowed to call the API from its pages (KEFU_CORS_ORIGINS).
ALLOWED_ORIGIN = "https://shop.example.com"


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
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def service_missing(reason: str) -> NoReturn:
    """Skip with the reason; under KEFU_REQUIRE_SERVICES=1 (CI) fail instead."""
    if os.environ.get("KEFU_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (KEFU_REQUIRE_SERVICES=1 requires it)")
    pytest.skip(reason)


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
        service_missing(f"PostgreSQL not reachable at {POSTGRES_URL}: {error}")
    name = f"kefu_test_{uuid.uuid4().hex[:8]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def redis_answers(url: str) -> bool:
    import redis

    try:
        with redis.Redis.from_url(url, socket_connect_timeout=2) as connection:
            return bool(connection.ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """REDIS_URL (default the local server), or a redis-server of our own on a free port when none answers."""
    if redis_answers(REDIS_URL):
        yield REDIS_URL
        return
    binary = shutil.which("redis-server")
    if binary is None:
        service_missing(f"Redis not reachable at {REDIS_URL} and no redis-server to start")
    port = free_port()
    server = subprocess.Popen(
        [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while not redis_answers(url):
            if time.monotonic() > deadline or server.poll() is not None:
                service_missing(f"Redis not reachable at {REDIS_URL} and redis-server on port {port} did not start")
            time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def product(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Product]:
    """Train (cached by data hash), seed the demo KB, start all three services, on each database."""
    with database(request.param) as database_url:
        yield from _run_product(tmp_path_factory, database_url)


def _run_product(
    tmp_path_factory: pytest.TempPathFactory, database_url: str | None, extra: dict[str, str] | None = None
) -> Iterator[Product]:
    """The product on its own data directory and ports; ``extra`` environment on top (e.g. KEFU_TRAIN_EPOCHS)."""
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
        "KEFU_CORS_ORIGINS": ALLOWED_ORIGIN,
        **(extra or {}),
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
