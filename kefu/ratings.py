"""Reading a 1–5 satisfaction rating out of what a customer typed."""

from __future__ import annotations

import re

from kefu.text import normalize

_NUMERALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_RATING = re.compile(
    r"^(?:我)?(?:给|打|评)?(?:你)?(?:个)?([1-5一二两三四五])(?:分|星|颗星)?(?:吧|的|啦)?[。.!！~]*$"
)


def parse_rating(text: str) -> int | None:
    """1–5 for "3", "３", "三", "3分", "五星", "给4分"; None for anything else."""
    match = _RATING.match(normalize(text).replace(" ", ""))
    if not match:
        return None
    value = match.group(1)
    return int(value) if value.isdigit() else _NUMERALS[value]
