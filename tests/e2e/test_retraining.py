"""Retraining from the admin API: an added example is trained in the background with progress,
evaluated, loaded into the running Rasa server, a turn during the load is answered, and a
conversation that was waiting for a rating carries on with the new model.

The product here is its own (SQLite) with DIET at 10 epochs: a retraining costs minutes of
CPU, and what is tested (the job, the load, the conversations) does not depend on epochs.
"""

from __future__ import annotations

import random
import time

import httpx
import pytest
from playwright.sync_api import expect

from kb_index.entries import load_jsonl_file
from kefu import messages
from kefu.settings import get_settings
from kefu.training import model_path
from tests.conftest import ADMIN, _run_product
from tests.e2e.customer import Customer, asks_for_rating

pytestmark = pytest.mark.slow

# New data each run: Rasa restores components trained on unchanged data from its cache.
EXAMPLE = f"订单{random.randint(100000, 999999)}的增值税专用发票在哪里申请"


@pytest.fixture(scope="module")
def quick_product(tmp_path_factory):
    yield from _run_product(tmp_path_factory, None, {"KEFU_TRAIN_EPOCHS": "10"})


def wait_for_job(
    client: httpx.Client, url: str, headers: dict, while_loading=lambda: None, timeout_s: float = 1200
) -> tuple[dict, list]:
    """The finished job's GET /admin/training, and every (state, progress) seen on the way;
    ``while_loading`` runs once when the job is seen loading the model into Rasa."""
    seen = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = client.get(url, headers=headers).json()
        seen.append((body["status"]["state"], body["status"]["progress"]))
        if body["status"]["state"] not in ("training", "evaluating", "loading"):
            return body, seen
        if seen[-1][0] == "loading" and [state for state, _ in seen].count("loading") == 1:
            while_loading()
        time.sleep(1)
    raise AssertionError(f"training did not finish: {seen[-5:]}")


def test_retraining_loads_the_new_model_and_conversations_carry_on(client, quick_product, request, page, tmp_path):
    product = quick_product
    admin = product.staff_headers(client, ADMIN)
    url = f"{product.api}/admin/training"
    entry = load_jsonl_file(str(get_settings().kb_seed_file))[0]
    waiting = Customer(client, product)
    assert asks_for_rating(waiting.say(entry.question))  # the tracker now waits for a rating

    added = client.post(f"{product.api}/admin/training-examples",
                        json={"intent": "invoice", "examples": [EXAMPLE]}, headers=admin)
    assert added.json()["added"] == [EXAMPLE]
    new_model = model_path(get_settings())  # the hash now includes the added example
    request.addfinalizer(lambda: new_model.unlink(missing_ok=True))  # 30 MB no other run loads

    started = client.post(url, json={"force": True}, headers=admin)
    assert started.status_code == 202 and started.json()["state"] == "training"
    busy = client.post(url, json={}, headers=admin)
    assert busy.status_code == 409 and busy.json()["detail"] == messages.TRAINING_BUSY

    during_load = []

    def ask_during_the_load() -> None:
        with httpx.Client(timeout=get_settings().model_load_timeout_s) as patient:
            during_load.append(Customer(patient, product).say(entry.question))

    done, seen = wait_for_job(client, url, admin, ask_during_the_load)
    # A turn that arrived while Rasa swapped models waited for it and was answered by the bot.
    assert during_load and during_load[0]["state"] == "bot" and asks_for_rating(during_load[0])
    status = done["status"]
    assert status["state"] == "done", status
    assert status["message"] == messages.TRAINING_LOADED and status["model"] == new_model.name
    progress = [p for state, p in seen if state == "training"]
    assert any(0 < p < 0.5 for p in progress) and progress == sorted(progress), seen
    assert {"training", "evaluating"} <= {state for state, _ in seen}
    last = done["last"]
    assert last["model"] == new_model.name and last["loaded"] is True and last["added_examples"] == 1
    assert 0 < last["intent_f1"] <= 1 and 0 < last["intent_accuracy"] <= 1
    assert 0 < last["kb_top1"] <= 1 and 0 < last["kb_joint"] <= 1

    rasa = get_settings().rasa_url
    assert client.get(f"{rasa}/status").json()["model_file"].endswith(new_model.name)
    assert client.post(f"{rasa}/model/parse", json={"text": EXAMPLE}).json()["intent"]["name"] == "invoice"

    # The conversation that waited for a rating before the load gets its rating taken.
    rated = waiting.say("2")
    assert rated["state"] == "queued" and rated["work_order_id"]

    again = client.post(url, json={}, headers=admin)  # nothing changed: no training, same figures
    assert again.status_code == 202
    second, _ = wait_for_job(client, url, admin)
    assert second["status"]["state"] == "done"
    assert second["previous"]["at"] == last["at"] and second["last"]["intent_f1"] == last["intent_f1"]
    fresh = Customer(client, product)
    assert asks_for_rating(fresh.say(entry.question))

    # The admin page shows the last evaluation beside the previous one.
    page.goto(f"{product.base_url}/admin")
    page.get_by_label("用户名").fill(ADMIN[0])
    page.get_by_label("密码").fill(ADMIN[1])
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#training-state")).to_contain_text("已完成")
    f1 = page.locator("#evaluation tr", has_text="意图F1")
    expect(f1).to_contain_text(f"{last['intent_f1']}{last['intent_f1']}")  # this run and the one before
    page.screenshot(path=str(tmp_path / "training.png"), full_page=True)
