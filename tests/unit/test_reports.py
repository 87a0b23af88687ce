"""Confidence floors read off cross-validated predictions (kefu.reports)."""

from __future__ import annotations

import json
import sys

import pytest

from kefu import reports
from kefu.reports import Prediction, floors, intent_floor, load_predictions


def predictions(intent: str, predicted: str, *confidences: float) -> list[Prediction]:
    return [Prediction(intent, predicted, confidence) for confidence in confidences]


def test_floor_sits_just_above_the_most_confident_mistake():
    rows = (predictions("goodbye", "goodbye", 0.95, 0.9, 0.85, 0.7, 0.6, 0.3)
            + predictions("refund", "goodbye", 0.5, 0.42))
    found = intent_floor("goodbye", rows)
    assert found.floor == pytest.approx(0.51)
    assert found.precision == 1.0
    # The right prediction at 0.3 falls below the floor: 5 of the 6 goodbyes are kept.
    assert found.recall == pytest.approx(5 / 6)
    assert found.kept == 5


def test_an_intent_never_mistaken_needs_no_floor():
    rows = predictions("invoice", "invoice", 0.9, 0.2) + predictions("invoice", "refund", 0.6)
    found = intent_floor("invoice", rows)
    assert found.floor == 0.0
    # Recall counts the example predicted as another intent as lost.
    assert found.recall == pytest.approx(2 / 3)


def test_precision_is_a_share_not_a_zero_error_rule():
    rows = predictions("greet", "greet", *[0.8] * 97) + predictions("thanks", "greet", 0.8, 0.8, 0.8)
    assert intent_floor("greet", rows, precision=0.97).floor == 0.0
    assert intent_floor("greet", rows, precision=0.98).floor is None


def test_a_confident_mistake_leaves_no_floor():
    rows = predictions("deny", "deny", 0.7, 0.6) + predictions("affirm", "deny", 1.0)
    found = intent_floor("deny", rows)
    assert found.floor is None
    assert found.recall == 0.0 and found.kept == 0
    assert found.precision == pytest.approx(2 / 3)


def test_floors_cover_every_labelled_intent_even_one_never_predicted():
    rows = predictions("rate", "rate", 0.9) + predictions("out_of_scope", "rate", 0.3)
    by_intent = {row.intent: row for row in floors(rows)}
    assert set(by_intent) == {"rate", "out_of_scope"}
    assert by_intent["rate"].floor == pytest.approx(0.31)
    assert by_intent["out_of_scope"].floor is None


def write_results(folder, successes, errors):
    def rows(items):
        return [{"text": text, "intent": intent, "intent_prediction": {"name": predicted, "confidence": confidence}}
                for text, intent, predicted, confidence in items]

    (folder / "intent_successes.json").write_text(json.dumps(rows(successes)), encoding="utf-8")
    (folder / "intent_errors.json").write_text(json.dumps(rows(errors)), encoding="utf-8")
    report = {"goodbye": {"precision": 0.5, "recall": 1.0, "f1-score": 0.667, "support": 1},
              "macro avg": {"f1-score": 0.5}}
    (folder / "intent_report.json").write_text(json.dumps(report), encoding="utf-8")


def test_successes_and_errors_are_read_together(tmp_path):
    write_results(tmp_path, [("再见", "goodbye", "goodbye", 0.9)], [("退款", "refund", "goodbye", 0.4)])
    assert sorted(load_predictions(tmp_path), key=lambda p: p.confidence) == [
        Prediction("refund", "goodbye", 0.4), Prediction("goodbye", "goodbye", 0.9)]


def test_report_prints_f1_and_floors(tmp_path, monkeypatch, capsys):
    write_results(tmp_path, [("再见", "goodbye", "goodbye", 0.9)], [("退款", "refund", "goodbye", 0.4)])
    monkeypatch.setattr(sys, "argv", ["kefu.reports", str(tmp_path)])
    reports.main()
    lines = capsys.readouterr().out.splitlines()
    assert any(line.split()[:2] == ["goodbye", "0.500"] for line in lines)
    assert ["goodbye", "0.41", "1.000", "1.000", "1"] in [line.split() for line in lines]
    assert ["refund", "-", "0.000", "0.000", "0"] in [line.split() for line in lines]
