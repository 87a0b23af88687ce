"""The customer chat page in real headless Chromium."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from playwright.sync_api import expect

from kb_index.entries import load_jsonl_file
from kefu.settings import get_settings
from tests.conftest import AGENT, free_port

pytestmark = pytest.mark.slow

@contextmanager
def another_site(html: str) -> Iterator[str]:
    """A page on another origin (localhost, not 127.0.0.1) that embeds the widget."""
    body = html.encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_port}/"
    finally:
        server.shutdown()


REFUND = next(e for e in load_jsonl_file(str(get_settings().kb_seed_file)) if e.category == "退款")


def test_welcome_answer_rating_buttons_and_reload(product, page):
    page.goto(product.base_url + "/")
    messages = page.locator("#messages")
    expect(messages.locator("li.bot").first).to_contain_text("请问有什么可以帮您")
    page.locator("#text").fill(REFUND.question)
    page.get_by_role("button", name="发送").click()
    expect(messages).to_contain_text(REFUND.answer)
    expect(messages.locator(".buttons button")).to_have_count(5)
    messages.locator(".buttons button", has_text="5").click()
    expect(messages).to_contain_text("感谢您的评价")
    expect(messages.locator("li.customer .bubble").last).to_have_text("5")  # the button, not its payload
    page.reload()
    expect(messages).to_contain_text(REFUND.answer)
    # welcome, question, answer, rating prompt, "5", thanks: the session survives the reload
    expect(messages.locator("li")).to_have_count(6)
    expect(messages.locator(".buttons button").first).to_be_disabled()


def test_text_is_shown_as_text(product, page):
    page.goto(product.base_url + "/")
    page.locator("#text").fill("<img src=x onerror=alert(1)>怎么开发票")
    page.get_by_role("button", name="发送").click()
    expect(page.locator("li.customer .bubble").first).to_have_text("<img src=x onerror=alert(1)>怎么开发票")
    assert page.locator("#messages img").count() == 0


def test_agent_messages_arrive_live(product, page):
    page.goto(product.base_url + "/")
    page.locator("#text").fill("转人工")
    page.get_by_role("button", name="发送").click()
    expect(page.locator("#messages")).to_contain_text("正在为您转接人工客服，您前面还有")
    expect(page.locator("#status")).to_have_text("正在为您转接人工客服")
    order = re.search(r"工单号(G\d+)", page.locator("#messages").inner_text()).group(1)
    with httpx.Client(base_url=product.api, timeout=30) as client:
        token = client.post("/auth/token", data={"username": AGENT[0], "password": AGENT[1]}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        client.post(f"/work-orders/{order}/claim", headers=headers).raise_for_status()
        client.post(f"/work-orders/{order}/messages", json={"text": "您好，我是人工客服"}, headers=headers)
    expect(page.locator("li.agent .bubble")).to_have_text("您好，我是人工客服")
    expect(page.locator("#status")).to_have_text("人工客服为您服务")


def test_the_widget_opens_the_chat_on_any_page(product, page):
    site = f'<html><body><h1>某品牌官网</h1><script src="{product.base_url}/static/widget.js"></script></body></html>'
    with another_site(site) as url:  # the chat then runs in a third-party frame
        page.goto(url)
        open_and_close_the_widget(page)


def open_and_close_the_widget(page):
    page.locator("#kefu-widget-button").click()
    chat = page.frame_locator("#kefu-widget-frame")
    expect(chat.locator("#messages li.bot").first).to_contain_text("请问有什么可以帮您")
    page.locator("#kefu-widget-button").click()
    expect(page.locator("#kefu-widget-frame")).to_be_hidden()
