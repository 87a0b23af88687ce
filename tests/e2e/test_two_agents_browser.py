"""Two agents, each in their own browser context, work the same queue at once: a claim by one
disappears from the other's queue live, and each conversation reaches only its own customer."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import AGENT, AGENT2
from tests.e2e.customer import Customer

pytestmark = pytest.mark.slow


def console_for(browser, product, user: tuple[str, str]) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{product.base_url}/console")
    page.get_by_label("用户名").fill(user[0])
    page.get_by_label("密码").fill(user[1])
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#me")).to_have_text(user[0])
    return page


def claim_and_reply(page: Page, order_id: str, text: str) -> None:
    page.locator(f"#queue li[data-id='{order_id}']").click()
    page.get_by_role("button", name="接手").click()
    expect(page.locator("#order-title")).to_contain_text("处理中")
    page.locator("#reply").fill(text)
    page.get_by_role("button", name="发送").click()
    expect(page.locator("#transcript")).to_contain_text(text)


def agent_texts(customer: Customer) -> list[str]:
    return [m["text"] for m in customer.history()["messages"] if m["sender"] == "agent"]


def test_two_agents_share_the_queue_without_crossing_conversations(client, product, browser, tmp_path):
    first_customer, second_customer = Customer(client, product, name="甲"), Customer(client, product, name="乙")
    first_customer.say("我要退款，订单DD202611180001")
    first = first_customer.say("转人工")["work_order_id"]
    second = second_customer.say("找真人")["work_order_id"]

    one, two = console_for(browser, product, AGENT), console_for(browser, product, AGENT2)
    for page in (one, two):
        expect(page.locator(f"#queue li[data-id='{first}']")).to_be_visible()
        expect(page.locator(f"#queue li[data-id='{second}']")).to_be_visible()
    two.locator(f"#queue li[data-id='{first}']").click()  # both look at the same order…

    claim_and_reply(one, first, "您好，我会帮您核实退款进度")
    # …and the second console learns live that it is taken: gone from the queue, no claim button.
    expect(two.locator(f"#queue li[data-id='{first}']")).to_have_count(0)
    expect(two.get_by_role("button", name="接手")).to_be_hidden()

    claim_and_reply(two, second, "您好，我们可以为您安排回电")
    assert agent_texts(first_customer) == ["您好，我会帮您核实退款进度"]
    assert agent_texts(second_customer) == ["您好，我们可以为您安排回电"]

    first_customer.say("好的，等您消息")
    second_customer.say("下午三点方便")
    expect(one.locator("#transcript")).to_contain_text("好的，等您消息")
    expect(two.locator("#transcript")).to_contain_text("下午三点方便")
    expect(one.locator("#transcript")).not_to_contain_text("下午三点方便")
    expect(two.locator("#transcript")).not_to_contain_text("好的，等您消息")
    one.screenshot(path=str(tmp_path / "agent1.png"))
    two.screenshot(path=str(tmp_path / "agent2.png"))
