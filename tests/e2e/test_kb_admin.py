"""KB maintenance through the API: entries edited and extended, the 未解决问题 list built from
real conversations, questions fixed from it as similar questions or training examples."""

from __future__ import annotations

import pytest

from kb_index.entries import load_jsonl_file
from kefu import messages
from kefu.nlu_examples import project_examples
from kefu.settings import get_settings
from tests.conftest import ADMIN, AGENT
from tests.e2e.customer import Customer, asks_for_rating, warm_up

pytestmark = pytest.mark.slow

POEM = ["帮我写一首关于月亮的诗", "帮我写一首关于月亮的诗？", "帮我写一首关于月亮的小诗吧"]


@pytest.fixture(autouse=True)
def warm_bot(client, product):
    warm_up(client, product, load_jsonl_file(str(get_settings().kb_seed_file))[2].question)


@pytest.fixture
def admin(client, product):
    """Admin headers; the demo KB is put back afterwards (these tests change it)."""
    headers = product.staff_headers(client, ADMIN)
    yield headers
    seed = get_settings().kb_seed_file.read_bytes()
    restored = client.post(f"{product.api}/kb/import", params={"mode": "replace"},
                           files={"file": ("demo.jsonl", seed)}, headers=headers)
    assert restored.status_code == 200, restored.text


def search(client, product, text: str) -> dict:
    return client.get(f"{product.api}/kb/search", params={"q": text}).json()


