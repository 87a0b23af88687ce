"""NLU training examples added by KB maintainers, kept under KEFU_DATA_DIR.

The repository's ``bot/data`` is never written at run time: added examples live in
``<data dir>/training/examples.json`` and are rendered to an extra Rasa NLU file that
`rasa train` reads beside ``bot/data`` and that is part of the model hash.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kb_index.entries import question_key
from kefu.settings import PROJECT_ROOT, Settings

PROJECT_NLU = PROJECT_ROOT / "bot" / "data" / "nlu"
DOMAIN = PROJECT_ROOT / "domain.yml"
_INTENT_LINE = re.compile(r"^- intent: *(\S+)")
_EXAMPLE_LINE = re.compile(r"^\s+- (.+)$")
_DOMAIN_INTENT = re.compile(r"^  - (\w+)\s*$")
# Rasa reads "[text](entity)" in an example as an entity annotation; brackets say nothing about intent.
_ANNOTATION = str.maketrans({"[": " ", "]": " "})


class ExampleConflict(ValueError):
    """The text is already a training example of another intent."""

    def __init__(self, text: str, intent: str) -> None:
        super().__init__(text, intent)
        self.text, self.intent = text, intent


def training_dir(settings: Settings) -> Path:
    return settings.data_dir / "training"


def examples_file(settings: Settings) -> Path:
    return training_dir(settings) / "examples.json"


def nlu_file(settings: Settings) -> Path:
    """The Rasa NLU file `rasa train` reads; exists once an example was added."""
    return training_dir(settings) / "nlu_examples.yml"


def domain_intents() -> list[str]:
    """The intents of ``domain.yml``, in its order (the only ones an example may be given)."""
    intents: list[str] = []
    inside = False
    for line in DOMAIN.read_text(encoding="utf-8").splitlines():
        if line.startswith("intents:"):
            inside = True
        elif inside and (match := _DOMAIN_INTENT.match(line)):
            intents.append(match.group(1))
        elif inside and line.strip() and not line.startswith(" "):
            break
    return intents


def project_examples() -> dict[str, str]:
    """Key of every example in ``bot/data/nlu`` → its intent."""
    found: dict[str, str] = {}
    for path in sorted(PROJECT_NLU.glob("*.yml")):
        intent = None
        for line in path.read_text(encoding="utf-8").splitlines():
            if match := _INTENT_LINE.match(line):
                intent = match.group(1)
            elif intent and (match := _EXAMPLE_LINE.match(line)):
                found[question_key(match.group(1))] = intent
    return found


def load_examples(settings: Settings) -> dict[str, list[str]]:
    try:
        return json.loads(examples_file(settings).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def clean(text: str) -> str:
    """One line, no entity-annotation brackets."""
    return " ".join(text.translate(_ANNOTATION).split())


def add_examples(settings: Settings, intent: str, texts: Iterable[str]) -> list[str]:
    """Add ``texts`` as examples of ``intent``; returns those that were new.

    Raises ExampleConflict when one is already an example of another intent: Rasa would be
    taught two answers to the same words.
    """
    with _locked(settings):
        examples = load_examples(settings)
        known = project_examples() | {question_key(t): name for name, ts in examples.items() for t in ts}
        added = []
        for text in filter(None, map(clean, texts)):
            owner = known.get(question_key(text))
            if owner is not None and owner != intent:
                raise ExampleConflict(text, owner)
            if owner is None:
                known[question_key(text)] = intent
                added.append(text)
        if added:
            examples.setdefault(intent, []).extend(added)
            _write(examples_file(settings), json.dumps(examples, ensure_ascii=False, indent=1))
            _write(nlu_file(settings), render_nlu(examples))
        return added


def render_nlu(examples: dict[str, list[str]]) -> str:
    lines = ['version: "3.1"', "nlu:"]
    for intent in sorted(examples):
        lines += [f"- intent: {intent}", "  examples: |", *(f"    - {text}" for text in examples[intent])]
    return "\n".join(lines) + "\n"


@contextmanager
def _locked(settings: Settings) -> Iterator[None]:
    training_dir(settings).mkdir(parents=True, exist_ok=True)
    with open(training_dir(settings) / ".examples.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write(path: Path, text: str) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
