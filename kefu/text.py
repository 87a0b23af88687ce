"""Chinese text normalisation shared by the NLU pipeline and the knowledge base.

Both environments import this module (the Rasa env through ``bot.nlu``), so it only
depends on the standard library and ``opencc``.
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

_SPACES = re.compile(r"\s+")
_FULLWIDTH_OFFSET = 0xFEE0
_IDEOGRAPHIC_SPACE = "\u3000"


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_halfwidth(text: str) -> str:
    """Map full-width ASCII (Ｄ, ３, ？ typed on Chinese IMEs) to half-width."""
    chars = []
    for char in text:
        code = ord(char)
        if char == _IDEOGRAPHIC_SPACE:
            chars.append(" ")
        elif 0xFF01 <= code <= 0xFF5E:
            chars.append(chr(code - _FULLWIDTH_OFFSET))
        else:
            chars.append(char)
    return "".join(chars)


def normalize(text: str) -> str:
    """Half-width, Simplified, single-spaced, stripped text."""
    text = to_halfwidth(text)
    text = _t2s().convert(text)
    return _SPACES.sub(" ", text).strip()
