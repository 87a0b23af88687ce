"""Rasa's in-memory tracker store, kept for the life of the Rasa process.

Loading a new model through Rasa's HTTP API (``PUT /model``) builds a new agent with a new
tracker store; the stock in-memory store would start empty and every conversation would
lose its slots (a pending rating, the miss count). This store keeps one process-wide dict
of trackers instead, so a retrained model takes over the conversations where they are.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain


class ProcessTrackerStore(InMemoryTrackerStore):
    _trackers: ClassVar[dict[str, str]] = {}

    def __init__(self, domain: Domain, event_broker: EventBroker | None = None, **kwargs: Any) -> None:
        super().__init__(domain, event_broker, **kwargs)
        self.store = ProcessTrackerStore._trackers
