"""Service figures from live conversations."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kb_index.entries import load_jsonl_file
from kefu import messages
from kefu.settings import get_settings
from tests.conftest import ADMIN, AGENT
from tests.e2e.customer import Customer

pytestmark = pytest.mark.slow

OFF_TOPIC = "帮我算一下今天的星座运势"


def test_stats_for_today(client, product):
    entry = load_jsonl_file(str(get_settings().kb_seed_file))[0]
    happy = Customer(client, product)
    happy.say(entry.question)
    happy.say("5")
    Customer(client, product).say(OFF_TOPIC)
    Customer(client, product).say("转人工")

    today = datetime.now(ZoneInfo(get_settings().timezone)).date().isoformat()
    url = f"{product.api}/stats"
    assert client.get(url, params={"from": today, "to": today},
                      headers=product.staff_headers(client, AGENT)).status_code == 403
    stats = client.get(url, params={"from": today, "to": today}, headers=product.staff_headers(client, ADMIN)).json()
    assert stats["conversations"] >= 3
    assert stats["handoffs_by_reason"]["customer_request"] >= 1
    assert stats["bot_ratings"]["5"] >= 1
    assert 0 < stats["bot_resolution_rate"] < 1 and 0 < stats["handoff_rate"] < 1
    assert any(text == OFF_TOPIC and count >= 1 for text, count in stats["top_missed_questions"])
    assert stats["top_intents"] and all(count >= 1 for _, count in stats["top_intents"])
    empty = client.get(url, params={"from": "2020-01-01", "to": "2020-01-02"},
                       headers=product.staff_headers(client, ADMIN)).json()
    assert empty["conversations"] == 0 and empty["bot_resolution_rate"] is None


def test_a_reversed_period_is_refused(client, product):
    headers = product.staff_headers(client, ADMIN)
    for path in ("/stats", "/work-orders/export.csv"):
        response = client.get(f"{product.api}{path}", params={"from": "2026-11-02", "to": "2026-11-01"},
                              headers=headers)
        assert response.status_code == 422 and response.json()["detail"] == messages.PERIOD_REVERSED
