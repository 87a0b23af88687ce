"""Fixtures shared by the KB unit tests: the default encoder and the other business's KB."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb_index.encoders import Encoder, get_encoder
from kb_index.entries import KBEntry, parse_kb_file

OTHER_KB = Path(__file__).resolve().parent.parent / "data" / "other_kb.jsonl"


@pytest.fixture(scope="session")
def enc() -> Encoder:
    return get_encoder("use")


@pytest.fixture(scope="session")
def entries() -> list[KBEntry]:
    return parse_kb_file(OTHER_KB.name, OTHER_KB.read_bytes())