def groups(client, product, headers) -> list[dict]:
    response = client.get(f"{product.api}/admin/unresolved", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["groups"]


def group_with(found: list[dict], text: str) -> dict | None:
    return next((g for g in found if text in g["variants"]), None)


def test_admin_routes_refuse_agents_and_strangers(client, product):
    agent = product.staff_headers(client, AGENT)
    calls = [
        ("GET", "/admin/unresolved", None), ("POST", "/admin/unresolved/dismiss", {"questions": ["x"]}),
        ("GET", "/admin/intents", None), ("POST", "/admin/training-examples", {"intent": "refund", "examples": ["x"]}),
        ("GET", "/admin/training", None), ("POST", "/admin/training", {}), ("POST", "/admin/training/load", None),
        ("GET", "/kb/entries", None), ("PUT", "/kb/entries/kb-001", {"question": "q", "answer": "a"}),
        ("POST", "/kb/entries/kb-001/similar", {"questions": ["x"]}),
    ]
    for method, path, body in calls:
        refused = client.request(method, f"{product.api}{path}", json=body, headers=agent)
        assert refused.status_code == 403 and refused.json()["detail"] == messages.FORBIDDEN, (path, refused.text)
        anonymous = client.request(method, f"{product.api}{path}", json=body)
        assert anonymous.status_code == 401, path
    assert client.get(f"{product.api}/admin/training", headers=agent).status_code == 403


def test_an_admin_edits_an_entry_and_adds_a_similar_question(client, product, admin):
    entry = load_jsonl_file(str(get_settings().kb_seed_file))[5]
    listed = client.get(f"{product.api}/kb/entries", params={"q": entry.id}, headers=admin).json()
    assert listed["total"] >= 1 and listed["entries"][0]["id"] == entry.id

    new_question = "快递盒子被压扁了里面东西会不会坏"
    before = search(client, product, new_question)
    assert before["miss"] or before["hits"][0]["id"] != entry.id
    added = client.post(f"{product.api}/kb/entries/{entry.id}/similar",
                        json={"questions": [new_question, entry.question + "？"]}, headers=admin)
    assert added.status_code == 200, added.text
    assert added.json()["similar"] == [*entry.similar, new_question]  # the main question's twin is skipped
    found = search(client, product, new_question)
    assert found["miss"] is False and found["hits"][0]["id"] == entry.id

    edited = dict(added.json(), answer="新的答案：请联系客服核实。")
    response = client.put(f"{product.api}/kb/entries/{entry.id}", json=edited, headers=admin)
    assert response.status_code == 200 and response.json()["answer"] == "新的答案：请联系客服核实。"
    assert search(client, product, entry.question)["hits"][0]["answer"] == "新的答案：请联系客服核实。"

    pickup = {"question": "周末可以自提吗", "answer": "周末9点到18点可以到门店自提。", "category": "物流"}
    created = client.put(f"{product.api}/kb/entries/adm-new", json=pickup, headers=admin)
    assert created.status_code == 200
    assert search(client, product, "周末可以自提吗")["hits"][0]["id"] == "adm-new"
    assert client.get(f"{product.api}/kb/entries", params={"q": "自提"}, headers=admin).json()["total"] >= 1


def test_search_offers_what_the_bot_would_offer(client, product, admin):
    """Two entries with one wording are a coin toss: the search suggests both, as the bot would;
    the exact question is answered and something unrelated is a miss, offering nothing."""
    twins = ("adm-twin-1", "adm-twin-2")
    for entry_id in twins:
        body = {"question": "周末可以到门店自提吗", "answer": f"{entry_id}的答案", "category": "物流"}
        assert client.put(f"{product.api}/kb/entries/{entry_id}", json=body, headers=admin).status_code == 200
    found = search(client, product, "周末能不能去门店自提")
    assert (found["outcome"], found["miss"]) == ("suggest", False), found
    offered = [choice["id"] for choice in found["choices"]]
    assert set(twins) <= set(offered) and len(offered) <= get_settings().kb_suggest_max
    best_first = [{"id": hit["id"], "question": hit["question"]} for hit in found["hits"][: len(offered)]]
    assert found["choices"] == best_first
    exact = search(client, product, "周末可以到门店自提吗")
    assert (exact["outcome"], exact["choices"]) == ("answer", [])
    missed = search(client, product, POEM[0])
    assert (missed["outcome"], missed["miss"], missed["choices"]) == ("miss", True, [])


def test_bad_entry_input_is_refused_in_chinese(client, product, admin):
    api = product.api
    cases = [
        client.post(f"{api}/kb/entries/no-such-entry/similar", json={"questions": ["x"]}, headers=admin),
        client.post(f"{api}/kb/entries/kb-001/similar", json={"questions": []}, headers=admin),
        client.post(f"{api}/kb/entries/kb-001/similar", json={"questions": ["   "]}, headers=admin),
        client.post(f"{api}/kb/entries/kb-001/similar", json={"questions": "退款"}, headers=admin),
        client.put(f"{api}/kb/entries/kb-001", json={"question": "", "answer": "a"}, headers=admin),
        client.put(f"{api}/kb/entries/kb-001", json={"question": "q"}, headers=admin),
        client.put(f"{api}/kb/entries/%20", json={"question": "q", "answer": "a"}, headers=admin),
        client.get(f"{api}/kb/entries", params={"limit": 0}, headers=admin),
    ]
    assert [r.status_code for r in cases] == [404, 422, 422, 422, 422, 422, 422, 422]
    assert all(not r.json()["detail"].isascii() for r in cases)
    assert cases[0].json()["detail"] == messages.KB_ENTRY_NOT_FOUND
    assert cases[1].json()["detail"] == messages.QUESTIONS_EMPTY


def test_misses_and_low_ratings_are_grouped_and_leave_the_list_once_fixed(client, product, admin):
    for text in POEM:  # one customer each: two misses in a row would hand off
        reply = Customer(client, product).say(text)
        assert reply["state"] == "bot", reply
    entry = load_jsonl_file(str(get_settings().kb_seed_file))[0]
    unhappy = Customer(client, product)
    assert asks_for_rating(unhappy.say(entry.question))
    assert unhappy.say("2")["work_order_id"]

    found = groups(client, product, admin)
    poem = group_with(found, POEM[0])
    assert poem is not None and set(POEM) <= set(poem["variants"]) and poem["misses"] >= 3, found
    assert poem["kb_guess"] is not None and poem["kb_guess"]["outcome"] == "miss"
    rated = group_with(found, entry.question)
    assert rated is not None and rated["low_ratings"] >= 1 and 2 in rated["ratings"]
    assert rated["rated_kb_id"] == entry.id

    target = load_jsonl_file(str(get_settings().kb_seed_file))[1]
    fixed = client.post(f"{product.api}/kb/entries/{target.id}/similar", json={"questions": poem["variants"]},
                        headers=admin)
    assert fixed.status_code == 200 and fixed.json()["handled"] >= 3
    assert group_with(groups(client, product, admin), POEM[0]) is None
    assert search(client, product, POEM[2])["hits"][0]["id"] == target.id

    dismissed = client.post(f"{product.api}/admin/unresolved/dismiss", json={"questions": rated["variants"]},
                            headers=admin)
    assert dismissed.json()["handled"] >= 1
    assert group_with(groups(client, product, admin), entry.question) is None

    Customer(client, product).say(POEM[0] + "啊啊啊 我还是想知道")  # the same question asked again after the fix
    assert all(g["count"] < 3 for g in groups(client, product, admin) if POEM[0] in g["variants"])


@pytest.fixture
def added_examples(product):
    """Added examples change the product's model hash: they go again afterwards."""
    yield
    for name in ("examples.json", "nlu_examples.yml"):
        (product.data_dir / "training" / name).unlink(missing_ok=True)


def test_a_miss_becomes_a_training_example(client, product, admin, added_examples):
    question = "火星上能不能种土豆"
    Customer(client, product).say(question)
    assert group_with(groups(client, product, admin), question) is not None
    intents = client.get(f"{product.api}/admin/intents", headers=admin).json()
    assert "product_usage" in intents["intents"]

    added = client.post(f"{product.api}/admin/training-examples",
                        json={"intent": "out_of_scope", "examples": [question, question + "？"]}, headers=admin)
    assert added.status_code == 200, added.text
    assert added.json()["added"] == [question] and added.json()["handled"] >= 1
    assert group_with(groups(client, product, admin), question) is None
    assert question in client.get(f"{product.api}/admin/intents", headers=admin).json()["examples"]["out_of_scope"]
    assert (product.data_dir / "training" / "nlu_examples.yml").read_text(encoding="utf-8").count(question) == 1

    text, owner = next(iter(project_examples().items()))
    other = next(name for name in intents["intents"] if name != owner)
    conflict = client.post(f"{product.api}/admin/training-examples", json={"intent": other, "examples": [text]},
                           headers=admin)
    assert conflict.status_code == 409 and owner in conflict.json()["detail"]
    unknown = client.post(f"{product.api}/admin/training-examples", json={"intent": "no_such", "examples": ["x"]},
                          headers=admin)
    assert unknown.status_code == 422 and unknown.json()["detail"] == messages.UNKNOWN_INTENT.format(intent="no_such")
    empty = client.post(f"{product.api}/admin/training-examples", json={"intent": "refund", "examples": []},
                        headers=admin)
    assert empty.status_code == 422 and empty.json()["detail"] == messages.QUESTIONS_EMPTY


def test_loading_a_model_nobody_held_back_is_refused(client, product, admin):
    response = client.post(f"{product.api}/admin/training/load", headers=admin)
    assert response.status_code == 409 and response.json()["detail"] == messages.TRAINING_NOT_HELD
    assert client.get(f"{product.api}/admin/training", headers=admin).json()["status"]["state"] in ("idle", "done")
