"""The supervisors' dashboard in real headless Chromium: it signs in, draws its charts from the
live figures, switches between days and weeks, and shows customer text as text."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import ADMIN, AGENT
from tests.e2e.customer import Customer

pytestmark = pytest.mark.slow

HOSTILE_MISS = "<img src=x onerror=\"window.__pwned=1\">怎么看今天的星座运势"


def sign_in(page, product, user) -> None:
    page.goto(f"{product.base_url}/dashboard")
    page.get_by_label("用户名").fill(user[0])
    page.get_by_label("密码").fill(user[1])
    page.get_by_role("button", name="登录").click()


def marks(page, chart: str):
    return page.locator("#charts figure", has_text=chart).locator("svg .mark")


def values(locator) -> list[str]:
    return [mark.get_attribute("data-value") for mark in locator.all()]


def test_the_dashboard_draws_charts_from_live_data(client, product, page, tmp_path):
    Customer(client, product).say("转人工")
    Customer(client, product).say(HOSTILE_MISS)
    figures = client.get(f"{product.api}/stats", headers=product.staff_headers(client, ADMIN)).json()

    sign_in(page, product, ADMIN)
    expect(page.locator("#charts figure")).to_have_count(10)
    expect(page.locator("#kpis .kpi[data-key='conversations'] .value")).to_have_text(str(figures["conversations"]))
    assert page.input_value("#from") == figures["from"] and page.input_value("#to") == figures["to"]
    # One bar a day, each the live count of that day.
    conversations = marks(page, "会话量与转人工").and_(page.locator("[data-series='会话']"))
    assert [float(v) for v in values(conversations)] == [d["conversations"] for d in figures["series"]["day"]]
    assert sum(float(v) for v in values(conversations)) == figures["conversations"] > 0
    rates = marks(page, "机器人解决率与转人工率").and_(page.locator("[data-series='转人工率']"))
    assert [float(v) for v in values(rates)] == [d["handoff_rate"] for d in figures["series"]["day"]
                                                   if d["handoff_rate"] is not None]
    assert marks(page, "转人工原因").count() == len(figures["handoff_rate_by_reason"]) > 0
    assert marks(page, "热门意图").count() == len(figures["top_intents"]) > 0
    missed = page.locator("#charts figure", has_text="未解答问题").locator("svg text").all_text_contents()
    assert any(text.startswith("<img src=x") for text in missed)  # the customer's text, as text, cut to fit
    assert page.evaluate("window.__pwned") is None

    page.locator("#by").select_option("week")
    weeks = [float(v) for v in values(conversations)]
    assert weeks == [w["conversations"] for w in figures["series"]["week"]] and len(weeks) in (4, 5)
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)

    with page.expect_download() as download:
        page.get_by_role("button", name="导出CSV").click()
    assert download.value.suggested_filename == f"kefu-stats-{figures['from']}-{figures['to']}.csv"
    with page.expect_popup() as popup:
        page.get_by_role("button", name="打开周报").click()
    expect(popup.value.locator("h1")).to_contain_text("客服周报")
    expect(popup.value.locator("#charts figure")).to_have_count(10)


def test_an_agent_is_not_let_in(product, page):
    sign_in(page, product, AGENT)
    expect(page.locator("#login-error")).to_have_text("没有权限执行此操作")
    expect(page.locator("#board")).to_be_hidden()
