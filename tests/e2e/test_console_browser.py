"""The agent console in real headless Chromium: a customer hands off, the agent claims in the
console and replies, and the customer sees the reply. Agent assist: the KB's best entries for the
customer's last message; one click answers with an entry (服务忌语 checked) and the KB learns the wording."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import ADMIN, AGENT
from tests.e2e.customer import Customer
from tests.e2e.test_admin_browser import answers_with, eventually, kb_search

pytestmark = pytest.mark.slow

# Vague wordings the demo KB suggests entries for (none of them in test_judgement's list).
WORDINGS = ["退钱那个事情", "账号那块的问题", "送货的事儿", "积分那个咋整", "东西坏了的事"]
# An entry made for the test: its answer holds a 服务忌语.
CHECKED_ENTRY = {"question": "星期天门店几点关门", "answer": "这个我也不清楚，门店时间以当地公告为准",
                 "category": "", "similar": []}


def log_in(page: Page, product) -> None:
    page.goto(f"{product.base_url}/console")
    page.get_by_label("用户名").fill(AGENT[0])
    page.get_by_label("密码").fill(AGENT[1])
    page.get_by_role("button", name="登录").click()


def agent_texts(customer: Customer) -> list[str]:
    return [m["text"] for m in customer.history()["messages"] if m["sender"] == "agent"]


def test_agent_claims_and_replies_from_the_console(client, product, page):
    customer = Customer(client, product, name="<b>赵六</b>", phone="13611112222")
    customer.say("我要投诉，快递三天没更新")
    order_id = customer.say("转人工")["work_order_id"]

    log_in(page, product)
    entry = page.locator(f"#queue li[data-id='{order_id}']")
    expect(entry).to_be_visible()
    expect(entry).to_have_class("urgent")
    expect(entry.locator(".sla")).to_contain_text("首次响应")
    entry.click()
    # Customer text is shown as text: the name's tags appear literally, nothing is injected.
    expect(page.locator("#order-facts")).to_contain_text("<b>赵六</b>（web）")
    expect(page.locator("#order-facts")).to_contain_text("136****2222")
    expect(page.locator("#transcript")).to_contain_text("我要投诉，快递三天没更新")
    page.get_by_role("button", name="接手").click()
    expect(page.locator("#order-title")).to_contain_text("处理中")

    page.locator("#reply").fill("您好，我会帮您联系快递公司核实物流情况")
    page.get_by_role("button", name="发送").click()
    expect(page.locator("#transcript")).to_contain_text("我会帮您联系快递公司")
    seen = [m for m in customer.history()["messages"] if m["sender"] == "agent"]
    assert seen and seen[-1]["text"] == "您好，我会帮您联系快递公司核实物流情况"

    customer.say("好的，谢谢")  # arrives live over the console's WebSocket
    expect(page.locator("#transcript")).to_contain_text("好的，谢谢")


@pytest.fixture
def teaching_sessions(client, product) -> Iterator[list[str]]:
    """The checked entry added to the KB; afterwards it goes, with what the sessions the test lists taught
    the KB (other tests on this product expect the demo KB)."""
    headers = product.staff_headers(client, ADMIN)
    entries = f"{product.api}/kb/entries"
    added = client.put(f"{entries}/e2e-checked", json=CHECKED_ENTRY, headers=headers)
    assert added.status_code == 200, added.text
    sessions: list[str] = []
    yield sessions
    learned = client.get(f"{product.api}/admin/learned", headers=headers).json()["items"]
    for item in learned:
        if item["session_id"] in sessions:
            client.delete(f"{product.api}/admin/learned/{item['id']}", headers=headers).raise_for_status()
    client.delete(f"{entries}/e2e-checked", headers=headers).raise_for_status()


def test_agent_answers_with_a_kb_entry_and_the_kb_learns_the_wording(
    client, product, page, tmp_path, teaching_sessions
):
    wording = next((w for w in WORDINGS if kb_search(client, product, w)["outcome"] == "suggest"), None)
    assert wording, "the demo KB suggests entries for some vague wording"
    hits = kb_search(client, product, wording)["hits"][:3]
    best = hits[0]
    customer = Customer(client, product, name="钱七")
    teaching_sessions.append(customer.id)
    order_id = customer.say("转人工")["work_order_id"]
    customer.say(wording)  # while queued: it goes to the agents

    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, product)
    page.locator(f"#queue li[data-id='{order_id}']").click()
    expect(page.locator("#assist-question")).to_have_text(f"客户最后的问题：{wording}", timeout=60_000)
    suggested = page.locator("#assist-entries li")
    # The KB's three best, best first, each with its question, answer and one button to use it.
    expect(suggested.locator(".meta")).to_have_text([re.compile(rf"^{hit['id']} · 匹配度 ") for hit in hits])
    expect(suggested.first).to_contain_text(best["question"])
    expect(suggested.first).to_contain_text(best["answer"])
    use = page.get_by_role("button", name="用此答案回复")
    expect(use).to_have_count(0)  # only the order's agent answers
    page.get_by_role("button", name="接手").click()
    expect(use).to_have_count(3)
    page.screenshot(path=str(tmp_path / "assist.png"), full_page=True)

    use.first.click()
    expect(page.locator("#transcript li.agent")).to_have_text([f"客服：{best['answer']}"])
    assert agent_texts(customer) == [best["answer"]]
    headers = product.staff_headers(client, ADMIN)
    learned = client.get(f"{product.api}/admin/learned", headers=headers).json()["items"]
    taught = [item for item in learned if item["session_id"] == customer.id]
    assert [(t["kind"], t["entry_id"], t["text"], t["source"], t["status"]) for t in taught] == [
        ("similar", best["id"], wording, "agent", "active")
    ]
    eventually(lambda: answers_with(kb_search(client, product, wording), best["id"]),
               f"{wording} answered with {best['id']}")

    # The 服务忌语 check covers an entry's answer as it covers a typed reply: nothing goes unconfirmed.
    customer.say(CHECKED_ENTRY["question"])
    expect(page.locator("#assist-question")).to_have_text(f"客户最后的问题：{CHECKED_ENTRY['question']}")
    checked = page.locator("#assist-entries li").first
    expect(checked).to_contain_text(CHECKED_ENTRY["answer"])
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    checked.get_by_role("button", name="用此答案回复").click()
    expect(page.locator("#reply-warning")).to_have_text("包含服务忌语：不清楚")
    assert asked == ["这条回复包含服务忌语（不清楚），仍要发送吗？"]
    assert agent_texts(customer) == [best["answer"]]
    page.once("dialog", lambda dialog: dialog.accept())
    checked.get_by_role("button", name="用此答案回复").click()
    expect(page.locator("#transcript li.agent")).to_have_count(2)
    assert agent_texts(customer) == [best["answer"], CHECKED_ENTRY["answer"]]
    page.screenshot(path=str(tmp_path / "assist-checked.png"), full_page=True)
