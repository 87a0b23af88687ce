"""Training the Rasa model only when what it is trained from changed."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from kefu.settings import PROJECT_ROOT, Settings

RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
TRAINING_INPUTS = (
    "config.yml",
    "domain.yml",
    "requirements-rasa.txt",
    "kefu/text.py",
    "bot/nlu/*.py",
    "bot/data/**/*.yml",
)


def training_hash() -> str:
    digest = hashlib.sha256()
    for pattern in TRAINING_INPUTS:
        for path in sorted(PROJECT_ROOT.glob(pattern)):
            digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path(settings: Settings) -> Path:
    return settings.models_dir / f"kefu-{training_hash()}.tar.gz"


def rasa_env() -> dict[str, str]:
    """Rasa imports our components and channel from the project root."""
    return {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}


def train(settings: Settings, force: bool = False) -> Path:
    """Train into ``models/kefu-<hash>.tar.gz`` unless that model exists already."""
    target = model_path(settings)
    if target.exists() and not force:
        return target
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            str(RASA_BIN), "train",
            "--config", "config.yml", "--domain", "domain.yml", "--data", "bot/data",
            "--out", str(settings.models_dir), "--fixed-model-name", target.name.removesuffix(".tar.gz"),
        ],
        cwd=PROJECT_ROOT,
        env=rasa_env(),
        check=True,
    )
    return target
