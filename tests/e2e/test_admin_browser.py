"""The admin page in real headless Chromium: a missed question shows in 未解决问题 (as text),
one click adds it as a similar question of an entry, and the next search finds that entry;
the entry editor adds another similar question the same way. 学到的问法 lists what customers
taught the bot; a maintainer approves, removes and lifts it there."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from kb_index.entries import load_jsonl_file
from kefu.settings import get_settings
from tests.conftest import ADMIN, AGENT, Product, _run_product
from tests.e2e.customer import Customer, texts, warm_up
from tests.e2e.test_judgement import VAGUE

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


@pytest.fixture(scope="module")
def approval_product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Product]:
    """A product of its own on SQLite that holds learned wordings for a maintainer's approval."""
    yield from _run_product(tmp_path_factory, None, {"KEFU_KB_LEARNING_APPROVAL": "true"})


def kb_search(client: httpx.Client, product: Product, text: str) -> dict[str, Any]:
    response = client.get(f"{product.api}/kb/search", params={"q": text})
    assert response.status_code == 200, response.text
    return response.json()


def eventually(check: Callable[[], bool], what: str, seconds: float = 30) -> None:
    """The KB follows a learned wording after the turn (in the background): wait for it."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"not within {seconds}s: {what}"
        time.sleep(0.5)


OUTCOME_LABELS = {"answer": "可回答", "suggest": "给出候选", "miss": "未命中"}


def answers_with(found: dict[str, Any], entry_id: str) -> bool:
    return found["outcome"] == "answer" and found["hits"][0]["id"] == entry_id


def test_admin_approves_removes_and_lifts_what_the_bot_learned(client, approval_product, page, tmp_path):
    product = approval_product
    entries = {entry.id: entry for entry in load_jsonl_file(str(get_settings().kb_seed_file))}
    demo = list(entries.values())
    warm_up(client, product, demo[2].question)

    # A pick from the bot's suggestions teaches the vague wording to that entry: held for approval.
    vague = next((q for q in VAGUE if kb_search(client, product, q)["outcome"] == "suggest"), None)
    assert vague, "a KB with three bands suggests for some vague question"
    customer = Customer(client, product)
    offered = customer.say(vague)["messages"][-1]["buttons"]
    picked = entries[kb_search(client, product, vague)["choices"][0]["id"]]
    assert offered[0]["title"] == picked.question
    assert picked.answer in texts(customer.say(offered[0]["payload"]))
    # An answer rated 2: that wording is not answered with that entry again (an entry's own questions
    # are the maintainers' word, so the customer's wording is a paraphrase the KB answers).
    rated, rated_wording = next(
        (entry, wording) for entry in demo[40:] for wording in [f"请问{entry.question.rstrip('？?')}呀"]
        if answers_with(kb_search(client, product, wording), entry.id)
    )
    unhappy = Customer(client, product)
    assert rated.answer in texts(unhappy.say(rated_wording))
    unhappy.say("2")
    eventually(lambda: not answers_with(kb_search(client, product, rated_wording), rated.id),
               f"{rated_wording} no longer answered with {rated.id}")

    # What the bot keeps is the question part of the customer's message, as the backend normalises it.
    learned = client.get(f"{product.api}/admin/learned", headers=product.staff_headers(client, ADMIN)).json()
    (taught,) = [item for item in learned["items"] if item["session_id"] == customer.id]
    (refused,) = [item for item in learned["items"] if item["session_id"] == unhappy.id]
    assert (taught["kind"], taught["entry_id"], taught["source"], taught["status"]) == (
        "similar", picked.id, "pick", "pending")
    assert (refused["kind"], refused["entry_id"], refused["source"], refused["status"]) == (
        "negative", rated.id, "rating", "active")
    wording = taught["text"]
    before = kb_search(client, product, wording)  # held: not indexed yet
    assert not answers_with(before, picked.id)

    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, product, ADMIN)
    held = page.locator("#learned tr", has_text=wording)
    expect(held).to_contain_text("相似问 · 来源：选择建议")
    expect(held).to_contain_text(f"{picked.id}{picked.question}")
    expect(held.locator("td.status")).to_have_text("待审核")
    expect(held.get_by_role("button")).to_have_text(["批准", "移除"])
    expect(page.locator("#learned-pending")).to_have_text("待审核 1 条")
    negative = page.locator("#learned tr", has_text=refused["text"])
    expect(negative).to_contain_text("不再用此答案 · 来源：低分评价")
    expect(negative.locator("td.status")).to_have_text("已生效")
    expect(negative.get_by_role("button")).to_have_text(["解除"])
    page.screenshot(path=str(tmp_path / "4-learned-held.png"), full_page=True)

    held.get_by_role("button", name="批准").click()
    expect(page.locator("#notice")).to_have_text(f"已批准：“{wording}”成为条目 {picked.id} 的相似问题")
    expect(held.locator("td.status")).to_have_text("已生效")
    expect(held.get_by_role("button")).to_have_text(["移除"])
    expect(page.locator("#learned-pending")).to_have_text("")
    try_search(page, wording)
    expect(page.locator("#try-outcome")).to_have_text("结果：可回答")
    expect(page.locator("#try-hits li").first).to_contain_text(picked.id)

    held.get_by_role("button", name="移除").click()
    expect(page.locator("#notice")).to_have_text(f"已移除：“{wording}”不再是条目 {picked.id} 的相似问题")
    expect(held).to_have_count(0)  # the default list leaves removed ones out
    try_search(page, wording)
    expect(page.locator("#try-outcome")).to_have_text(f"结果：{OUTCOME_LABELS[before['outcome']]}")

    negative.get_by_role("button", name="解除").click()
    expect(page.locator("#notice")).to_have_text(f"已解除：条目 {rated.id} 可以再回答“{refused['text']}”")
    try_search(page, rated_wording)
    expect(page.locator("#try-outcome")).to_have_text("结果：可回答")
    expect(page.locator("#try-hits li").first).to_contain_text(rated.id)

    page.get_by_label("状态筛选").select_option("removed")
    expect(page.locator("#learned tr")).to_have_count(2)
    for text in (wording, refused["text"]):
        gone = page.locator("#learned tr", has_text=text)
        expect(gone.locator("td.status")).to_have_text("已移除")
        expect(gone.get_by_role("button")).to_have_count(0)
    page.screenshot(path=str(tmp_path / "5-learned-removed.png"), full_page=True)
