"""How the bot presents the KB's suggest band: "您是不是想问：", the entries as buttons, then 都不是."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import answering
from kb_index.decision import Lookup
from kb_index.entries import KBEntry
from kb_index.index import Hit
from kefu import messages
from kefu.settings import PROJECT_ROOT

DOMAIN = yaml.safe_load(Path(PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
ENTRIES = [KBEntry("kb-1", "怎么投诉？", "答1"), KBEntry("kb-2", "对投诉处理结果不满意怎么办？", "答2")]


def suggested(monkeypatch: pytest.MonkeyPatch, choices: list[Hit]) -> tuple[list[dict], list]:
    lookup = Lookup("suggest", [*choices, Hit(KBEntry("kb-3", "怎么退款？", "答3"), 0.3, 0.3, 0.0, False)], choices)
    monkeypatch.setattr(answering, "lookup", lambda text: lookup)
    dispatcher = CollectingDispatcher()
    tracker = Tracker.from_dict({"sender_id": "s", "slots": {}, "latest_message": {"text": "投诉"}, "events": []})
    events = answering.answer_question(dispatcher, tracker, "投诉")
    return dispatcher.messages, events


def test_the_offered_entries_are_buttons_that_send_their_own_question(monkeypatch: pytest.MonkeyPatch) -> None:
    choices = [Hit(entry, score, score, 0.0, False) for entry, score in zip(ENTRIES, (0.6, 0.58), strict=True)]
    (offer, note), events = suggested(monkeypatch, choices)
    assert offer["response"] == "utter_suggest"
    buttons = [(button["title"], button["payload"]) for button in offer["buttons"]]
    assert buttons == [(e.question, e.question) for e in ENTRIES] + [(messages.SUGGEST_NONE, messages.SUGGEST_NONE)]
    assert note["custom"] == {"kefu": {"outcome": "suggest", "kb_ids": ["kb-1", "kb-2"], "score": 0.6}}
    assert events == [SlotSet("awaiting_rating", False)]


def test_a_single_plausible_entry_is_offered_with_the_way_out(monkeypatch: pytest.MonkeyPatch) -> None:
    (offer, _), _ = suggested(monkeypatch, [Hit(ENTRIES[0], 0.55, 0.55, 0.0, False)])
    assert [button["title"] for button in offer["buttons"]] == [ENTRIES[0].question, messages.SUGGEST_NONE]


def test_no_reply_text_doubles_its_punctuation() -> None:
    texts = [variant["text"] for variants in DOMAIN["responses"].values() for variant in variants]
    assert {"text": "您是不是想问："} in DOMAIN["responses"]["utter_suggest"]
    assert "utter_clarify" not in DOMAIN["responses"]
    assert not [text for text in texts if "？，" in text or "？？" in text]
