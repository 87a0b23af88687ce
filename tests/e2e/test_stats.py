"""Service figures from live conversations: the stats API, its daily CSV and the weekly report."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kb_index.entries import load_jsonl_file
from kefu import messages
from kefu.settings import get_settings
from tests.conftest import ADMIN, AGENT
from tests.e2e.customer import Customer

pytestmark = pytest.mark.slow

# A question the bot cannot answer, carrying markup that must come out as text everywhere.
HOSTILE_MISS = "<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=1\">星座运势怎么看"


def today() -> str:
    return datetime.now(ZoneInfo(get_settings().timezone)).date().isoformat()


def this_week() -> str:
    year, week, _ = datetime.now(ZoneInfo(get_settings().timezone)).isocalendar()
    return f"{year}-W{week:02d}"


def stats(client, product) -> dict:
    response = client.get(f"{product.api}/stats", params={"from": today(), "to": today()},
                          headers=product.staff_headers(client, ADMIN))
    assert response.status_code == 200, response.text
    return response.json()


def ranked(ranking: list, key: str, at_least: int) -> bool:
    """`key`, counted `at_least` times, is in a top-N list: listed with that count, or outranked by a full list.

    The e2e product is shared by the whole session, so other tests' turns may rank higher today.
    """
    counts = dict(ranking)
    if key in counts:
        return counts[key] >= at_least
    return len(ranking) == get_settings().stats_top and min(counts.values()) >= at_least


def agent(client, product, order_id: str, action: str, **body) -> None:
    response = client.post(f"{product.api}/work-orders/{order_id}/{action}", json=body or None,
                           headers=product.staff_headers(client, AGENT))
    assert response.status_code == 200, response.text


def served_and_rated(client, product, satisfaction: str) -> None:
    """Hand off, get an answer from an agent, have it resolved, rate the service."""
    customer = Customer(client, product)
    order_id = customer.say("转人工")["work_order_id"]
    agent(client, product, order_id, "claim")
    agent(client, product, order_id, "messages", text="您好，我来帮您处理")
    agent(client, product, order_id, "resolve", resolution="已处理")
    customer.say(satisfaction)


def test_figures_follow_real_conversations(client, product):
    before = stats(client, product)
    entry = load_jsonl_file(str(get_settings().kb_seed_file))[0]
    happy = Customer(client, product)
    happy.say(entry.question)
    happy.say("5")
    for _ in range(2):
        Customer(client, product).say(HOSTILE_MISS)
    served_and_rated(client, product, "5")
    served_and_rated(client, product, "2")
    repeat_customer = f"<b>回头客</b>{uuid.uuid4().hex[:6]}"
    for _ in range(2):
        Customer(client, product, id=repeat_customer).say("我要投诉你们的客服态度")
    after = stats(client, product)

    def grew(key: str, *path: str) -> int:
        new, old = after[key], before[key]
        for step in path:
            new, old = new[step], old.get(step, 0)
        return new - old

    assert grew("conversations") == 7
    assert grew("bot_resolved") == 1
    assert grew("handoffs_by_reason", "customer_request") == 2
    assert grew("csat", "5") == 1 and grew("csat", "2") == 1
    assert grew("bot_ratings", "5") == 1
    assert grew("first_response_count") == 2 and grew("handling_count") == 2
    assert after["first_response_median_minutes"] is not None and after["first_response_median_minutes"] >= 0
    assert 0 < after["bot_resolution_rate"] < 1 and 0 < after["handoff_rate"] < 1
    assert ranked(after["top_missed_questions"], HOSTILE_MISS, at_least=2)
    assert {"customer_id": repeat_customer, "conversations": 2} in after["repeat_complaints"]
    complaints_before = dict(before["top_intents"]).get("complaint", 0)
    assert ranked(after["top_intents"], "complaint", at_least=complaints_before + 2)
    (day,) = after["series"]["day"]
    assert day["start"] == today() and day["conversations"] == after["conversations"]
    assert after["series"]["week"][0]["handoffs"] == after["handoffs"]

    empty = client.get(f"{product.api}/stats", params={"from": "2020-01-01", "to": "2020-01-02"},
                       headers=product.staff_headers(client, ADMIN)).json()
    assert empty["conversations"] == 0 and empty["bot_resolution_rate"] is None
    assert [d["conversations"] for d in empty["series"]["day"]] == [0, 0]


def test_only_supervisors_see_the_figures(client, product):
    headers = product.staff_headers(client, AGENT)
    for path in ("/stats", "/stats/export.csv", "/stats/weekly-report"):
        response = client.get(f"{product.api}{path}", params={"from": today(), "to": today()}, headers=headers)
        assert response.status_code == 403 and response.json()["detail"] == messages.FORBIDDEN
        assert client.get(f"{product.api}{path}").status_code == 401


def test_bad_periods_are_refused_in_chinese(client, product):
    headers = product.staff_headers(client, ADMIN)
    for path in ("/stats", "/stats/export.csv", "/work-orders/export.csv"):
        response = client.get(f"{product.api}{path}", params={"from": "2026-11-02", "to": "2026-11-01"},
                              headers=headers)
        assert response.status_code == 422 and response.json()["detail"] == messages.PERIOD_REVERSED
    too_long = client.get(f"{product.api}/stats", params={"from": "2020-01-01", "to": "2026-01-01"}, headers=headers)
    limit = get_settings().stats_max_days
    assert too_long.status_code == 422 and too_long.json()["detail"] == messages.PERIOD_TOO_LONG.format(limit=limit)
    for week in ("2026-48", "2026-W54", "W48"):
        response = client.get(f"{product.api}/stats/weekly-report", params={"week": week}, headers=headers)
        assert response.status_code == 422 and response.json()["detail"] == messages.WEEK_INVALID


def test_the_daily_csv_opens_in_excel(client, product):
    Customer(client, product).say("转人工")
    figures = stats(client, product)
    response = client.get(f"{product.api}/stats/export.csv", params={"from": "2026-11-01", "to": today()},
                          headers=product.staff_headers(client, ADMIN))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith("\ufeff".encode())  # the BOM Excel needs for Chinese
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == list(messages.STATS_CSV_COLUMNS.values())
    days = {row[0]: dict(zip(messages.STATS_CSV_COLUMNS, row, strict=True)) for row in rows[1:]}
    assert min(days) == "2026-11-01" and max(days) == today()
    assert int(days[today()]["conversations"]) == figures["conversations"] > 0
    assert int(days[today()]["handoffs"]) == figures["handoffs"]


def test_the_weekly_report_shows_customer_text_as_text(client, product, page):
    Customer(client, product).say(HOSTILE_MISS)
    response = client.get(f"{product.api}/stats/weekly-report", params={"week": this_week()},
                          headers=product.staff_headers(client, ADMIN))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "<script>window.__pwned" not in html and "<img src=x" not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert re.search(r"<(script|link|img|iframe)[^>]*\b(src|href)=", html) is None  # self-contained

    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.set_content(html)
    page.wait_for_selector("#charts svg .mark", state="attached")
    assert page.evaluate("window.__pwned") is None and dialogs == []
    assert HOSTILE_MISS in page.inner_text("body")
    assert page.locator("#charts figure").count() == 10
    assert page.locator("#charts svg .mark").count() >= 5
    drawn = page.evaluate("[...document.querySelectorAll('#charts svg title')].map((title) => title.textContent)")
    assert any(HOSTILE_MISS in text for text in drawn)  # the missed-questions chart, as an SVG text node
