"""Prometheus metrics of the service: turns, latency, handoffs, queue, 服务忌语."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

TURNS = Counter("kefu_turns_total", "Customer messages, by who handled them", ["handled_by"])
TURN_SECONDS = Histogram(
    "kefu_bot_turn_seconds", "Gateway time for a customer message answered by the bot",
    buckets=(0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 3, 5),
)
HANDOFFS = Counter("kefu_handoffs_total", "Conversations handed to people, by reason", ["reason"])
QUEUE_LENGTH = Gauge("kefu_queue_length", "Work orders waiting for an agent")
FORBIDDEN_PHRASES = Counter("kefu_forbidden_phrases_total", "Agent messages that contained 服务忌语")
