"""The admin page in real headless Chromium: a missed question shows in 未解决问题 (as text),
one click adds it as a similar question of an entry, and the next search finds that entry;
the entry editor adds another similar question the same way."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from kb_index.entries import load_jsonl_file
from kefu.settings import get_settings
from tests.conftest import ADMIN, AGENT
from tests.e2e.customer import Customer, warm_up

pytestmark = pytest.mark.slow

MISSED = "<b>帮我写一首关于星星的诗</b>"


@pytest.fixture
def seed_restored(client, product):
    """The demo KB is put back afterwards (this test changes it)."""
    yield
    headers = product.staff_headers(client, ADMIN)
    seed = get_settings().kb_seed_file.read_bytes()
    restored = client.post(f"{product.api}/kb/import", params={"mode": "replace"},
                           files={"file": ("demo.jsonl", seed)}, headers=headers)
    assert restored.status_code == 200, restored.text


def log_in(page, product, user: tuple[str, str]) -> None:
    page.goto(f"{product.base_url}/admin")
    page.get_by_label("用户名").fill(user[0])
    page.get_by_label("密码").fill(user[1])
    page.get_by_role("button", name="登录").click()


def try_search(page, text: str) -> None:
    page.get_by_label("测试问题").fill(text)
    page.get_by_role("button", name="搜索").click()


def test_an_agent_cannot_use_the_admin_page(product, page):
    log_in(page, product, AGENT)
    expect(page.locator("#login-error")).to_have_text("没有权限执行此操作")
    expect(page.locator("#admin")).to_be_hidden()


def test_admin_adds_a_missed_question_as_a_similar_question_and_search_finds_it(
    client, product, page, tmp_path, seed_restored
):
    entries = load_jsonl_file(str(get_settings().kb_seed_file))
    warm_up(client, product, entries[2].question)
    target = entries[7]
    assert Customer(client, product).say(MISSED)["state"] == "bot"

    log_in(page, product, ADMIN)
    row = page.locator("#unresolved tr", has_text=MISSED)
    expect(row).to_be_visible(timeout=60_000)  # the gateway's first KB guesses load the encoder
    # Customer text is shown as text: the tags appear literally, nothing is injected.
    expect(page.locator("#unresolved b")).to_have_count(0)
    try_search(page, MISSED)
    expect(page.locator("#try-outcome")).to_have_text("结果：未命中")
    page.screenshot(path=str(tmp_path / "1-unresolved.png"), full_page=True)

    row.get_by_label("条目编号").fill(target.id)
    row.get_by_role("button", name="加为相似问").click()
    expect(page.locator("#notice")).to_contain_text(f"已加为条目 {target.id} 的相似问题")
    expect(row).to_have_count(0)
    try_search(page, MISSED)
    expect(page.locator("#try-outcome")).to_have_text("结果：可回答")
    expect(page.locator("#try-hits li").first).to_contain_text(target.id)
    page.screenshot(path=str(tmp_path / "2-added-from-unresolved.png"), full_page=True)

    # The entry editor: find the entry, add one more wording, and search with it.
    wording = "想让客服给我讲讲星空的知识"
    page.locator("#entry-query").fill(target.id)
    page.get_by_role("button", name="查找").click()
    page.locator("#entries li", has_text=target.id).click()
    expect(page.locator("#entry-similar")).to_have_value("\n".join([*target.similar, MISSED]))
    page.get_by_label("添加相似问题").fill(wording)
    page.get_by_role("button", name="添加相似问题").click()
    expect(page.locator("#notice")).to_contain_text(f"已为条目 {target.id} 添加相似问题")
    expect(page.locator("#entry-similar")).to_have_value(re.compile(wording))
    try_search(page, wording)
    expect(page.locator("#try-outcome")).to_have_text("结果：可回答")
    expect(page.locator("#try-hits li").first).to_contain_text(target.id)
    page.screenshot(path=str(tmp_path / "3-added-in-editor.png"), full_page=True)
