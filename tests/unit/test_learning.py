"""gateway.learning on a real SQLite database: which wordings are learned, held for approval, unlearned.
The KB is a small recorder here (the live store's part is tested end to end in tests/e2e/test_learning.py)."""

from __future__ import annotations

import pytest

from gateway import learning
from gateway.learning import ACTIVE, PENDING, REMOVED, Learning, LearningNotFound
from kb_index.entries import KBEntry
from kefu.settings import Settings

REFUND = KBEntry("refund", "退款多久能到账？", "一般1-3个工作日。", similar=("钱什么时候退回来",))


@pytest.fixture
def kb(monkeypatch: pytest.MonkeyPatch) -> list[tuple[dict, dict]]:
    """The entries the KB has, and every (similar, negatives) state the KB was brought to."""
    applied: list[tuple[dict, dict]] = []
    monkeypatch.setattr(learning, "find_entry", lambda entry_id: REFUND if entry_id == "refund" else None)
    monkeypatch.setattr(learning, "apply_to_kb", lambda similar, negatives: applied.append((similar, negatives)))
    monkeypatch.setattr(learning, "drop_wording", lambda entry_id, text: applied.append(({}, {"dropped": text})))
    return applied


async def test_a_new_wording_is_learned_once_and_indexed(db, kb):
    teach = Learning(db, Settings())
    assert await teach.similar("refund", "你好，退的钱几天能回来", "rating", "s1")
    assert not await teach.similar("refund", "退的钱几天能回来！", "pick", "s2"), "the same wording twice"
    await db.commit()
    [item] = await teach.items((ACTIVE,))
    assert (item.text, item.source, item.session_id, item.kind) == ("退的钱几天能回来", "rating", "s1", "similar")
    await teach.sync_kb()
    assert kb[-1] == ({"refund": ["退的钱几天能回来"]}, {})


@pytest.mark.parametrize(
    "text",
    ["退款多久能到账", "钱什么时候退回来", "我的手机13912345678退款几天到", "退款" * 40, "", "你好"],
    ids=["its-question", "its-similar", "personal-data", "a-story", "empty", "courtesy"],
)
async def test_nothing_new_or_nothing_teachable_is_not_learned(db, kb, text):
    assert not await Learning(db, Settings()).similar("refund", text, "rating", "s1")


async def test_an_unknown_entry_learns_nothing(db, kb):
    assert not await Learning(db, Settings()).similar("gone", "退的钱几天能回来", "pick", "s1")


async def test_with_approval_a_wording_waits_for_a_maintainer(db, kb):
    teach = Learning(db, Settings(kb_learning_approval=True))
    await teach.similar("refund", "退的钱几天能回来", "pick", "s1")
    await db.commit()
    [item] = await teach.items((PENDING,))
    await teach.sync_kb()
    assert kb[-1] == ({}, {}), "a pending wording is not in the KB"
    approved = await teach.decide(item.id, ACTIVE, "admin")
    assert (approved.status, approved.decided_by) == (ACTIVE, "admin")
    assert kb[-1] == ({"refund": ["退的钱几天能回来"]}, {})


async def test_a_low_rating_unlearns_the_wording_and_says_not_this_entry(db, kb):
    teach = Learning(db, Settings())
    await teach.similar("refund", "退的钱几天能回来", "pick", "s1")
    await db.commit()
    assert await teach.negative("refund", "退的钱几天能回来", "s2")
    await db.commit()
    assert [(i.kind, i.status) for i in await teach.items((ACTIVE, REMOVED))] == [
        ("negative", ACTIVE), ("similar", REMOVED)]
    await teach.sync_kb()
    assert kb[-1] == ({}, {"退的钱几天能回来": ["refund"]})
    assert not await teach.similar("refund", "退的钱几天能回来", "rating", "s3"), "a negative stands until lifted"


async def test_removing_a_learned_wording_drops_it_from_its_entry(db, kb):
    teach = Learning(db, Settings())
    await teach.similar("refund", "退的钱几天能回来", "rating", "s1")
    await db.commit()
    [item] = await teach.items((ACTIVE,))
    await teach.decide(item.id, REMOVED, "admin")
    assert ({}, {"dropped": "退的钱几天能回来"}) in kb
    assert kb[-1] == ({}, {})
    with pytest.raises(LearningNotFound):
        await teach.decide(12345, REMOVED, "admin")


async def test_a_low_rating_of_an_entrys_own_question_says_nothing_against_the_entry(db, kb):
    teach = Learning(db, Settings())
    assert not await teach.negative("refund", "退款多久能到账？", "s1")
    assert not await teach.negative("refund", "钱什么时候退回来", "s1")
    await db.commit()
    assert await teach.items((ACTIVE,)) == []
