"""Prints the per-intent F1 table and the confidence floors from a ``rasa test nlu`` results folder.

Usage: python -m kefu.reports results/nlu [--precision 0.97]

The floors come from cross-validated predictions (``intent_successes.json`` and
``intent_errors.json``, written by ``rasa test nlu --cross-validation --successes``): every
prediction was made by a model that never saw that example, so a floor chosen here is not
tuned on the rows it is judged by. They feed ``Settings.intent_floors``.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

SUMMARY_ROWS = ("accuracy", "macro avg", "weighted avg", "micro avg")
# The bar for an intent whose action ends, diverts or delays the conversation.
DEFAULT_PRECISION = 0.97
# Floors are read off a grid of 0.01: finer steps would only fit the noise of a few hundred predictions.
FLOOR_GRID = [step / 100 for step in range(101)]


@dataclass(frozen=True)
class Prediction:
    intent: str  # the example's label
    predicted: str
    confidence: float


@dataclass(frozen=True)
class Floor:
    intent: str
    floor: float | None  # None: no floor on the grid reaches the precision
    precision: float  # of the predictions at or above the floor (at 0.0 when there is no floor)
    recall: float  # share of the intent's examples still predicted as it at or above the floor
    kept: int  # predictions of the intent at or above the floor


def intent_table(report: dict) -> list[str]:
    rows = [f"{'intent':<20} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}"]
    for intent, scores in sorted(report.items()):
        if intent in SUMMARY_ROWS or not isinstance(scores, dict):
            continue
        rows.append(
            f"{intent:<20} {scores['precision']:>9.3f} {scores['recall']:>7.3f} "
            f"{scores['f1-score']:>6.3f} {scores['support']:>8}"
        )
    for name in ("macro avg", "weighted avg"):
        if name in report:
            rows.append(f"{name:<20} {'':>9} {'':>7} {report[name]['f1-score']:>6.3f}")
    return rows


def load_predictions(folder: Path) -> list[Prediction]:
    """Every cross-validated prediction: the successes and the errors files together."""
    predictions = []
    for name in ("intent_successes.json", "intent_errors.json"):
        path = folder / name
        if not path.exists():
            continue
        for row in json.loads(path.read_text(encoding="utf-8")):
            predicted = row["intent_prediction"]
            predictions.append(Prediction(row["intent"], predicted["name"], float(predicted["confidence"])))
    return predictions


def _at_floor(intent: str, floor: float, predictions: list[Prediction], support: int) -> Floor:
    kept = [p for p in predictions if p.predicted == intent and p.confidence >= floor]
    right = sum(p.intent == intent for p in kept)
    return Floor(intent, floor, right / len(kept) if kept else 0.0, right / support if support else 0.0, len(kept))


def intent_floor(intent: str, predictions: list[Prediction], precision: float = DEFAULT_PRECISION) -> Floor:
    """The lowest floor at which predictions of ``intent`` with at least that confidence are right
    at ``precision`` or better, with the share of the intent's examples kept above it."""
    support = sum(p.intent == intent for p in predictions)
    for floor in FLOOR_GRID:
        found = _at_floor(intent, floor, predictions, support)
        if found.kept and found.precision >= precision:
            return found
    unreachable = _at_floor(intent, 0.0, predictions, support)
    return Floor(intent, None, unreachable.precision, 0.0, 0)


def floors(predictions: list[Prediction], precision: float = DEFAULT_PRECISION) -> list[Floor]:
    intents = sorted(Counter(p.intent for p in predictions))
    return [intent_floor(intent, predictions, precision) for intent in intents]


def floor_table(found: list[Floor], precision: float) -> list[str]:
    rows = [f"confidence floors: lowest (step 0.01) with cross-validated precision >= {precision:.2f}",
            f"{'intent':<20} {'floor':>6} {'precision':>9} {'recall':>7} {'kept':>6}"]
    for row in found:
        floor = "-" if row.floor is None else f"{row.floor:.2f}"
        rows.append(f"{row.intent:<20} {floor:>6} {row.precision:>9.3f} {row.recall:>7.3f} {row.kept:>6}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?", default="results/nlu", type=Path)
    parser.add_argument("--precision", type=float, default=DEFAULT_PRECISION)
    args = parser.parse_args()
    report = json.loads((args.folder / "intent_report.json").read_text(encoding="utf-8"))
    print("\n".join(intent_table(report)))
    predictions = load_predictions(args.folder)
    if predictions:
        print()
        print("\n".join(floor_table(floors(predictions, args.precision), args.precision)))


if __name__ == "__main__":
    main()
