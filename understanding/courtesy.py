"""Courtesy and content: "你好，我想问下宽带怎么续费" is a question, "你好" alone a greeting."""

from __future__ import annotations

from kefu.settings import Settings
from kefu.text import normalize
from understanding.patterns import compiled, rule_text


def is_question(text: str, settings: Settings) -> bool:
    return compiled(settings.question_pattern).search(rule_text(text)) is not None


def question_part(text: str, settings: Settings) -> str:
    """The message without the greetings, thanks and 好的/那 before its question.

    A message that is courtesy alone, or whose rest is too short to ask anything, is
    returned whole so that the NLU sees the courtesy and the bot replies in kind.
    """
    original = normalize(text)
    content = without_courtesy(original, settings)
    if content == original:
        return original
    return content if asks_something(content, settings) else original


def without_courtesy(text: str, settings: Settings) -> str:
    """``text`` without the greetings, thanks and 好的/那 it starts with (possibly nothing)."""
    content, prefix = normalize(text), compiled(settings.courtesy_prefix_pattern)
    while (match := prefix.match(content.lower())) and match.end() > 0:
        content = content[match.end() :].lstrip()
    return content


def asks_something(text: str, settings: Settings) -> bool:
    """Long enough to carry a request, or worded as a question."""
    return len(rule_text(text)) >= settings.courtesy_min_content_chars or is_question(text, settings)
