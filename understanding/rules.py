"""Rules no model overrides: a request for a person, an escalation threat.

Both hand off at once, wherever in the message they stand and whatever the intent: a customer
who writes 转人工 inside an angry sentence has said what they want, and a threat of 12315 or a
lawyer is for a person to handle now (urgency 特急), not for the KB.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kefu.settings import Settings
from understanding.patterns import any_of, bare_text

NEGATION_WINDOW = 4  # characters before a request that can turn it around ("我不需要转人工")


@dataclass(frozen=True)
class RuleDecision:
    reason: Literal["escalation_threat", "customer_request"]


def escalation_threat(text: str, settings: Settings) -> bool:
    return any_of(tuple(settings.escalation_patterns)).search(bare_text(text)) is not None


def person_requested(text: str, settings: Settings) -> bool:
    compact = bare_text(text)
    for match in any_of(tuple(settings.person_request_patterns)).finditer(compact):
        # The match's first character too: "不要人工" is 不 + a request for 要人工.
        around = compact[max(0, match.start() - NEGATION_WINDOW) : match.start() + 1]
        if not any(negation in around for negation in settings.person_request_negations):
            return True
    return False


def apply_rules(text: str, settings: Settings) -> RuleDecision | None:
    """The handoff a message asks for by itself; a threat outranks a plain request."""
    if escalation_threat(text, settings):
        return RuleDecision("escalation_threat")
    if person_requested(text, settings):
        return RuleDecision("customer_request")
    return None


def request_ruled_out(text: str, settings: Settings) -> bool:
    """The message names a person or 人工 but the rules found no request in it ("不用转人工",
    "你们是人工智能吗"): the NLU's ask_human must not hand it off either."""
    mentions = any_of(tuple(settings.person_words)).search(bare_text(text)) is not None
    return mentions and not person_requested(text, settings)


def complains(text: str, settings: Settings) -> bool:
    """The customer says they are complaining ("我要投诉", "给差评"), whatever else the message is about."""
    return any_of(tuple(settings.complaint_patterns)).search(bare_text(text)) is not None
