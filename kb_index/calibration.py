"""Calibrate the answer threshold on rows that ``kefu eval`` never reports.

    .venv/bin/python -m kb_index.calibration     # prints the threshold for KEFU_KB_ANSWER_THRESHOLD

The demo KB and the NLU's out-of-scope examples are split in two: ``kefu eval`` reports each
entry's last similar question and the out-of-scope examples at odd positions; calibration
asks each entry's second-to-last similar question (against the KB without its last two) and
the out-of-scope examples at even positions. Paraphrases written by KB maintainers behave
like the reported ones, which leave-one-out over near-identical variants does not.
The threshold is the cut that handles the calibration rows right most often, counted the way
the evaluation's joint accuracy counts them.
"""

from __future__ import annotations

import numpy as np

from kb_index.encoders import Encoder, get_encoder
from kb_index.entries import KBEntry, load_jsonl_file
from kb_index.evaluation import configured_search, out_of_scope_for_calibration
from kb_index.index import KBIndex
from kefu.settings import Settings, get_settings


def calibration_split(entries: list[KBEntry]) -> tuple[list[KBEntry], list[tuple[str, str]]]:
    """The KB without each entry's last two similar questions, and (second-to-last, entry id) to ask it."""
    kept = [KBEntry(e.id, e.question, e.answer, e.category, e.similar[:-2]) for e in entries]
    asked = [(e.similar[-2], e.id) for e in entries if len(e.similar) >= 2]
    return kept, asked


def calibration_cases(
    entries: list[KBEntry], off_topic: list[str], encoder: Encoder, settings: Settings
) -> tuple[list[tuple[bool, float]], list[float]]:
    """(right entry first?, score) for answerable questions; best scores for off-topic ones."""
    kept, asked = calibration_split(entries)
    index = KBIndex.build(kept, encoder)

    def best(question: str) -> tuple[str | None, float]:
        hits = configured_search(index, question, settings, k=1)
        return (hits[0].entry.id, hits[0].score) if hits else (None, 0.0)

    answerable = [(found == entry_id, score) for question, entry_id in asked for found, score in [best(question)]]
    return answerable, [best(question)[1] for question in off_topic]


def best_threshold(answerable: list[tuple[bool, float]], unanswerable: list[float]) -> float:
    """The cut (hundredths) maximising joint accuracy: right answers plus refused off-topic questions."""
    cuts = np.round(np.arange(0.30, 0.96, 0.01), 2)

    def handled_right(cut: float) -> int:
        return sum(right and score >= cut for right, score in answerable) + sum(s < cut for s in unanswerable)

    return float(max(cuts, key=handled_right))


def main() -> None:
    settings = get_settings()
    entries = load_jsonl_file(str(settings.kb_seed_file))
    answerable, unanswerable = calibration_cases(
        entries, out_of_scope_for_calibration(), get_encoder(settings.encoder), settings
    )
    print(best_threshold(answerable, unanswerable))


if __name__ == "__main__":
    main()
