"""A bot that learns from use: picks, good and bad ratings and agents' picks teach the live KB."""

from __future__ import annotations

import time
from typing import Any

import pytest

from kb_index.entries import load_jsonl_file
from kefu import messages
from kefu.settings import get_settings
from tests.conftest import ADMIN, AGENT
from tests.e2e.customer import Customer

pytestmark = pytest.mark.slow

DEMO_KB = {entry.id: entry for entry in load_jsonl_file(str(get_settings().kb_seed_file))}
# Wordings no KB entry has, of a few kinds: vague, colloquial, with context.
CANDIDATES = ["那个东西怎么弄", "钱的事情", "东西有问题", "快递的事", "会员那个", "发票的问题", "积分咋回事",
              "我想退", "耳机不响", "地址的事", "取消的事", "坏了咋整"]


def search(client, product, text: str) -> dict[str, Any]:
    return client.get(f"{product.api}/kb/search", params={"q": text}).json()


def first_with(client, product, outcome: str) -> tuple[str, dict[str, Any]]:
    """A candidate wording the live KB gives ``outcome`` for."""
    for text in CANDIDATES:
        found = search(client, product, text)
        if found["outcome"] == outcome:
            return text, found
    raise AssertionError(f"no candidate wording gets {outcome!r} from the demo KB")


def learned(client, product, **params: str) -> list[dict[str, Any]]:
    response = client.get(f"{product.api}/admin/learned", params=params,
                          headers=product.staff_headers(client, ADMIN))
    assert response.status_code == 200, response.text
    return response.json()["items"]


def eventually(check, seconds: float = 20.0):  # type: ignore[no-untyped-def]
    """The KB follows what was learned right after the turn, in the background: wait for it."""
    deadline = time.monotonic() + seconds
    while not (result := check()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return result


def paraphrase_answered(client, product, lead: str) -> tuple[str, str]:
    """A wording the KB answers (not one of the entry's own questions) and the entry it answers with."""
    for entry in DEMO_KB.values():
        wording = f"{lead}{entry.question.rstrip('？?')}呀"
        found = search(client, product, wording)
        if found["outcome"] == "answer" and found["hits"][0]["id"] == entry.id:
            return wording, entry.id
    raise AssertionError("the KB answers none of the paraphrases")


def test_a_picked_suggestion_teaches_the_wording_to_that_entry(client, product):
    wording, found = first_with(client, product, "suggest")
    pick = found["choices"][0]
    customer = Customer(client, product)
    customer.say(wording)
    reply = customer.say(pick["question"])
    assert reply["messages"][0]["text"] == DEMO_KB[pick["id"]].answer
    item = next(i for i in learned(client, product) if i["text"] == wording and i["entry_id"] == pick["id"])
    assert (item["kind"], item["source"], item["status"], item["session_id"]) == (
        "similar", "pick", "active", customer.id)
    # Indexed at once: the same wording is now answered with that entry, no question asked.
    assert eventually(lambda: search(client, product, wording)["outcome"] == "answer")
    assert search(client, product, wording)["hits"][0]["id"] == pick["id"]


def test_a_good_rating_teaches_and_a_maintainer_can_take_it_back(client, product):
    wording, entry_id = paraphrase_answered(client, product, "麻烦问一下")
    customer = Customer(client, product)
    customer.say(wording)
    customer.say("5")
    item = next(i for i in learned(client, product) if i["text"] == wording)
    assert (item["kind"], item["source"], item["entry_id"]) == ("similar", "rating", entry_id)
    assert item["entry_question"] == DEMO_KB[entry_id].question
    entry = lambda: client.get(f"{product.api}/kb/entries", params={"q": entry_id},  # noqa: E731
                               headers=product.staff_headers(client, ADMIN)).json()["entries"][0]
    assert eventually(lambda: wording in entry()["learned"])

    removed = client.delete(f"{product.api}/admin/learned/{item['id']}", headers=product.staff_headers(client, ADMIN))
    assert removed.status_code == 200 and removed.json()["status"] == "removed"
    assert wording not in entry()["learned"]
    assert all(i["id"] != item["id"] for i in learned(client, product))
    assert any(i["id"] == item["id"] for i in learned(client, product, status="removed"))


def test_a_low_rating_stops_that_answer_for_that_wording(client, product):
    wording, entry_id = paraphrase_answered(client, product, "请教一下")
    customer = Customer(client, product)
    customer.say(wording)
    assert customer.say("2")["state"] == "queued"
    item = next(i for i in learned(client, product) if i["text"] == wording)
    assert (item["kind"], item["entry_id"], item["status"]) == ("negative", entry_id, "active")
    assert eventually(lambda: all(hit["id"] != entry_id for hit in search(client, product, wording)["hits"]))
    # A maintainer who disagrees lifts it, and the entry answers that wording again.
    client.delete(f"{product.api}/admin/learned/{item['id']}", headers=product.staff_headers(client, ADMIN))
    assert eventually(lambda: search(client, product, wording)["hits"][0]["id"] == entry_id)


def test_agent_assist_offers_entries_and_a_sent_answer_teaches_the_wording(client, product):
    wording, entry_id = paraphrase_answered(client, product, "想了解下")
    customer = Customer(client, product)
    order_id = customer.say("转人工")["work_order_id"]
    customer.say(wording)
    headers = product.staff_headers(client, AGENT)
    assert client.post(f"{product.api}/work-orders/{order_id}/claim", headers=headers).status_code == 200
    assist = client.get(f"{product.api}/work-orders/{order_id}/kb-suggestions", headers=headers).json()
    assert assist["question"] == wording and assist["entries"][0]["id"] == entry_id
    answer = assist["entries"][0]["answer"]
    sent = client.post(f"{product.api}/work-orders/{order_id}/messages", json={"text": answer, "kb_id": entry_id},
                       headers=headers)
    assert sent.status_code == 200 and sent.json()["forbidden"] == []
    assert customer.history()["messages"][-1]["text"] == answer
    item = next(i for i in learned(client, product) if i["text"] == wording)
    assert (item["source"], item["entry_id"]) == ("agent", entry_id)

    unknown = client.post(f"{product.api}/work-orders/{order_id}/messages", json={"text": "好的", "kb_id": "nope"},
                          headers=headers)
    assert unknown.status_code == 404 and unknown.json()["detail"] == messages.KB_ENTRY_NOT_FOUND


def test_unknown_learned_items_and_statuses_are_refused_in_chinese(client, product):
    headers = product.staff_headers(client, ADMIN)
    missing = client.delete(f"{product.api}/admin/learned/999999", headers=headers)
    assert missing.status_code == 404 and missing.json()["detail"] == messages.LEARNED_NOT_FOUND
    assert client.get(f"{product.api}/admin/learned", params={"status": "x"}, headers=headers).status_code == 422
    customer_only = client.get(f"{product.api}/admin/learned", headers=product.staff_headers(client, AGENT))
    assert customer_only.status_code == 403
