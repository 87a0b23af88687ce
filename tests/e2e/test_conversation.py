"""The conversational core end to end: real Rasa, real action server, real database."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import opencc
import pytest

from kb_index.entries import load_jsonl_file
from kefu.settings import get_settings
from tests.conftest import AGENT
from tests.e2e.customer import Customer, asks_for_rating, texts

pytestmark = pytest.mark.slow

DEMO_KB = {entry.id: entry for entry in load_jsonl_file(str(get_settings().kb_seed_file))}
WORK_ORDER_ID = re.compile(r"^G\d{8}\d{3,}$")
OFF_TOPIC = ["帮我写一首关于秋天的诗", "今天股票大盘怎么走", "推荐一部好看的科幻电影"]


def entry_in(category: str):
    return next(entry for entry in DEMO_KB.values() if entry.category == category)


def test_session_starts_with_the_welcome(client, product):
    customer = Customer(client, product, name="张三")
    assert customer.session["state"] == "bot"
    welcome = customer.session["messages"][0]
    assert welcome["sender"] == "bot" and welcome["seq"] == 1
    assert welcome["text"].startswith("您好，我是智能客服") and welcome["text"].endswith("请问有什么可以帮您？")


def test_question_gets_the_kb_answer_then_the_rating_prompt(client, product):
    entry = entry_in("退款")
    reply = Customer(client, product).say(entry.question)
    assert reply["state"] == "bot"
    assert texts(reply)[0] == entry.answer
    assert asks_for_rating(reply)


def test_traditional_and_fullwidth_questions_are_understood(client, product):
    entry = entry_in("发票")
    traditional = opencc.OpenCC("s2t").convert(entry.question).replace("?", "？")
    assert traditional != entry.question
    reply = Customer(client, product).say(traditional)
    assert texts(reply)[0] == entry.answer


def agent_view(client, product, work_order_id):
    headers = product.staff_headers(client, AGENT)
    response = client.get(f"{product.api}/work-orders/{work_order_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_low_rating_hands_off_with_a_complete_work_order(client, product):
    entry = entry_in("产品故障")
    customer = Customer(client, product, name="李四", phone="13912345678")
    customer.say(entry.question)
    reply = customer.say("２分")
    assert reply["state"] == "queued"
    assert WORK_ORDER_ID.match(reply["work_order_id"])
    assert any("人工客服" in text for text in texts(reply))

    order = agent_view(client, product, reply["work_order_id"])
    assert order["status"] == "queued" and order["reason"] == "low_rating" and order["rating"] == 2
    assert order["urgency"] in ("normal", "urgent", "critical")
    assert order["department"] in ("技术部", "财务部", "物流部", "产品部", "客服部")
    assert order["customer"]["name"] == "李四" and order["customer"]["contact"] == "139****5678"
    assert order["customer"]["channel"] == "web"
    assert order["summary"]["first_question"] == entry.question
    senders = [m["sender"] for m in order["transcript"]]
    assert senders[:2] == ["bot", "customer"] and "system" in senders
    asked = next(m for m in order["transcript"] if m["text"] == entry.question)
    assert asked["intent"] and 0 < asked["confidence"] <= 1
    answered = next(m for m in order["transcript"] if m["text"] == entry.answer)
    assert answered["kb_id"] == entry.id and answered["score"] > 0
    due = order["sla"]
    assert due["first_response_due"] < due["resolve_due"]


def test_good_rating_thanks_and_the_bot_carries_on(client, product):
    customer = Customer(client, product)
    customer.say(entry_in("会员积分").question)
    reply = customer.say("五星")
    assert reply["state"] == "bot" and "work_order_id" not in reply
    assert "感谢您的评价" in texts(reply)[0]
    follow_up = customer.say(entry_in("物流").question)
    assert texts(follow_up)[0] == entry_in("物流").answer


def test_a_rating_button_payload_counts(client, product):
    customer = Customer(client, product)
    prompt = customer.say(entry_in("订单").question)["messages"][-1]
    low = next(button for button in prompt["buttons"] if button["title"] == "1")
    reply = customer.say(low["payload"])
    assert reply["state"] == "queued"
    assert agent_view(client, product, reply["work_order_id"])["rating"] == 1


def test_a_new_question_instead_of_a_rating_is_answered(client, product):
    customer = Customer(client, product)
    customer.say(entry_in("发票").question)
    refund = entry_in("退款")
    reply = customer.say(refund.question)
    assert reply["state"] == "bot"
    assert texts(reply)[0] == refund.answer


def test_two_misses_in_a_row_hand_off(client, product):
    customer = Customer(client, product)
    first = customer.say(OFF_TOPIC[0])
    assert first["state"] == "bot"
    second = customer.say(OFF_TOPIC[1])
    assert second["state"] == "queued"
    order = agent_view(client, product, second["work_order_id"])
    assert order["reason"] == "two_misses" and order["rating"] is None


def test_a_miss_a_hit_a_miss_is_not_two_in_a_row(client, product):
    customer = Customer(client, product)
    customer.say(OFF_TOPIC[0])
    customer.say(entry_in("物流").question)
    reply = customer.say(OFF_TOPIC[2])
    assert reply["state"] == "bot"


@pytest.mark.parametrize("request_text", ["转人工", "我要找人工客服", "找真人"])
def test_asking_for_a_person_hands_off(client, product, request_text):
    reply = Customer(client, product).say(request_text)
    assert reply["state"] == "queued"
    assert agent_view(client, product, reply["work_order_id"])["reason"] == "customer_request"


def test_an_escalation_threat_hands_off_at_once_as_critical(client, product):
    reply = Customer(client, product).say("你们再不给我退款我就打12315投诉，还要找媒体曝光")
    assert reply["state"] == "queued"
    order = agent_view(client, product, reply["work_order_id"])
    assert order["reason"] == "escalation_threat" and order["urgency"] == "critical"
    created = datetime.fromisoformat(order["created_at"])
    assert datetime.fromisoformat(order["sla"]["resolve_due"]) - created == timedelta(hours=2)
    assert datetime.fromisoformat(order["sla"]["first_response_due"]) - created == timedelta(minutes=10)


def test_after_handoff_the_bot_stays_silent_and_nothing_is_lost(client, product):
    customer = Customer(client, product)
    handed = customer.say("转人工")
    reply = customer.say("你好，我还在等")
    assert reply["state"] == "queued" and reply["messages"] == []
    assert reply["work_order_id"] == handed["work_order_id"]
    history = customer.history()["messages"]
    assert history[-1]["sender"] == "customer" and history[-1]["text"] == "你好，我还在等"
    assert [m["seq"] for m in history] == list(range(1, len(history) + 1))
    assert customer.history(after=history[-2]["seq"])["messages"] == history[-1:]


def test_order_status_is_looked_up(client, product):
    reply = Customer(client, product).say("帮我查下订单DD202611180001到哪了")
    assert texts(reply)[0].startswith("您的订单DD202611180001当前状态为'")
    assert asks_for_rating(reply)


def test_work_order_numbers_never_repeat(client, product):
    numbers = {Customer(client, product).say("转人工")["work_order_id"] for _ in range(3)}
    assert len(numbers) == 3 and all(WORK_ORDER_ID.match(n) for n in numbers)


def test_health_reports_ok(client, product):
    response = client.get(f"{product.base_url}/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_a_retried_message_is_stored_once_and_gets_the_same_replies(client, product):
    customer = Customer(client, product)
    url = f"{product.api}/sessions/{customer.id}/messages"
    body = {"text": entry_in("退款").question, "client_message_id": "web-1"}
    first = client.post(url, json=body, headers=customer.headers).json()
    again = client.post(url, json=body, headers=customer.headers).json()
    assert again == first
    stored = [m for m in customer.history()["messages"] if m["sender"] == "customer"]
    assert [m["text"] for m in stored] == [body["text"]]


def test_retries_arriving_together_store_one_message(client, product):
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    customer = Customer(client, product)
    url = f"{product.api}/sessions/{customer.id}/messages"

    def send(_: int) -> int:
        with httpx.Client(timeout=30) as own:
            body = {"text": "你好", "client_message_id": "tap-twice"}
            return own.post(url, json=body, headers=customer.headers).status_code

    with ThreadPoolExecutor(3) as pool:
        assert list(pool.map(send, range(3))) == [200, 200, 200]
    assert [m["text"] for m in customer.history()["messages"] if m["sender"] == "customer"] == ["你好"]
