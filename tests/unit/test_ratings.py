"""kefu.ratings.parse_rating: a 1..5 rating, or None when the text is no rating."""

from __future__ import annotations

import pytest

from kefu.ratings import parse_rating


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3", 3),
        ("３", 3),
        ("三", 3),
        ("3分", 3),
        ("五星", 5),
        ("给4分", 4),
        ("打五分", 5),
        ("1", 1),
        ("两颗星", 2),
        ("４分！", 4),
        (" 5 ", 5),
        ("我评5星", 5),
    ],
)
def test_ratings_are_read(text: str, expected: int) -> None:
    assert parse_rating(text) == expected


@pytest.mark.parametrize("text", ["6", "0", "怎么退款", "3个订单", "", "35", "10分", "3分钟", "   "])
def test_non_ratings_give_none(text: str) -> None:
    assert parse_rating(text) is None
