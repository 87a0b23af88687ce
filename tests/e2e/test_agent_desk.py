"""After the handoff: an agent claims, talks live with the customer, resolves; the customer rates."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import websockets

from tests.conftest import AGENT, AGENT2
from tests.e2e.customer import Customer, texts

pytestmark = pytest.mark.slow


def handed_off(client, product) -> tuple[Customer, str]:
    customer = Customer(client, product, name="王五")
    return customer, customer.say("转人工")["work_order_id"]


def post(client, product, user, path, **body):
    return client.post(f"{product.api}/work-orders/{path}", json=body or None,
                       headers=product.staff_headers(client, user))


def test_claim_hands_the_session_to_the_agent_and_the_bot_goes_quiet(client, product):
    customer, order_id = handed_off(client, product)
    claimed = post(client, product, AGENT, f"{order_id}/claim")
    assert claimed.status_code == 200 and claimed.json()["status"] == "assigned"
    assert claimed.json()["assigned_to"] == AGENT[0]
    history = customer.history()
    assert history["state"] == "agent" and f"客服{AGENT[0]}已接入" in history["messages"][-1]["text"]
    reply = customer.say("退款多久能到账")
    assert reply["state"] == "agent" and reply["messages"] == []
    assert post(client, product, AGENT2, f"{order_id}/claim").status_code == 409


def test_two_agents_claiming_at_once_exactly_one_wins(client, product):
    _, order_id = handed_off(client, product)
    headers = [product.staff_headers(client, user) for user in (AGENT, AGENT2)]

    def claim(header: dict) -> int:
        with httpx.Client(timeout=30) as own:
            return own.post(f"{product.api}/work-orders/{order_id}/claim", headers=header).status_code

    with ThreadPoolExecutor(2) as pool:
        codes = sorted(pool.map(claim, headers))
    assert codes == [200, 409]


def test_agent_and_customer_reach_each_other_live(client, product):
    customer, order_id = handed_off(client, product)
    post(client, product, AGENT, f"{order_id}/claim")
    base = product.base_url.replace("http", "ws") + "/api/v1"
    token = product.staff_headers(client, AGENT)["Authorization"].split()[1]

    customer_url = f"{base}/sessions/{customer.id}/ws?token={customer.session['token']}"

    async def exchange() -> tuple[dict, dict]:
        async with websockets.connect(customer_url) as mine, \
                websockets.connect(f"{base}/work-orders/live?token={token}") as agents:
            sent = await asyncio.to_thread(
                post, client, product, AGENT, f"{order_id}/messages", text="您好，我来帮您处理"
            )
            assert sent.status_code == 200, sent.text
            to_customer = json.loads(await asyncio.wait_for(mine.recv(), 1))
            await asyncio.to_thread(customer.say, "好的，订单DD202611180001")
            to_agent = json.loads(await asyncio.wait_for(agents.recv(), 1))
            return to_customer, to_agent

    to_customer, to_agent = asyncio.run(exchange())
    assert to_customer["sender"] == "agent" and to_customer["text"] == "您好，我来帮您处理"
    assert to_agent["id"] == order_id and to_agent["message"]["text"] == "好的，订单DD202611180001"


def test_resolve_asks_for_satisfaction_and_a_good_rating_closes(client, product):
    customer, order_id = handed_off(client, product)
    post(client, product, AGENT, f"{order_id}/claim")
    resolved = post(client, product, AGENT, f"{order_id}/resolve", resolution="已为客户办理退款")
    assert resolved.json()["status"] == "resolved"
    question = customer.history()["messages"][-1]
    assert question["text"].startswith("问题是否已解决？请回复1-5分") and len(question["buttons"]) == 5
    reply = customer.say("5")
    assert reply["state"] == "bot"
    order = client.get(f"{product.api}/work-orders/{order_id}", headers=product.staff_headers(client, AGENT)).json()
    assert order["status"] == "closed" and order["satisfaction"] == 5
    assert "请回复1-5分" in texts(customer.say("怎么开发票"))[-1]  # the bot answers again


def test_a_low_rating_reopens_for_the_same_agent(client, product):
    customer, order_id = handed_off(client, product)
    post(client, product, AGENT, f"{order_id}/claim")
    post(client, product, AGENT, f"{order_id}/resolve", resolution="已处理")
    reply = customer.say("2分")
    assert reply["state"] == "agent" and AGENT[0] in texts(reply)[0]
    order = client.get(f"{product.api}/work-orders/{order_id}", headers=product.staff_headers(client, AGENT)).json()
    assert order["status"] == "reopened" and order["satisfaction"] == 2
    assert post(client, product, AGENT, f"{order_id}/messages", text="我们继续处理").status_code == 200


def test_only_the_holder_acts_and_customers_never(client, product):
    customer, order_id = handed_off(client, product)
    assert post(client, product, AGENT, f"{order_id}/messages", text="抢先回复").status_code == 403
    post(client, product, AGENT, f"{order_id}/claim")
    assert post(client, product, AGENT2, f"{order_id}/messages", text="你好").status_code == 403
    assert post(client, product, AGENT2, f"{order_id}/resolve", resolution="x").status_code == 403
    as_customer = client.post(f"{product.api}/work-orders/{order_id}/claim", headers=customer.headers)
    assert as_customer.status_code == 401
    empty = post(client, product, AGENT, f"{order_id}/messages", text=" ")
    assert empty.status_code == 422 and not empty.json()["detail"].isascii()
    assert post(client, product, AGENT, "G00000000000/claim").status_code == 404


def staff_get(client, product, path, **params):
    response = client.get(f"{product.api}/work-orders{path}", params=params,
                          headers=product.staff_headers(client, AGENT))
    assert response.status_code == 200, response.text
    return response.json()


def test_notes_stay_internal(client, product):
    customer, order_id = handed_off(client, product)
    noted = post(client, product, AGENT, f"{order_id}/notes", text="客户情绪激动，注意安抚")
    assert noted.status_code == 201
    assert noted.json()["events"][-1] == {**noted.json()["events"][-1], "kind": "note", "author": AGENT[0]}
    assert all("注意安抚" not in m["text"] for m in customer.history()["messages"])


def test_transfer_to_a_department_requeues_and_to_an_agent_reassigns(client, product):
    customer, order_id = handed_off(client, product)
    post(client, product, AGENT, f"{order_id}/claim")
    to_agent = post(client, product, AGENT, f"{order_id}/transfer", agent=AGENT2[0], note="请跟进退款")
    assert to_agent.status_code == 200 and to_agent.json()["assigned_to"] == AGENT2[0]
    to_queue = post(client, product, AGENT2, f"{order_id}/transfer", department="财务部", note="需要财务核实")
    body = to_queue.json()
    assert body["status"] == "queued" and body["department"] == "财务部" and body["assigned_to"] is None
    assert [e["kind"] for e in body["events"]] == ["transfer", "transfer"]
    assert customer.history()["state"] == "queued"
    assert order_id in [o["id"] for o in staff_get(client, product, "", status="queued", department="财务部")]
    unknown = post(client, product, AGENT, f"{order_id}/transfer", department="火星部", note="x")
    assert unknown.status_code == 422 and not unknown.json()["detail"].isascii()
    assert post(client, product, AGENT, f"{order_id}/transfer", note="无目标").status_code == 422


def test_queue_filters_and_counts(client, product):
    _, order_id = handed_off(client, product)
    post(client, product, AGENT2, f"{order_id}/claim")
    mine = staff_get(client, product, "", agent=AGENT2[0])
    assert order_id in [o["id"] for o in mine] and all(o["assigned_to"] == AGENT2[0] for o in mine)
    assert all(o["first_response_overdue"] is False for o in mine)
    counts = staff_get(client, product, "/counts")
    assert counts["assigned"] >= 1 and counts["queued"] == len(staff_get(client, product, "", status="queued"))


def test_forbidden_phrases_are_flagged_and_canned_replies_offered(client, product):
    _, order_id = handed_off(client, product)
    post(client, product, AGENT, f"{order_id}/claim")
    polite = post(client, product, AGENT, f"{order_id}/messages", text="我会帮您核实，我们可以为您补发")
    assert polite.status_code == 200 and polite.json()["forbidden"] == []
    rude = post(client, product, AGENT, f"{order_id}/messages", text="这个我不清楚，你到物流部门问问吧")
    assert rude.status_code == 200
    assert set(rude.json()["forbidden"]) >= {"不清楚", "你到物流部门问问"}
    standard = staff_get(client, product, "/service-standard")
    assert standard["canned_replies"] and all("{" not in r["title"] for r in standard["canned_replies"])
    assert "这是规定" in standard["forbidden_phrases"]


def test_nobody_online_tells_the_wait_and_takes_a_callback_number(client, product):
    customer, order_id = handed_off(client, product)
    notice = customer.history()["messages"][-1]["text"]
    assert "您前面还有" in notice and "预计等待约" in notice and order_id in notice
    reply = customer.say("我的手机号是13987654321，麻烦回电")
    assert "139****4321" in texts(reply)[0]
    order = client.get(f"{product.api}/work-orders/{order_id}", headers=product.staff_headers(client, AGENT)).json()
    assert order["callback"] == "139****4321"


def test_with_an_agent_online_the_notice_has_no_wait_estimate(client, product):
    token = product.staff_headers(client, AGENT)["Authorization"].split()[1]
    url = product.base_url.replace("http", "ws") + f"/api/v1/work-orders/live?token={token}"

    async def handoff_while_online() -> tuple[str, dict]:
        async with websockets.connect(url) as agents:
            customer, order_id = await asyncio.to_thread(handed_off, client, product)
            pushed = json.loads(await asyncio.wait_for(agents.recv(), 1))
            return (await asyncio.to_thread(customer.history))["messages"][-1]["text"], pushed | {"want": order_id}

    notice, pushed = asyncio.run(handoff_while_online())
    assert "您前面还有" in notice and "预计等待" not in notice
    assert pushed["type"] == "work_order" and pushed["id"] == pushed["want"]


def test_csv_export_of_a_date_range(client, product):
    import csv
    import io
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    _, order_id = handed_off(client, product)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    headers = product.staff_headers(client, AGENT)
    response = client.get(f"{product.api}/work-orders/export.csv", params={"from": today, "to": today}, headers=headers)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    mine = next(row for row in rows if row["id"] == order_id)
    assert mine["reason"] == "customer_request" and mine["customer_name"] == "王五"
    assert all(row["id"].startswith(f"G{today:%Y%m%d}") for row in rows)
    yesterday = today - timedelta(days=1)
    empty = client.get(f"{product.api}/work-orders/export.csv", params={"from": yesterday, "to": yesterday},
                       headers=headers)
    assert list(csv.DictReader(io.StringIO(empty.text.lstrip("\ufeff")))) == []
    bad = client.get(f"{product.api}/work-orders/export.csv", params={"from": "昨天", "to": today}, headers=headers)
    assert bad.status_code == 422 and not bad.json()["detail"].isascii()


def test_an_agent_with_a_department_works_only_that_queue(client, product):
    from tests.conftest import LOGISTICS_AGENT

    _, general = handed_off(client, product)  # no problem type: 客服部
    logistics_customer = Customer(client, product)
    logistics_customer.say("我的快递三天了还没到，物流一直不更新")
    logistics = logistics_customer.say("转人工")["work_order_id"]
    headers = product.staff_headers(client, LOGISTICS_AGENT)
    queue = client.get(f"{product.api}/work-orders", headers=headers).json()
    assert logistics in [o["id"] for o in queue] and general not in [o["id"] for o in queue]
    assert all(o["department"] == "物流部" for o in queue)
    assert client.get(f"{product.api}/work-orders/{general}", headers=headers).status_code == 403
    assert post(client, product, LOGISTICS_AGENT, f"{general}/claim").status_code == 403
    assert post(client, product, LOGISTICS_AGENT, f"{logistics}/claim").status_code == 200


def test_an_agent_retry_is_not_sent_twice(client, product):
    customer, order_id = handed_off(client, product)
    post(client, product, AGENT, f"{order_id}/claim")
    first = post(client, product, AGENT, f"{order_id}/messages", text="马上为您处理", client_message_id="a-1")
    again = post(client, product, AGENT, f"{order_id}/messages", text="马上为您处理", client_message_id="a-1")
    assert again.json() == first.json()
    assert [m["text"] for m in customer.history()["messages"] if m["sender"] == "agent"] == ["马上为您处理"]


def test_an_agent_with_a_department_hears_only_that_queue_live(client, product):
    from tests.conftest import LOGISTICS_AGENT

    token = product.staff_headers(client, LOGISTICS_AGENT)["Authorization"].split()[1]
    url = product.base_url.replace("http", "ws") + f"/api/v1/work-orders/live?token={token}"

    async def first_event_heard() -> tuple[dict, str]:
        async with websockets.connect(url) as logistics_desk:
            await asyncio.to_thread(handed_off, client, product)  # 客服部: not for this agent
            logistics_customer = await asyncio.to_thread(Customer, client, product)
            await asyncio.to_thread(logistics_customer.say, "我的快递三天了还没到，物流一直不更新")
            reply = await asyncio.to_thread(logistics_customer.say, "转人工")
            return json.loads(await asyncio.wait_for(logistics_desk.recv(), 2)), reply["work_order_id"]

    heard, logistics = asyncio.run(first_event_heard())
    assert heard["id"] == logistics and heard["department"] == "物流部"
