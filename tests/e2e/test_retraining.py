"""Retraining from the admin API: an added example is trained in the background with progress,
evaluated, loaded into the running Rasa server, a turn during the load is answered, and a
conversation that was waiting for a rating carries on with the new model. A job run by
`kefu train` in another process holds the gateway's turns through its load too.

The product here is its own (SQLite) with DIET at 10 epochs: a retraining costs minutes of
CPU, and what is tested (the job, the load, the conversations) does not depend on epochs.
"""

from __future__ import annotations

import random
import subprocess
import threading
import time

import httpx
import pytest
from playwright.sync_api import expect

from kb_index.entries import load_jsonl_file
from kefu import messages
from kefu.settings import PROJECT_ROOT, get_settings
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


class Probes:
    """New customers asking a KB question every half second while a job loads a model: the
    ones that reach Rasa mid-swap must wait for it, not be handed to a person."""

    def __init__(self, product, question: str) -> None:
        self.product, self.question = product, question
        self.replies: list[tuple[dict, float]] = []
        self._done = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self._sender = threading.Thread(target=self._send_until_stopped)
        self._sender.start()

    def stop(self) -> None:
        self._done.set()
        self._sender.join()
        for thread in self._threads:
            thread.join()

    def _send_until_stopped(self) -> None:
        while not self._done.wait(0.5):
            self._threads.append(threading.Thread(target=self._ask))
            self._threads[-1].start()

    def _ask(self) -> None:
        with httpx.Client(timeout=get_settings().model_load_timeout_s) as patient:
            started = time.monotonic()
            reply = Customer(patient, self.product).say(self.question)
            self.replies.append((reply, time.monotonic() - started))

    def check(self) -> None:
        waits = [round(waited, 1) for _, waited in self.replies]
        assert len(self.replies) >= 2, waits
        for reply, _ in self.replies:
            assert reply["state"] == "bot" and asks_for_rating(reply), (reply, waits)


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

    during_load = Probes(product, entry.question)
    done, seen = wait_for_job(client, url, admin, during_load.start)
    during_load.stop()
    status = done["status"]
    assert status["state"] == "done", status
    during_load.check()
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

    # Nothing changed: no training, same figures. From `kefu train`, another process: the gateway
    # learns of the load from the shared status and holds its turns all the same.
    during_load = Probes(product, entry.question)
    output = tmp_path / "kefu-train.log"
    with open(output, "w") as log:
        cli = subprocess.Popen([str(PROJECT_ROOT / ".venv" / "bin" / "kefu"), "train"], cwd=PROJECT_ROOT,
                               stdout=log, stderr=subprocess.STDOUT)
    request.addfinalizer(cli.kill)
    while client.get(url, headers=admin).json()["status"].get("by") != "cli" and cli.poll() is None:
        time.sleep(0.2)
    second, _ = wait_for_job(client, url, admin, during_load.start)
    during_load.stop()
    assert cli.wait(timeout=60) == 0, output.read_text()
    assert second["status"]["state"] == "done" and second["status"]["by"] == "cli"
    during_load.check()
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
