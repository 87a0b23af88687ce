"""The SMS identity check before sensitive requests, with the console provider's outbox as the
customer's phone, and what agents see of verified and unverified customers."""

from __future__ import annotations

import asyncio
import json
import re
import uuid

import httpx
import pytest
import websockets

from kefu import messages
from kefu.pii import mask_phone
from kefu.settings import Settings
from tests.conftest import AGENT, Product
from tests.e2e.customer import Customer, texts

pytestmark = pytest.mark.slow

DEFAULTS = Settings()
ID_CARD = "11010119900307123X"
BANK_CARD = "6222021000123456781"  # Luhn-valid


def new_phone() -> str:
    return f"139{uuid.uuid4().int % 10**8:08d}"


def codes_sent_to(product: Product, phone: str) -> list[str]:
    """The codes in the console provider's outbox for ``phone``, oldest first."""
    outbox = product.data_dir / "sms_outbox.jsonl"
    entries = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()] if outbox.exists() else []
    return [re.search(r"验证码是(\d+)", entry["text"]).group(1) for entry in entries if entry["phone"] == phone]


def code_prompt(phone: str) -> str:
    return messages.VERIFY_SEND_CODE.format(last4=phone[-4:], minutes=DEFAULTS.verification_code_minutes,
                                            digits=DEFAULTS.verification_code_digits)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"


def verified_customer(client: httpx.Client, product: Product, phone: str) -> Customer:
    customer = Customer(client, product, phone=phone)
    assert texts(customer.say("我想改一下收货地址")) == [code_prompt(phone)]
    assert texts(customer.say(codes_sent_to(product, phone)[-1]))[0] == messages.VERIFY_OK
    return customer


def test_an_address_change_waits_for_the_sms_code(client, product):
    phone = new_phone()
    customer = Customer(client, product, phone=phone)
    asked = customer.say("我想改一下收货地址")
    assert texts(asked) == [code_prompt(phone)]
    assert asked["messages"][0]["text"].startswith(f"为了您的账户安全，我们会向您尾号{phone[-4:]}的手机发送验证码")
    [code] = codes_sent_to(product, phone)
    left = DEFAULTS.verification_max_attempts - 1
    assert texts(customer.say(wrong(code))) == [messages.VERIFY_WRONG.format(left=left)]
    released = customer.say(f"验证码是{code}")
    # The bot's answer to the address change, held back until now.
    assert texts(released)[0] == messages.VERIFY_OK
    assert [m["sender"] for m in released["messages"][1:]] and all(m["sender"] == "bot" for m in released["messages"])
    # The code is not kept in the conversation, and earned no warning about secrets.
    said = [m["text"] for m in customer.history()["messages"] if m["sender"] == "customer"]
    assert said == ["我想改一下收货地址", "******", "验证码是******"]
    assert messages.SECRET_WARNING not in texts(released)
    # Verified once is verified for the session: the next sensitive request needs no code.
    again = customer.say("我的账号被盗了")
    assert code_prompt(phone) not in texts(again) and len(codes_sent_to(product, phone)) == 1


def test_without_a_phone_the_customer_is_asked_for_one(client, product):
    phone = new_phone()
    customer = Customer(client, product)
    assert texts(customer.say("收货地址写错了怎么办")) == [messages.VERIFY_ASK_PHONE]
    assert texts(customer.say(f"我的手机是{phone}")) == [code_prompt(phone)]
    assert texts(customer.say(codes_sent_to(product, phone)[-1]))[0] == messages.VERIFY_OK


def test_wrong_codes_are_limited(client, product):
    phone = new_phone()
    customer = Customer(client, product, phone=phone)
    customer.say("我想改一下收货地址")
    [code] = codes_sent_to(product, phone)
    attempts = DEFAULTS.verification_max_attempts
    replies = [texts(customer.say(wrong(code))) for _ in range(attempts)]
    assert replies == [[messages.VERIFY_WRONG.format(left=left)] for left in range(attempts - 1, 0, -1)] + [
        [messages.VERIFY_LOCKED]
    ]
    # The right code comes too late: that check is over, and the customer is still not verified.
    assert messages.VERIFY_OK not in texts(customer.say(code))
    assert texts(customer.say("我想改一下收货地址")) == [code_prompt(phone)]
    assert len(codes_sent_to(product, phone)) == 2


def test_a_customer_who_moves_on_is_answered_by_the_bot(client, product):
    phone = new_phone()
    customer = Customer(client, product, phone=phone)
    customer.say("我想改一下收货地址")
    [code] = codes_sent_to(product, phone)
    moved_on = customer.say("退款多久能到账")
    assert moved_on["messages"] and all(m["sender"] == "bot" for m in moved_on["messages"])
    assert not any(text.startswith("为了您的账户安全") or "验证码" in text for text in texts(moved_on))
    assert messages.VERIFY_OK not in texts(customer.say(code))


def test_a_customer_who_moves_on_never_rates_the_answer_held_back(client, product):
    """The held answer asked for a rating the customer never saw: a "2" written instead of the code
    is no low rating (no handoff), and the bot answers it as the conversation stood before."""
    customer = Customer(client, product, phone=new_phone())
    customer.say("我想改一下收货地址")
    reply = customer.say("2分")
    assert reply["state"] == "bot" and reply.get("work_order_id") is None
    assert reply["messages"] and all(m["sender"] == "bot" for m in reply["messages"])


def hand_over(client: httpx.Client, product: Product, customer: Customer) -> dict:
    order_id = customer.say("转人工")["work_order_id"]
    response = client.get(f"{product.api}/work-orders/{order_id}", headers=product.staff_headers(client, AGENT))
    assert response.status_code == 200, response.text
    return response.json()


def test_agents_see_personal_data_masked_until_the_customer_is_verified(client, product):
    disclosure = f"我的身份证号是{ID_CARD}，银行卡{BANK_CARD}，手机13600001111"
    phone = new_phone()
    unverified = Customer(client, product, phone=phone)
    unverified.say(disclosure)
    order = hand_over(client, product, unverified)
    seen = json.dumps(order, ensure_ascii=False)
    assert ID_CARD not in seen and BANK_CARD not in seen and phone not in seen and "13600001111" not in seen
    assert "110***********123X" in seen and "6222***********6781" in seen and "136****1111" in seen
    assert order["customer"]["contact"] == mask_phone(phone) and order["customer"]["verified"] is False

    phone = new_phone()
    verified = verified_customer(client, product, phone)
    verified.say(disclosure)
    order = hand_over(client, product, verified)
    transcript = [entry["text"] for entry in order["transcript"]]
    assert disclosure in transcript
    assert order["customer"]["contact"] == phone and order["customer"]["verified"] is True


def test_live_pushes_to_agents_are_masked_for_unverified_customers(client, product):
    customer = Customer(client, product)
    order_id = customer.say("转人工")["work_order_id"]
    token = product.staff_headers(client, AGENT)["Authorization"].removeprefix("Bearer ")
    url = product.base_url.replace("http", "ws") + f"/api/v1/work-orders/live?token={token}"

    async def pushed_to_agents() -> dict:
        async with websockets.connect(url) as agents:
            await asyncio.to_thread(customer.say, f"身份证{ID_CARD}")
            while True:
                event = json.loads(await asyncio.wait_for(agents.recv(), 10))
                if event["type"] == "message" and event["id"] == order_id:
                    return event["message"]

    assert asyncio.run(pushed_to_agents())["text"] == "身份证110***********123X"
