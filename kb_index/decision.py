"""The miss decision shared by the bot and ``GET /api/v1/kb/search``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kb_index.index import Hit

Outcome = Literal["answer", "clarify", "miss"]


@dataclass(frozen=True)
class Lookup:
    outcome: Outcome
    hits: list[Hit]

    @property
    def miss(self) -> bool:
        return self.outcome == "miss"

    @property
    def choices(self) -> list[Hit]:
        """The two entries offered when the bot asks "您是想问：A，还是B？"."""
        return self.hits[:2] if self.outcome == "clarify" else []


def decide(hits: list[Hit], threshold: float, margin: float) -> Lookup:
    """Answer when the best entry clears the threshold, clearly ahead of the runner-up.

    Two entries above the threshold within ``margin`` of each other are a coin toss, so
    the bot asks instead of guessing; an exact question match never needs asking.
    """
    if not hits or hits[0].score < threshold:
        return Lookup("miss", hits)
    best, runner_up = hits[0], hits[1] if len(hits) > 1 else None
    close = runner_up is not None and runner_up.score >= threshold and best.score - runner_up.score < margin
    return Lookup("clarify" if close and not best.exact else "answer", hits)
