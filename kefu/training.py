"""Training the Rasa model only when what it is trained from changed."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from pathlib import Path

from kefu.nlu_examples import nlu_file, training_dir
from kefu.settings import PROJECT_ROOT, Settings

RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
CONFIG = PROJECT_ROOT / "config.yml"
# DIETClassifier is the only component of config.yml with epochs.
_EPOCHS = re.compile(r"^(\s+epochs:) *\d+", re.MULTILINE)
TRAINING_INPUTS = (
    "config.yml",
    "domain.yml",
    "requirements-rasa.txt",
    "kefu/text.py",
    "kb_index/encoders.py",  # the sentence featurizer encodes with it
    "bot/nlu/*.py",
    "bot/data/**/*.yml",
)


def training_data(settings: Settings) -> list[Path]:
    """What `rasa train --data` reads: the project's data and the examples added by maintainers."""
    added = nlu_file(settings)
    return [PROJECT_ROOT / "bot" / "data", *([added] if added.exists() else [])]


def training_hash(settings: Settings) -> str:
    digest = hashlib.sha256()
    for pattern in TRAINING_INPUTS:
        for path in sorted(PROJECT_ROOT.glob(pattern)):
            digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
            digest.update(path.read_bytes())
    # Without added examples or an epochs override the hash (and so the cached model) is the project's own.
    if nlu_file(settings).exists():
        digest.update(b"added examples")
        digest.update(nlu_file(settings).read_bytes())
    if settings.train_epochs is not None:
        digest.update(f"epochs {settings.train_epochs}".encode())
    return digest.hexdigest()[:16]


def training_config(settings: Settings) -> Path:
    """config.yml, or a copy of it with ``train_epochs`` as DIET's epochs."""
    if settings.train_epochs is None:
        return CONFIG
    target = training_dir(settings) / f"config-{settings.train_epochs}-epochs.yml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(_EPOCHS.sub(rf"\g<1> {settings.train_epochs}", CONFIG.read_text(encoding="utf-8")),
                      encoding="utf-8")
    return target


def model_path(settings: Settings) -> Path:
    return settings.models_dir / f"kefu-{training_hash(settings)}.tar.gz"


def rasa_env() -> dict[str, str]:
    """Rasa imports our components and channel from the project root."""
    return {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}


def train_command(settings: Settings, target: Path) -> list[str]:
    return [
        str(RASA_BIN), "train",
        "--config", str(training_config(settings)), "--domain", "domain.yml",
        "--data", *map(str, training_data(settings)),
        "--out", str(target.parent), "--fixed-model-name", target.name.removesuffix(".tar.gz"),
    ]


def train(settings: Settings, force: bool = False) -> Path:
    """Train into ``models/kefu-<hash>.tar.gz`` unless that model exists already."""
    target = model_path(settings)
    if target.exists() and not force:
        return target
    settings.models_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(train_command(settings, target), cwd=PROJECT_ROOT, env=rasa_env(), check=True)
    return target
