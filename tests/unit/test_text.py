"""kefu.text.normalize: half-width, Simplified, single-spaced, stripped."""

from __future__ import annotations

import pytest

from kefu.text import normalize, to_halfwidth


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("１２３４５６７８９０", "1234567890"),
        ("ＡＢＣｘｙｚ", "ABCxyz"),
        ("订单ＤＤ２０２６？！", "订单DD2026?!"),
        ("你好\u3000世界", "你好 世界"),
    ],
)
def test_fullwidth_becomes_halfwidth(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_to_halfwidth_leaves_chinese_and_ascii_alone() -> None:
    assert to_halfwidth("退款abc123。") == "退款abc123。"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("請問訂單", "请问订单"),
        ("怎麼辦理寬帶", "怎么办理宽带"),
        ("我要退貨", "我要退货"),
    ],
)
def test_traditional_becomes_simplified(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_whitespace_is_collapsed_and_stripped() -> None:
    assert normalize("  我要 \t\n 退款\u3000\u3000了  ") == "我要 退款 了"


def test_empty_and_blank_text() -> None:
    assert normalize("") == ""
    assert normalize(" \u3000\n") == ""


def test_normalize_is_idempotent() -> None:
    once = normalize("  請問 ＤＤ１２３\u3000號 ")
    assert once == "请问 DD123 号"
    assert normalize(once) == once
