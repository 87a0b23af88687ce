"""Starting, watching and stopping the three processes: Rasa, the action server, the gateway.

``kefu run`` and the test suite start the product the same way, through this module.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy.engine import make_url

from kefu.settings import PROJECT_ROOT, Settings
from kefu.training import RASA_BIN, model_path, rasa_env

APP_PYTHON = Path(sys.executable)


@dataclass
class Service:
    name: str
    argv: list[str]
    health_url: str
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    def start(self, log_dir: Path) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        log = open(log_dir / f"{self.name}.log", "ab")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(
            self.argv, cwd=PROJECT_ROOT, env={**os.environ, **self.env},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def healthy(self) -> bool:
        try:
            return httpx.get(self.health_url, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that makes a child process see the same settings."""
    env = {
        "KEFU_DATA_DIR": str(settings.data_dir),
        "KEFU_MODELS_DIR": str(settings.models_dir),
        "KEFU_PORT": str(settings.port),
        "RASA_PORT": str(settings.rasa_port),
        "ACTIONS_PORT": str(settings.actions_port),
        "KEFU_ENCODER": settings.encoder,
    }
    if settings.database_url:
        env["DATABASE_URL"] = settings.database_url
    if settings.redis_url:
        env["REDIS_URL"] = settings.redis_url
        env["KEFU_REDIS_PREFIX"] = settings.redis_prefix
    return env


def rasa_endpoints(settings: Settings) -> dict[str, Any]:
    """Rasa's endpoints: our action server; with PostgreSQL the conversation trackers in the same
    database (so any Rasa replica, or a restarted one, carries on a conversation); with Redis
    the conversation locks there (so two replicas never run one conversation's turns at once)."""
    endpoints: dict[str, Any] = {"action_endpoint": {"url": f"{settings.actions_url}/webhook"}}
    database = make_url(settings.database_url) if settings.database_url else None
    if database is not None and database.get_backend_name() in ("postgresql", "postgres"):
        endpoints["tracker_store"] = {
            "type": "SQL", "dialect": "postgresql", "url": database.host or "localhost",
            "port": database.port or 5432, "db": database.database, "username": database.username,
            "password": database.password,
        }
    else:
        # In memory, but kept across a model loaded into the running server (PUT /model, retraining).
        endpoints["tracker_store"] = {"type": "bot.tracker_store.ProcessTrackerStore"}
    if settings.redis_url:
        redis = urlsplit(settings.redis_url)
        endpoints["lock_store"] = {
            "type": "redis", "url": redis.hostname or "localhost", "port": redis.port or 6379,
            "db": int(redis.path.strip("/") or 0), "password": redis.password, "key_prefix": settings.redis_prefix,
        }
    return endpoints


def write_rasa_endpoints(settings: Settings) -> Path:
    """One file per Rasa server (by port) under the data dir; JSON is YAML, and Rasa reads it."""
    path = settings.data_dir / f"rasa-endpoints-{settings.rasa_port}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)  # it may hold the database password
    path.write_text(json.dumps(rasa_endpoints(settings), indent=2))
    return path


def product_services(settings: Settings) -> list[Service]:
    env = settings_env(settings)
    rasa = Service(
        "rasa",
        [
            str(RASA_BIN), "run", "--enable-api", "--model", str(model_path(settings)),
            "--port", str(settings.rasa_port), "--interface", "127.0.0.1",
            "--endpoints", str(write_rasa_endpoints(settings)), "--credentials", "credentials.yml",
        ],
        health_url=f"{settings.rasa_url}/status",
        env={**rasa_env(), **env},
    )
    actions = Service(
        "actions",
        [str(APP_PYTHON), "-m", "rasa_sdk", "--actions", "bot.actions", "--port", str(settings.actions_port)],
        health_url=f"{settings.actions_url}/health",
        env=env,
    )
    gateway = Service(
        "gateway",
        [
            str(APP_PYTHON), "-m", "uvicorn", "gateway.main:app",
            "--host", settings.host, "--port", str(settings.port), "--no-access-log",
        ],
        health_url=f"http://127.0.0.1:{settings.port}/healthz",
        env=env,
    )
    return [actions, rasa, gateway]


def start_all(services: list[Service], log_dir: Path, timeout_s: float = 240) -> None:
    """Start every service and wait until each answers its health check."""
    for service in services:
        service.start(log_dir)
    deadline = time.monotonic() + timeout_s
    for service in services:
        while not service.healthy():
            if service.process and service.process.poll() is not None:
                stop_all(services)
                raise RuntimeError(f"{service.name} exited; see {log_dir / service.name}.log")
            if time.monotonic() > deadline:
                stop_all(services)
                raise TimeoutError(f"{service.name} did not become healthy; see {log_dir / service.name}.log")
            time.sleep(0.5)


def stop_all(services: list[Service]) -> None:
    for service in reversed(services):
        service.stop()
