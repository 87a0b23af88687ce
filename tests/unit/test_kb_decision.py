"""The KB's three bands: answer, suggest (1 to 3 choices), miss."""

from __future__ import annotations

import pytest

from kb_index.decision import Bands, decide
from kb_index.entries import KBEntry
from kb_index.index import Hit
from kefu.settings import Settings

BANDS = Bands(answer=0.70, suggest=0.50, margin=0.10, max_choices=3)
A, B, C, D = (KBEntry(id=name, question=f"问题{name}", answer=f"答{name}") for name in "abcd")


def hit(entry: KBEntry, score: float, exact: bool = False) -> Hit:
    return Hit(entry=entry, score=score, dense=score, lexical=0.0, exact=exact)


def ids(hits: list[Hit]) -> list[str]:
    return [h.entry.id for h in hits]


def test_no_hits_is_a_miss() -> None:
    lookup = decide([], BANDS)
    assert (lookup.outcome, lookup.miss, lookup.choices) == ("miss", True, [])


def test_a_best_entry_below_the_suggest_cut_is_a_miss_offering_nothing() -> None:
    hits = [hit(A, 0.49), hit(B, 0.30)]
    lookup = decide(hits, BANDS)
    assert (lookup.outcome, lookup.choices, lookup.hits) == ("miss", [], hits)


@pytest.mark.parametrize(
    "hits",
    [[hit(A, 0.80)], [hit(A, 0.80), hit(B, 0.65)], [hit(A, 0.70), hit(B, 0.55)]],
    ids=["alone", "clear-lead", "at-the-cut"],
)
def test_a_confident_clear_best_entry_is_answered(hits: list[Hit]) -> None:
    lookup = decide(hits, BANDS)
    assert (lookup.outcome, lookup.miss, lookup.choices) == ("answer", False, [])
    assert lookup.hits[0].entry.id == "a"


def test_a_close_runner_up_turns_a_confident_answer_into_a_suggestion() -> None:
    lookup = decide([hit(A, 0.90), hit(B, 0.85), hit(C, 0.40)], BANDS)
    assert lookup.outcome == "suggest" and not lookup.miss
    assert ids(lookup.choices) == ["a", "b", "c"]  # c too: the best says the question is in the KB's domain


def test_an_exact_question_is_answered_however_close_the_runner_up() -> None:
    lookup = decide([hit(A, 1.0, exact=True), hit(B, 0.99)], BANDS)
    assert (lookup.outcome, lookup.choices) == ("answer", [])


@pytest.mark.parametrize(
    ("scores", "offered"),
    [
        ([0.60], ["a"]),
        ([0.65, 0.40], ["a", "b"]),
        ([0.69, 0.60, 0.30, 0.20], ["a", "b", "c"]),  # d too is a hit, but three at most
    ],
    ids=["one", "two", "three"],
)
def test_a_plausible_best_entry_offers_the_best_few_first(scores: list[float], offered: list[str]) -> None:
    lookup = decide([hit(entry, score) for entry, score in zip((A, B, C, D), scores, strict=False)], BANDS)
    assert lookup.outcome == "suggest"
    assert ids(lookup.choices) == offered


def test_max_choices_is_obeyed() -> None:
    lookup = decide([hit(A, 0.6), hit(B, 0.6), hit(C, 0.6)], Bands(0.7, 0.5, 0.1, max_choices=2))
    assert ids(lookup.choices) == ["a", "b"]


def test_bands_come_from_settings() -> None:
    settings = Settings(kb_answer_threshold=0.8, kb_suggest_threshold=0.4, kb_answer_margin=0.05, kb_suggest_max=2)
    assert Bands.from_settings(settings) == Bands(answer=0.8, suggest=0.4, margin=0.05, max_choices=2)


def test_the_settings_bands_are_ordered() -> None:
    bands = Bands.from_settings(Settings())
    assert 0 < bands.suggest <= bands.answer < 1 and bands.margin >= 0 and bands.max_choices == 3
