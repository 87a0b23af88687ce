"""The mini-program's request layer (clients/miniprogram/utils/api.js) against the live gateway,
in Node with a wx.request / wx.connectSocket implementation: welcome, a KB answer with rating
buttons, a rating, polling by after=<seq>, a handoff, live agent messages, and catching up after
the socket was lost."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kb_index.entries import load_jsonl_file
from kefu import messages
from kefu.settings import get_settings
from tests.conftest import AGENT
from tests.e2e.customer import asks_for_rating

pytestmark = pytest.mark.slow

DRIVER = Path(__file__).parent / "miniprogram" / "driver.js"
NODE = shutil.which("node")


def run_driver(config: dict[str, str]) -> dict:
    if NODE is None:
        if os.environ.get("KEFU_REQUIRE_SERVICES") == "1":
            pytest.fail("node is required (KEFU_REQUIRE_SERVICES=1) but not on the PATH")
        pytest.skip("node is not installed")
    done = subprocess.run([NODE, "--experimental-websocket", "--no-warnings", str(DRIVER), json.dumps(config)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_mini_program_client_against_the_gateway(product):
    entry = load_jsonl_file(str(get_settings().kb_seed_file))[0]
    config = {
        "base": product.base_url, "question": entry.question, "agent": AGENT[0], "password": AGENT[1],
        "customer_id": "mp-customer-1", "customer_name": "<img src=x onerror=alert(1)>小程序用户",
        "live_text": "您好，我是人工客服，马上为您查询", "missed_text": "已为您登记，请留意短信通知",
        "retried_text": "好的，我等您消息",
    }
    report = run_driver(config)

    created = report["created"]
    assert created["state"] == "bot" and created["messages"][0]["text"] == messages.WELCOME
    answer = report["answer"]
    assert entry.answer in [message["text"] for message in answer["messages"]]
    assert asks_for_rating(answer)
    assert report["rated"]["state"] == "bot"
    assert report["rated"]["messages"] and not asks_for_rating(report["rated"])

    # Polling returns only what came after the given seq: the rating and its thanks.
    polled = report["polled"]["messages"]
    assert polled and all(message["seq"] > report["poll_after"] for message in polled)
    assert polled[0]["sender"] == "customer" and polled[-1]["sender"] == "bot"

    assert report["handoff"]["state"] == "queued" and report["handoff"]["work_order_id"]
    assert report["state_with_agent"] == "agent"
    # The second agent message was written while the socket was down; it arrived by catch-up.
    assert report["sockets_refused"] >= 1 and report["seen_while_offline"] is False
    seqs = [message["seq"] for message in report["received"]]
    assert len(seqs) == len(set(seqs)), "a message was delivered twice"
    texts = [message["text"] for message in report["received"]]
    assert config["live_text"] in texts and config["missed_text"] in texts
    # A send whose answer was lost went again with the same id and was stored once.
    retried = [call for call in report["requests"] if call["method"] == "POST" and call["body"]
               and config["retried_text"] in call["body"]]
    assert len(retried) == 2 and len({json.loads(call["body"])["client_message_id"] for call in retried}) == 1
    assert texts.count(config["retried_text"]) == 1

    # The token travels in the Authorization header on every session call; no cookies.
    session_calls = [call for call in report["requests"] if "/sessions/" in call["path"]]
    assert session_calls and all(call["authorization"] == f"Bearer {report['token']}" for call in session_calls)
    assert all(call["cookie"] is None for call in report["requests"])
    assert any("?after=" in call["path"] for call in session_calls)
