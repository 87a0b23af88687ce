"""Calibrate the KB's bands (answer / suggest / miss) on rows that ``kefu eval`` never reports.

    .venv/bin/python -m kb_index.calibration     # prints the kb_answer_* and kb_suggest_threshold settings

Rows, per KB (the demo KB and the other business's KB, so that a cut must hold on both):
- Answerable: every similar question the evaluation does not ask, asked of its KB without it.
  The evaluation asks each demo entry's last similar question, so the demo KB here never has
  it (nor asks it); the other KB is reported on separate questions (other_kb_queries.jsonl),
  so all its similar questions take their turn.
- Off-topic: the NLU's out-of-scope examples at even positions (the odd ones are reported) and
  ``data/off_topic_calibration.txt``, questions of the same kind written for calibration only,
  none a reported one reworded (the NLU's few dozen alone cannot tell a 3% rate from 0%).

One KB's rows alone do not carry over: cut on the demo KB, the other KB's calibration rows got
6% wrong answers (and the other way round 5%), hence the bound on every KB.

Rules, on each KB's rows:
- Answer: the best entry must clear the answer cut and lead the runner-up by the margin. For
  each margin, the lowest cut from which on, at every higher cut, answers are wrong at most
  ``kb_max_wrong_answer_rate`` on every KB: answerable questions answered with another entry,
  and off-topic questions answered, each as a share of its own rows. Of these (cut, margin)
  pairs, the one that answers the most answerable questions with the right entry.
- Suggest: Youden's J, reach minus the off-topic suggestion rate, averaged over the KBs (a right
  entry offered is worth as much as an off-topic question spared a pointless offer). Its curve
  is flat near the top, so the best cut is noise among its neighbours: the suggest cut is the
  lowest (not above the answer cut) whose J is within one standard error of the best, the one
  that reaches the most questions among equally good cuts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from kb_index.decision import Bands
from kb_index.encoders import Encoder, get_encoder
from kb_index.entries import KBEntry, load_jsonl_file
from kb_index.evaluation import FOREIGN_KB, Case, KBFigures, kb_figures, out_of_scope_for_calibration, search_cases
from kb_index.index import KBIndex
from kefu.settings import Settings, get_settings

OFF_TOPIC = Path(__file__).resolve().parent / "data" / "off_topic_calibration.txt"
CUTS = np.round(np.arange(0.30, 1.001, 0.01), 2)
MARGINS = np.round(np.arange(0.0, 0.301, 0.01), 2)


@dataclass(frozen=True)
class CalibrationKB:
    name: str
    entries: list[KBEntry]
    reported: int  # trailing similar questions per entry that the evaluation asks: never used here


def written_off_topic_questions() -> list[str]:
    return [line.strip() for line in OFF_TOPIC.read_text(encoding="utf-8").splitlines() if line.strip()]


def off_topic_questions() -> list[str]:
    return out_of_scope_for_calibration() + written_off_topic_questions()


def unreported(kb: CalibrationKB) -> list[KBEntry]:
    """The KB as calibration may see it: without the similar questions the evaluation asks."""
    return [KBEntry(e.id, e.question, e.answer, e.category, e.similar[: len(e.similar) - kb.reported])
            for e in kb.entries]


def held_out_folds(kb: CalibrationKB) -> list[tuple[list[KBEntry], list[tuple[str, str]]]]:
    """(KB, questions to ask it): fold j asks each entry's similar question j, which its KB lacks."""
    entries = unreported(kb)
    return [
        ([KBEntry(e.id, e.question, e.answer, e.category, e.similar[:j] + e.similar[j + 1 :]) for e in entries],
         [(e.similar[j], e.id) for e in entries if j < len(e.similar)])
        for j in range(max((len(e.similar) for e in entries), default=0))
    ]


def calibration_cases(kb: CalibrationKB, off_topic: list[str], encoder: Encoder, settings: Settings) -> list[Case]:
    """Every row searched once (the bands are then tried on its hits); off-topic ones of the whole KB."""
    vectors = KBIndex.build(kb.entries, encoder).vectors_by_text()  # each question encoded once
    cases = [case for kept, asked in held_out_folds(kb)
             for case in search_cases(KBIndex.build(kept, encoder, vectors), asked, settings)]
    whole = KBIndex.build(unreported(kb), encoder, vectors)
    return cases + search_cases(whole, [(question, None) for question in off_topic], settings)


