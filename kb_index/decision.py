"""The KB's three bands (answer / suggest / miss), shared by the bot and ``GET /api/v1/kb/search``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kb_index.index import Hit
from kefu.settings import Settings

Outcome = Literal["answer", "suggest", "miss"]


@dataclass(frozen=True)
class Bands:
    """Where the bands start (kb_index.calibration chooses the cuts and the margin)."""

    answer: float
    suggest: float
    margin: float
    max_choices: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Bands:
        return cls(settings.kb_answer_threshold, settings.kb_suggest_threshold, settings.kb_answer_margin,
                   settings.kb_suggest_max)


@dataclass(frozen=True)
class Lookup:
    outcome: Outcome
    hits: list[Hit]
    choices: list[Hit]
    """The entries offered after "您是不是想问：", best first; empty unless suggesting."""

    @property
    def miss(self) -> bool:
        return self.outcome == "miss"


def without_entries(hits: list[Hit], excluded: frozenset[str]) -> list[Hit]:
    """The hits but for entries this question must not be answered with (a low rating taught that)."""
    return [hit for hit in hits if hit.entry.id not in excluded] if excluded else hits


def decide(hits: list[Hit], bands: Bands) -> Lookup:
    """Answer a confident best entry, offer the best few when the best is plausible, or miss.

    Answering needs the best entry above ``bands.answer`` and at least ``bands.margin`` ahead
    of the runner-up: close scores are a coin toss between entries, which costs a wrong answer,
    while a suggestion only costs the customer a tap. An exact question match (a pressed
    button among them) is always answered.
    """
    if not hits or hits[0].score < bands.suggest:
        return Lookup("miss", hits, [])
    best, runner_up = hits[0], hits[1].score if len(hits) > 1 else 0.0
    if best.exact or (best.score >= bands.answer and best.score - runner_up >= bands.margin):
        return Lookup("answer", hits, [])
    # The runners-up are offered even below the cut: the best one says the question is in the KB's
    # domain, and on the calibration rows they carry the right entry 4–7 points more often.
    return Lookup("suggest", hits, hits[: bands.max_choices])
