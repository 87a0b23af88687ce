"""The text the judgement rules read, and their patterns compiled once per setting value."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from kefu.text import normalize


def rule_text(text: str) -> str:
    """Normalised, lower-case, without spaces: "轉 人工", "ＷＩＦＩ" and "转人工" read alike."""
    return normalize(text).lower().replace(" ", "")


def bare_text(text: str) -> str:
    """``rule_text`` without punctuation: "人工！人工！" and "转人工。" read as their words."""
    return "".join(char for char in rule_text(text) if not unicodedata.category(char).startswith(("P", "S")))


@lru_cache(maxsize=64)
def compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@lru_cache(maxsize=16)
def any_of(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))