def answer_bands(per_kb: list[list[Case]], max_wrong: float, max_choices: int) -> Bands:
    """The (cut, margin) answering most rows right with wrong answers at most ``max_wrong`` on every KB.

    The suggest cut is left at the answer cut; ``suggest_threshold`` sets it.
    """

    def figures(cut: float, margin: float) -> list[KBFigures]:
        return [kb_figures(cases, Bands(cut, cut, margin, max_choices)) for cases in per_kb]

    def safe(cut: float, margin: float) -> bool:
        return all(f.wrong_answer_rate <= max_wrong and f.offtopic_answer_rate <= max_wrong
                   for f in figures(cut, margin))

    candidates = []
    for margin in MARGINS:
        safe_cuts = [safe(cut, margin) for cut in CUTS]
        # The lowest cut from which every higher one is safe too (one lucky cut is no cut).
        unsafe_from_top = next((i for i, ok in enumerate(reversed(safe_cuts)) if not ok), len(CUTS))
        if unsafe_from_top > 0:
            lowest = CUTS[len(CUTS) - unsafe_from_top]
            right = float(np.mean([f.right_answer_rate for f in figures(lowest, margin)]))
            candidates.append((right, -margin, Bands(float(lowest), float(lowest), float(margin), max_choices)))
    if not candidates:
        raise ValueError("no cut keeps wrong answers within the bound")
    return max(candidates, key=lambda candidate: candidate[:2])[2]


def suggest_threshold(per_kb: list[list[Case]], bands: Bands) -> float:
    """The lowest cut (up to the answer cut) within one standard error of the best mean Youden's J."""
    answerable = [sum(expected is not None for _, expected in cases) for cases in per_kb]
    off_topic = [len(cases) - n for cases, n in zip(per_kb, answerable, strict=True)]

    def youden(cut: float) -> tuple[float, float]:
        """Mean reach minus off-topic suggestion rate, and its binomial standard error."""
        figures = [kb_figures(cases, replace(bands, suggest=cut)) for cases in per_kb]
        variance = sum(f.reach * (1 - f.reach) / n + f.offtopic_suggest_rate * (1 - f.offtopic_suggest_rate) / m
                       for f, n, m in zip(figures, answerable, off_topic, strict=True))
        return float(np.mean([f.reach - f.offtopic_suggest_rate for f in figures])), variance**0.5 / len(per_kb)

    cuts = [float(cut) for cut in CUTS if cut <= bands.answer]
    scores = [youden(cut) for cut in cuts]
    best, error = max(scores)
    # Cuts within noise of the best are no worse; the lowest of them reaches the most questions.
    return next(cut for cut, (score, _) in zip(cuts, scores, strict=True) if score >= best - error)


def calibrate(per_kb: list[list[Case]], settings: Settings) -> Bands:
    bands = answer_bands(per_kb, settings.kb_max_wrong_answer_rate, settings.kb_suggest_max)
    return replace(bands, suggest=suggest_threshold(per_kb, bands))


def calibration_kbs(settings: Settings) -> list[CalibrationKB]:
    return [CalibrationKB("own KB", load_jsonl_file(str(settings.kb_seed_file)), reported=1),
            CalibrationKB("other KB", load_jsonl_file(str(FOREIGN_KB)), reported=0)]


def main() -> None:
    settings = get_settings()
    encoder = get_encoder(settings.encoder)
    off_topic = off_topic_questions()
    kbs = calibration_kbs(settings)
    per_kb = [calibration_cases(kb, off_topic, encoder, settings) for kb in kbs]
    bands = calibrate(per_kb, settings)
    for kb, cases in zip(kbs, per_kb, strict=True):
        figures = kb_figures(cases, bands)
        print(f"{kb.name}: {sum(e is not None for _, e in cases)} answerable, "
              f"{sum(e is None for _, e in cases)} off-topic rows; "
              + ", ".join(f"{name} {value:.3f}" for name, value in asdict(figures).items()))
    print(f"kb_answer_threshold = {bands.answer}")
    print(f"kb_answer_margin = {bands.margin}")
    print(f"kb_suggest_threshold = {bands.suggest}")


if __name__ == "__main__":
    main()
