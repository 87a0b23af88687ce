"""The agent console in real headless Chromium: a customer hands off, the agent claims in the
console and replies, and the customer sees the reply."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import AGENT
from tests.e2e.customer import Customer

pytestmark = pytest.mark.slow

def test_agent_claims_and_replies_from_the_console(client, product, page):
    customer = Customer(client, product, name="<b>赵六</b>", phone="13611112222")
    customer.say("我要投诉，快递三天没更新")
    order_id = customer.say("转人工")["work_order_id"]

    page.goto(f"{product.base_url}/console")
    page.get_by_label("用户名").fill(AGENT[0])
    page.get_by_label("密码").fill(AGENT[1])
    page.get_by_role("button", name="登录").click()
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
