"""The service standard agents work to: canned replies and phrases they must not use."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from kefu.settings import Settings

CANNED_REPLIES = Path(__file__).parent / "data" / "canned_replies.json"


@lru_cache(maxsize=1)
def canned_replies() -> list[dict[str, str]]:
    """常用话术, with {placeholders} the console fills from the work order."""
    return json.loads(CANNED_REPLIES.read_text(encoding="utf-8"))


def forbidden_in(text: str, settings: Settings) -> list[str]:
    """The 服务忌语 a message contains, as the phrases found in it."""
    found = (re.search(pattern, text) for pattern in settings.forbidden_phrases)
    return [match.group(0) for match in found if match]
