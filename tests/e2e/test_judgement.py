"""Judgement end to end: what the gateway's rules and the actions' floors make of a message,
seen where it matters — the work order, the agents' queue and the transcript."""

from __future__ import annotations

import pytest

from kefu import messages
from tests.e2e.customer import Customer, texts
from tests.e2e.test_conversation import agent_view

pytestmark = pytest.mark.slow


def test_a_person_asked_for_inside_an_angry_message_is_handed_over_with_its_problem(client, product):
    reply = Customer(client, product).say("物流太慢了，快递一直不动，真是气人，给我转人工")
    assert reply["state"] == "queued"
    assert texts(reply)[0] == messages.RULE_HANDOFF_NOTICES["customer_request"]
    order = agent_view(client, product, reply["work_order_id"])
    assert order["reason"] == "customer_request"
    # The handoff asked the NLU what the message is about, so the order reaches the right desk.
    asked = next(m for m in order["transcript"] if m["sender"] == "customer")
    assert asked["intent"] and asked["confidence"] > 0


def test_a_threat_made_while_waiting_makes_the_order_critical(client, product):
    customer = Customer(client, product)
    handed = customer.say("转人工")
    before = agent_view(client, product, handed["work_order_id"])
    assert before["urgency"] != "critical"
    customer.say("半小时了还没人理，我要打12315投诉你们")
    after = agent_view(client, product, handed["work_order_id"])
    assert after["urgency"] == "critical"
    assert after["sla"]["resolve_due"] < before["sla"]["resolve_due"]


def test_a_threat_in_a_long_story_is_not_taken_for_a_kb_question(client, product):
    story = "上个月买的扫地机器人用了三天就坏了，寄回去修了两次还是一样，客服一直拖着不给解决，我已经咨询过律师了"
    reply = Customer(client, product).say(story)
    assert reply["state"] == "queued"
    assert agent_view(client, product, reply["work_order_id"])["urgency"] == "critical"


VAGUE = ["那个东西怎么弄", "钱的事情", "怎么搞", "东西有问题", "我要弄一下账户", "快递的事", "会员那个", "发票的问题"]


def test_no_choice_fits_counts_the_question_as_a_miss(client, product):
    searched = {q: client.get(f"{product.api}/kb/search", params={"q": q}).json() for q in VAGUE}
    question = next((q for q, found in searched.items() if found["outcome"] == "suggest"), None)
    assert question, f"a KB with three bands suggests for some vague question: {searched}"
    customer = Customer(client, product)
    offered = customer.say(question)
    buttons = offered["messages"][-1]["buttons"]
    assert [b["title"] for b in buttons[:-1]] == [c["question"] for c in searched[question]["choices"]]
    assert buttons[-1]["payload"] == messages.SUGGEST_NONE
    reply = customer.say(messages.SUGGEST_NONE)
    assert reply["state"] == "queued"
    order = agent_view(client, product, reply["work_order_id"])
    vague = next(m for m in order["transcript"] if m["sender"] == "customer" and m["text"] == question)
    assert order["reason"] == "customer_request" and vague["outcome"] == "miss"
