"""Costly actions need confidence: goodbye, courtesy replies, order lookups, handoffs by intent.

Below an intent's floor (kefu.settings ``intent_floors``, chosen by cross-validation) the turn is
answered from the KB instead: a misreading then costs a question, not a wrong action. A message
that asks something, or names an order or a phone, is never answered with courtesy, however
sure the NLU is.
"""

from __future__ import annotations

from kefu.settings import Settings
from understanding.courtesy import is_question, without_courtesy
from understanding.patterns import bare_text, compiled


def may_act(intent: str | None, confidence: float | None, text: str, settings: Settings) -> bool:
    if intent in settings.courtesy_intents and not courtesy_only(text, settings):
        return False
    return (confidence or 0.0) >= settings.intent_floors.get(intent or "", 0.0)


def courtesy_only(text: str, settings: Settings) -> bool:
    """Whether ``text`` can take a courtesy reply: it says something courteous and little else
    ("谢谢你们的耐心解答" yes, "滤网" no), asks nothing ("您好，在吗？" asks only for attention) and
    carries no facts (an order or phone number is something to act on)."""
    compact, words = bare_text(text), compiled(settings.courtesy_words_pattern)
    rest = words.sub("", compact)
    return (
        words.search(compact) is not None
        and len(rest) <= settings.courtesy_min_content_chars
        and not is_question(without_courtesy(text, settings), settings)
        and compiled(settings.facts_pattern).search(compact) is None
    )
