"""What one customer turn produced: the session's owner afterwards and the replies it got."""

from __future__ import annotations

from dataclasses import dataclass, field

from gateway.models import ChatMessage


@dataclass
class TurnResult:
    state: str
    replies: list[ChatMessage] = field(default_factory=list)
    work_order_id: str | None = None
