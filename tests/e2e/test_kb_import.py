"""A KB from another business, imported through the API, answers at once (no restart)."""

from __future__ import annotations

import json

import pytest

from kb_index.entries import load_jsonl_file
from kefu.settings import get_settings
from tests.conftest import ADMIN, AGENT, DATA
from tests.e2e.customer import Customer, texts

pytestmark = pytest.mark.slow


@pytest.fixture
def telecom_kb(client, product):
    admin = product.staff_headers(client, ADMIN)

    def upload(name: str, data: bytes, mode: str) -> dict:
        response = client.post(
            f"{product.api}/kb/import", params={"mode": mode}, files={"file": (name, data)}, headers=admin
        )
        assert response.status_code == 200, response.text
        return response.json()

    imported = upload("telecom.csv", (DATA / "other_kb.csv").read_bytes(), "replace")
    try:
        yield imported, upload
    finally:
        upload("demo.jsonl", get_settings().kb_seed_file.read_bytes(), "replace")


def test_replace_swaps_the_whole_kb_and_the_bot_uses_it(client, product, telecom_kb):
    imported, _ = telecom_kb
    entries = load_jsonl_file(str(DATA / "other_kb.jsonl"))
    assert imported == {"entries": len(entries)}
    entry = entries[0]
    search = client.get(f"{product.api}/kb/search", params={"q": entry.question}).json()
    assert search["miss"] is False and search["hits"][0]["id"] == entry.id
    shop_question = load_jsonl_file(str(get_settings().kb_seed_file))[0].question
    assert all(hit["id"].startswith("tel-") for hit in
               client.get(f"{product.api}/kb/search", params={"q": shop_question}).json()["hits"])
    reply = Customer(client, product).say(entry.similar[0])
    assert texts(reply)[0] == entry.answer


def test_merge_adds_and_updates_by_id(client, product, telecom_kb):
    imported, upload = telecom_kb
    record = {"id": "tel-new", "question": "可以办理国际漫游吗", "answer": "您好，可以在App开通。", "category": "套餐"}
    new = json.dumps(record, ensure_ascii=False) + "\n"
    assert upload("more.jsonl", new.encode(), "merge") == {"entries": imported["entries"] + 1}
    again = upload("more.jsonl", new.replace("App开通", "营业厅开通").encode(), "merge")
    assert again == {"entries": imported["entries"] + 1}
    hit = client.get(f"{product.api}/kb/search", params={"q": "可以办理国际漫游吗"}).json()["hits"][0]
    assert hit["id"] == "tel-new" and "营业厅" in hit["answer"]


def test_an_admin_deletes_an_entry(client, product, telecom_kb):
    imported, _ = telecom_kb
    entry = load_jsonl_file(str(DATA / "other_kb.jsonl"))[1]
    agent = product.staff_headers(client, AGENT)
    admin = product.staff_headers(client, ADMIN)
    assert client.delete(f"{product.api}/kb/entries/{entry.id}", headers=agent).status_code == 403
    deleted = client.delete(f"{product.api}/kb/entries/{entry.id}", headers=admin)
    assert deleted.json() == {"entries": imported["entries"] - 1}
    hits = client.get(f"{product.api}/kb/search", params={"q": entry.question}).json()["hits"]
    assert entry.id not in [hit["id"] for hit in hits]
    again = client.delete(f"{product.api}/kb/entries/{entry.id}", headers=admin)
    assert again.status_code == 404 and not again.json()["detail"].isascii()


def test_a_document_is_answerable_with_its_source(client, product, telecom_kb):
    imported, _ = telecom_kb
    admin = product.staff_headers(client, ADMIN)
    sop = (DATA / "return_sop.md").read_bytes()
    response = client.post(f"{product.api}/kb/documents", files={"file": ("return_sop.md", sop)}, headers=admin)
    assert response.status_code == 200, response.text
    with_document = response.json()["entries"]
    assert with_document > imported["entries"]
    reply = Customer(client, product).say("因质量问题退货的，往返运费由我们承担。")
    assert "往返运费" in texts(reply)[0] and texts(reply)[0].endswith("（来源：return_sop.md）")
    shorter = "## 运费规则\n质量问题退货的运费由我们承担。\n".encode()
    again = client.post(f"{product.api}/kb/documents", files={"file": ("return_sop.md", shorter)}, headers=admin)
    assert again.json() == {"entries": imported["entries"] + 1}
    refused = client.post(f"{product.api}/kb/documents", files={"file": ("sop.pdf", b"%PDF")}, headers=admin)
    assert refused.status_code == 422 and not refused.json()["detail"].isascii()
