"""The Rasa project itself: its data validates and the dialogue predicts every handoff path."""

from __future__ import annotations

import subprocess

import pytest

from kefu.settings import PROJECT_ROOT, get_settings
from kefu.training import RASA_BIN, model_path, rasa_env

pytestmark = pytest.mark.slow


def rasa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(RASA_BIN), *args], cwd=PROJECT_ROOT, env=rasa_env(), capture_output=True, text=True, timeout=600
    )


def test_training_data_validates():
    result = rasa("data", "validate", "--config", "config.yml", "--domain", "domain.yml", "--data", "bot/data")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_test_stories_pass(tmp_path):
    model = model_path(get_settings())
    assert model.exists(), "run `kefu setup` (make test does) to train the model first"
    result = rasa(
        "test", "core", "--model", str(model), "--stories", "tests/rasa/test_stories.yml",
        "--out", str(tmp_path), "--fail-on-prediction-errors",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "None of the test stories failed" in (tmp_path / "failed_test_stories.yml").read_text(encoding="utf-8")
