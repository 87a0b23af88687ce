"""handoff.rules: urgency, SLA deadlines, phone masking and key facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handoff.rules import classify_urgency, key_facts, mask_phone, sla_deadlines
from kefu.settings import Settings


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings()


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["我要打12315投诉"], "critical"),
        (["再不处理我就找媒体曝光"], "critical"),
        (["我要起诉你们"], "critical"),
        (["我要退款"], "urgent"),
        (["我要投诉"], "urgent"),
        (["怎么开发票"], "normal"),
        ([], "normal"),
        (["我要退款", "不给退我就报警"], "critical"),
        (["你好", "耳机坏了"], "urgent"),
    ],
)
def test_classify_urgency(texts: list[str], expected: str, settings: Settings) -> None:
    assert classify_urgency(texts, settings) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我要打１２３１５投诉", "critical"),  # full-width digits from a Chinese IME
        ("我要起訴你們", "critical"),  # Traditional Chinese
    ],
    ids=["fullwidth-digits", "traditional"],
)
def test_classify_urgency_sees_the_text_the_bot_understands(text: str, expected: str, settings: Settings) -> None:
    # The bot normalises full-width and Traditional input (kefu.text.normalize); urgency should too.
    assert classify_urgency([text], settings) == expected


@pytest.mark.parametrize(
    ("urgency", "resolve_after"),
    [("critical", timedelta(minutes=120)), ("urgent", timedelta(hours=24)), ("normal", timedelta(hours=48))],
)
def test_sla_deadlines(urgency: str, resolve_after: timedelta, settings: Settings) -> None:
    start = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    first_response, resolve = sla_deadlines(start, urgency, settings)
    assert first_response == start + timedelta(minutes=10)
    assert resolve == start + resolve_after


def test_sla_unknown_urgency_is_rejected(settings: Settings) -> None:
    with pytest.raises(KeyError):
        sla_deadlines(datetime(2026, 11, 23, tzinfo=UTC), "whenever", settings)


def test_mask_phone() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("123") == "****"


def test_key_facts() -> None:
    facts = key_facts(
        ["我的订单dd202611180001还没到", "电话13812345678，付了199元", "另一单DD202611180002，退我¥35.5元"]
    )
    assert facts == {
        "order_ids": ["DD202611180001", "DD202611180002"],
        "phones": ["138****5678"],
        "amounts": ["199元", "¥35.5元"],
    }


def test_key_facts_deduplicates_and_ignores_digits_inside_order_ids() -> None:
    facts = key_facts(["DD202611180001", "dd202611180001", "手机号13812345678", "13812345678"])
    assert facts["order_ids"] == ["DD202611180001"]
    assert facts["phones"] == ["138****5678"]
    assert facts["amounts"] == []


def test_key_facts_ignores_numbers_that_are_not_phones() -> None:
    facts = key_facts(["工号12812345678", "账号138123456789"])
    assert facts["phones"] == []


def test_key_facts_empty() -> None:
    assert key_facts([]) == {"order_ids": [], "phones": [], "amounts": []}


def test_overdue_flags_follow_the_sla_and_the_status() -> None:
    from datetime import UTC, datetime, timedelta

    from handoff.models import WorkOrder
    from handoff.work_orders import overdue

    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    order = WorkOrder(status="queued", first_response_due=start + timedelta(minutes=10),
                      resolve_due=start + timedelta(hours=2), first_response_at=None)
    assert overdue(order, start + timedelta(minutes=5)) == {"first_response_overdue": False, "resolve_overdue": False}
    assert overdue(order, start + timedelta(minutes=11))["first_response_overdue"] is True
    order.first_response_at = start + timedelta(minutes=3)
    assert overdue(order, start + timedelta(hours=3)) == {"first_response_overdue": False, "resolve_overdue": True}
    order.status = "resolved"
    assert overdue(order, start + timedelta(hours=3))["resolve_overdue"] is False


def test_bootstrap_accounts_spec_with_departments() -> None:
    from gateway.accounts import parse_accounts

    assert parse_accounts("a:pw1, b@物流部:p:w2,broken,:x") == [("a", None, "pw1"), ("b", "物流部", "p:w2")]
    assert parse_accounts(None) == []
