"""The pure parts of KB maintenance: grouping unresolved questions, similar questions,
added NLU examples and the model hash, the regression gate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.models import ChatMessage
from gateway.unresolved import Unresolved, group
from kb_index.entries import KBEntry, question_key
from kefu.nlu_examples import (
    ExampleConflict,
    add_examples,
    domain_intents,
    load_examples,
    nlu_file,
    project_examples,
)
from kefu.retraining import regressed
from kefu.settings import Settings
from kefu.training import model_path, train_command, training_config

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def asked(text: str, minutes_ago: int = 0, kind: str = "miss", rating: int | None = None) -> Unresolved:
    message = ChatMessage(session_id="s", seq=1, sender="customer", text=text,
                          created_at=NOW - timedelta(minutes=minutes_ago))
    return Unresolved(message, kind, rating, "kb-001" if rating else None)


def test_question_key_ignores_width_script_punctuation_and_spaces():
    assert question_key("退款多久到账？") == question_key("退款 多久到賬?") == "退款多久到账"
    assert question_key("ＡＢＣ订单") == "abc订单"


def test_groups_same_and_near_identical_wordings_biggest_first():
    groups = group(
        [
            asked("我的快递到哪了", 5),
            asked("退款多久到账？", 30),
            asked("退款多久到账", 20),
            asked("退款多久到账", 15),
            asked("退款多久能到账", 10),
            asked("退款多久到账啊", 1, kind="low_rating", rating=2),
        ],
        similarity=0.8,
    )
    assert [len(g.items) for g in groups] == [5, 1]
    refund = groups[0].summary()
    assert refund["text"] == "退款多久到账"  # the most asked wording of the key
    assert set(refund["variants"]) == {"退款多久到账？", "退款多久到账", "退款多久能到账", "退款多久到账啊"}
    assert (refund["count"], refund["misses"], refund["low_ratings"], refund["ratings"]) == (5, 4, 1, [2])
    assert refund["rated_kb_id"] == "kb-001"
    assert refund["last_seen"] == NOW - timedelta(minutes=1)
    assert groups[1].summary()["variants"] == ["我的快递到哪了"]


def test_a_wording_joins_through_any_wording_of_a_bigger_group():
    # The group's key (秋天) is too far from 月亮的小诗吧; its 月亮 wording is not.
    autumn = [asked("帮我写一首关于秋天的诗")] * 3
    groups = group([*autumn, asked("帮我写一首关于月亮的诗"), asked("帮我写一首关于月亮的诗？"),
                    asked("帮我写一首关于月亮的小诗吧")], similarity=0.8)
    assert len(groups) == 1 and len(groups[0].items) == 6


def test_different_questions_stay_apart():
    groups = group([asked("退款多久到账"), asked("发票怎么开")], similarity=0.8)
    assert len(groups) == 2


def test_with_similar_adds_only_new_wordings():
    entry = KBEntry("kb-1", "退款多久到账", "1-3个工作日", similar=("钱什么时候退回来",))
    extended = entry.with_similar(["退款多久到账？", "  ", "退款几天能到", "退款几天能到！"])
    assert extended.similar == ("钱什么时候退回来", "退款几天能到")
    assert entry.similar == ("钱什么时候退回来",)  # entries are immutable


def test_matches_searches_every_field():
    entry = KBEntry("kb-007", "如何开发票", "在订单页申请", category="发票", similar=("能开专票吗",))
    assert all(entry.matches(text) for text in ("kb-007", "开专票", "订单页", "发票"))
    assert not entry.matches("退款")


def test_added_examples_are_kept_under_the_data_dir_and_change_the_model_hash(tmp_path):
    settings = Settings(data_dir=tmp_path)
    project_model = model_path(settings)
    assert "--data" in train_command(settings, project_model) and not nlu_file(settings).exists()

    added = add_examples(settings, "invoice", ["公司报销要的[专票]怎么弄", "公司报销要的专票怎么弄", ""])
    assert added == ["公司报销要的 专票 怎么弄"]  # brackets would be read as an entity annotation
    assert load_examples(settings) == {"invoice": added}
    assert "    - 公司报销要的 专票 怎么弄" in nlu_file(settings).read_text(encoding="utf-8")
    assert str(nlu_file(settings)) in train_command(settings, model_path(settings))
    assert model_path(settings) != project_model
    assert add_examples(settings, "invoice", ["公司报销要的专票怎么弄"]) == []


def test_an_example_of_another_intent_is_refused(tmp_path):
    settings = Settings(data_dir=tmp_path)
    text, intent = next(iter(project_examples().items()))
    other = next(name for name in domain_intents() if name != intent)
    with pytest.raises(ExampleConflict) as conflict:
        add_examples(settings, other, [text])
    assert conflict.value.intent == intent
    assert not nlu_file(settings).exists()


def test_domain_intents_are_read_from_domain_yml():
    intents = domain_intents()
    assert {"refund", "invoice", "out_of_scope", "greet"} <= set(intents)
    assert "order_id" not in intents  # an entity, listed after the intents


def test_epochs_override_is_a_different_model(tmp_path):
    quick = Settings(data_dir=tmp_path, train_epochs=5)
    assert model_path(quick) != model_path(Settings(data_dir=tmp_path))
    assert "    epochs: 5\n" in training_config(quick).read_text(encoding="utf-8")


def test_a_model_is_held_back_only_when_intent_f1_falls_beyond_the_allowed_drop():
    live = {"intent_f1": 0.90}
    assert regressed({"intent_f1": 0.85}, live, max_drop=0.02)
    assert not regressed({"intent_f1": 0.89}, live, max_drop=0.02)
    assert not regressed({"intent_f1": 0.50}, None, max_drop=0.02)
