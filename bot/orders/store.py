"""Order look-up: an interface for the company's order system and a SQLite demo store."""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

SAMPLE_ORDERS = Path(__file__).with_name("sample_orders.json")


@dataclass(frozen=True)
class Order:
    order_id: str
    status: str
    detail: str


class OrderStore(Protocol):
    def find(self, order_id: str) -> Order | None: ...


class SqliteOrderStore:
    """Demo store, seeded with the sample orders on first use."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(path, check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock, self._connection:
            self._connection.execute(
                "CREATE TABLE IF NOT EXISTS orders (order_id TEXT PRIMARY KEY, status TEXT, detail TEXT)"
            )
            if not self._connection.execute("SELECT 1 FROM orders LIMIT 1").fetchone():
                rows = json.loads(SAMPLE_ORDERS.read_text(encoding="utf-8"))
                self._connection.executemany(
                    "INSERT INTO orders VALUES (:order_id, :status, :detail)", rows
                )

    def find(self, order_id: str) -> Order | None:
        with self._lock:
            row = self._connection.execute(
                "SELECT order_id, status, detail FROM orders WHERE order_id = ?", (order_id.upper(),)
            ).fetchone()
        return Order(*row) if row else None
