"""Prints the per-intent F1 table from a ``rasa test nlu`` results folder.

Usage: python -m kefu.reports results/nlu
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SUMMARY_ROWS = ("accuracy", "macro avg", "weighted avg", "micro avg")


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


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "results/nlu")
    report = json.loads((folder / "intent_report.json").read_text(encoding="utf-8"))
    print("\n".join(intent_table(report)))


if __name__ == "__main__":
    main()
