"""A pick among the suggestions: the button pressed, its title typed, or its number ("2", "第二个")."""

from __future__ import annotations

import re
from typing import Any

from understanding.patterns import bare_text

_NUMERALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_BY_NUMBER = re.compile(r"^(?:选|选择|就|要|是)?第?([1-9一二两三四五六七八九])(?:个|项|条|种)?(?:吧|的|啊|呀)?$")


def picked_payload(text: str, buttons: list[dict[str, Any]]) -> str | None:
    """The payload of the button ``text`` picks, or None when it picks none of them."""
    said = bare_text(text)
    for button in buttons:
        if said in (bare_text(button["payload"]), bare_text(button["title"])):
            return button["payload"]
    number = _BY_NUMBER.match(said)
    if number is None:
        return None
    value = number.group(1)
    position = int(value) if value.isdigit() else _NUMERALS[value]
    return buttons[position - 1]["payload"] if position <= len(buttons) else None
