"""The learning replay: customers' picks and ratings taught to a tiny KB, then other wordings asked."""

from __future__ import annotations

from kb_index.decision import Bands, decide
from kb_index.encoders import Encoder
from kb_index.entries import KBEntry, load_jsonl_file, question_key
from kb_index.evaluation import (
    REPLAY_WEEK,
    Feedback,
    customer_feedback,
    learning_replay,
    read_week,
    split_week,
)
from kb_index.index import Hit
from kefu.settings import Settings

KB = [
    KBEntry("refund", "退款多久能到账", "答", similar=("钱什么时候退回来",)),
    KBEntry("invoice", "怎么开发票", "答"),
    KBEntry("shipping", "下单后多久发货", "答"),
    KBEntry("password", "忘记登录密码怎么办", "答"),
    KBEntry("pay_password", "支付密码怎么找回", "答"),
]
OFF_TOPIC = [("今天天气不错", None), ("讲个笑话", None)]
BANDS = Bands(answer=0.7, suggest=0.5, margin=0.1, max_choices=2)
A, B, C = (KBEntry(name, name, "答") for name in "abc")


def hits(*scored: tuple[KBEntry, float]) -> list[Hit]:
    return [Hit(entry, score, score, 0.0, False) for entry, score in scored]


def test_the_week_alternates_within_each_entry_and_the_off_topic_group() -> None:
    week = [("a1", "a"), ("a2", "a"), ("a3", "a"), ("b1", "b"), ("o1", None), ("b2", "b"), ("o2", None)]
    fed, asked = split_week(week)
    assert fed == [("a1", "a"), ("a3", "a"), ("b1", "b"), ("o1", None)]
    assert asked == [("a2", "a"), ("b2", "b"), ("o2", None)]


def test_customers_teach_only_what_they_meant() -> None:
    assert customer_feedback(decide(hits((A, 0.9), (B, 0.5)), BANDS), "a") == Feedback("similar", "a")  # rated 4–5
    assert customer_feedback(decide(hits((A, 0.9), (B, 0.5)), BANDS), "b") == Feedback("negative", "a")  # rated ≤ 3
    assert customer_feedback(decide(hits((A, 0.9)), BANDS), None) == Feedback("negative", "a")
    assert customer_feedback(decide(hits((A, 0.6), (B, 0.55), (C, 0.5)), BANDS), "b") == Feedback("similar", "b")
    # Their entry not among the two choices, nothing to pick; a miss goes to a person.
    assert customer_feedback(decide(hits((A, 0.6), (B, 0.55), (C, 0.5)), BANDS), "c") is None
    assert customer_feedback(decide(hits((A, 0.6), (B, 0.55)), BANDS), None) is None
    assert customer_feedback(decide(hits((A, 0.3)), BANDS), "a") is None


def test_a_picked_wording_puts_its_entry_first_for_a_paraphrase(enc: Encoder) -> None:
    # The first customer is offered choices led by the refund entry and picks shipping; the second,
    # asking much the same, then finds shipping first.
    week = [("东西啥时候寄出", "shipping"), ("东西什么时候能寄出来", "shipping"), *OFF_TOPIC]
    replay = learning_replay(KB, week, Settings(), enc)
    assert (replay.similar_learned, replay.negatives_learned) == (1, 0)
    assert replay.before.top1 == 0.0 and replay.before.right_answer_rate == 0.0
    assert replay.after.top1 == 1.0 and replay.after.reach == 1.0 and replay.after.wrong_answer_rate == 0.0
    assert replay.after.offtopic_answer_rate == 0.0


def test_a_low_rating_stops_the_wrong_answer(enc: Encoder) -> None:
    # 密码忘了 is answered with the login password; this customer meant the payment password.
    week = [("密码忘了", "pay_password"), ("密码忘了", "pay_password"), *OFF_TOPIC]
    replay = learning_replay(KB, week, Settings(), enc)
    assert (replay.similar_learned, replay.negatives_learned) == (0, 1)
    assert replay.before.wrong_answer_rate == 1.0
    assert replay.after.wrong_answer_rate == 0.0 and replay.after.top1 == 1.0


def test_the_replayed_week_names_demo_entries_and_off_topic_wordings() -> None:
    week = read_week(REPLAY_WEEK)
    meant = [entry_id for _, entry_id in week]
    demo_ids = {entry.id for entry in load_jsonl_file(str(Settings().kb_seed_file))}
    assert len({question_key(text) for text, _ in week}) == len(week)
    assert {entry_id for entry_id in meant if entry_id} == demo_ids
    assert all(meant.count(entry_id) >= 3 for entry_id in demo_ids)
    assert meant.count(None) >= 20


def test_the_replay_reports_each_figure_before_and_after(enc: Encoder) -> None:
    replay = learning_replay(KB, [("退款多久能到账", "refund")] * 2 + OFF_TOPIC, Settings(), enc)
    assert list(replay.named()) == [
        f"learning_{name}_{when}" for name in ("top1", "reach", "wrong_answer_rate", "offtopic_answer_rate")
        for when in ("before", "after")
    ]
    named = replay.named()
    assert named["learning_top1_before"] == 1.0 and named["learning_offtopic_answer_rate_after"] == 0.0
