"""Two replicas of everything (gateway, Rasa, action server) on one PostgreSQL and one Redis.

Turns of one conversation go to different replicas; an agent answering on one gateway reaches
the customer listening on the other; and the faults of issue #6: a hanging Rasa, a stopped
action server, a database that goes away and comes back, restarted processes.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy.engine import make_url

from kefu import messages
from kefu.services import Service, product_services, start_all, stop_all
from kefu.settings import Settings
from tests.conftest import (
    ADMIN,
    AGENT,
    Product,
    _reset_cached_settings,
    _set_environment,
    database,
    free_port,
)
from tests.e2e.customer import Customer, texts
from tests.e2e.tcp_proxy import TcpProxy
from tests.e2e.test_conversation import OFF_TOPIC, entry_in

pytestmark = pytest.mark.slow


@dataclass
class Replica:
    product: Product
    settings: Settings
    services: dict[str, Service]


@dataclass
class Cluster:
    replicas: list[Replica]
    database_proxy: TcpProxy
    log_dir: Path

    def restart(self, replica: Replica, *names: str) -> None:
        chosen = [replica.services[name] for name in names]
        stop_all(chosen)
        start_all(chosen, self.log_dir)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[Cluster]:
    with database("postgresql") as database_url:
        assert database_url is not None
        direct = make_url(database_url)
        proxy = TcpProxy(direct.host or "127.0.0.1", direct.port or 5432)
        try:
            proxied = direct.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
            yield from _run_cluster(tmp_path_factory, proxied, redis_url, proxy)
        finally:
            proxy.close()


def _run_cluster(
    tmp_path_factory: pytest.TempPathFactory, database_url: str, redis_url: str, proxy: TcpProxy
) -> Iterator[Cluster]:
    from kefu.cli import setup

    data_dir = tmp_path_factory.mktemp("kefu-cluster")
    environment = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "KEFU_REDIS_PREFIX": f"test{uuid.uuid4().hex[:8]}",  # other runs may share this Redis
        "KEFU_DATA_DIR": str(data_dir),
        "KEFU_BOOTSTRAP_AGENT": f"{AGENT[0]}:{AGENT[1]}",
        "KEFU_BOOTSTRAP_ADMIN": f"{ADMIN[0]}:{ADMIN[1]}",
    }
    saved = {name: os.environ.get(name) for name in environment}
    _set_environment(environment)
    _reset_cached_settings()
    base = Settings()
    setup(base)
    replicas = []
    for number in (1, 2):
        settings = base.model_copy(update={"port": free_port(), "rasa_port": free_port(), "actions_port": free_port()})
        services = {}
        for service in product_services(settings):
            services[service.name] = service
            service.name = f"{service.name}-{number}"  # its log file
        replicas.append(Replica(Product(f"http://127.0.0.1:{settings.port}", data_dir), settings, services))
    everything = [service for replica in replicas for service in replica.services.values()]
    log_dir = data_dir / "logs"
    start_all(everything, log_dir)  # both replicas at once, as an orchestrator would
    try:
        yield Cluster(replicas, proxy, log_dir)
    finally:
        stop_all(everything)
        _set_environment(saved)
        _reset_cached_settings()


def agent_headers(client: httpx.Client, replica: Replica) -> dict[str, str]:
    return replica.product.staff_headers(client, AGENT)


def work_order(client: httpx.Client, replica: Replica, order_id: str) -> dict[str, Any]:
    response = client.get(f"{replica.product.api}/work-orders/{order_id}", headers=agent_headers(client, replica))
    assert response.status_code == 200, response.text
    return response.json()


def say_on(customer: Customer, replica: Replica, text: str) -> dict[str, Any]:
    customer.product = replica.product
    return customer.say(text)


def test_a_conversation_carries_on_whichever_replica_takes_the_turn(client, cluster):
    first, second = cluster.replicas
    customer = Customer(client, first.product, name="赵六")
    # The miss count lives in Rasa's tracker: the second miss, on the other Rasa, must see the first.
    assert say_on(customer, first, OFF_TOPIC[0])["state"] == "bot"
    handed = say_on(customer, second, OFF_TOPIC[1])
    assert handed["state"] == "queued"
    assert work_order(client, first, handed["work_order_id"])["reason"] == "two_misses"

    rater = Customer(client, second.product)
    assert "请回复1-5分" in texts(say_on(rater, second, entry_in("会员积分").question))[-1]
    thanked = say_on(rater, first, "五星")
    assert thanked["state"] == "bot" and "感谢您的评价" in texts(thanked)[0]


def test_an_agent_on_one_gateway_reaches_a_customer_on_the_other(client, cluster):
    first, second = cluster.replicas
    customer = Customer(client, first.product, name="钱七")
    order_id = say_on(customer, first, "转人工")["work_order_id"]
    headers = agent_headers(client, second)
    token = headers["Authorization"].split()[1]
    customer_socket = f"{first.product.base_url.replace('http', 'ws')}/api/v1/sessions/{customer.id}/ws" \
                      f"?token={customer.session['token']}"
    agents_socket = f"{first.product.base_url.replace('http', 'ws')}/api/v1/work-orders/live?token={token}"

    def on_second(path: str, **body: str) -> httpx.Response:
        return client.post(f"{second.product.api}/work-orders/{order_id}/{path}", json=body or None, headers=headers)

    async def exchange() -> tuple[list[dict[str, Any]], dict[str, Any]]:
        async with websockets.connect(customer_socket) as mine, websockets.connect(agents_socket) as desk:
            assert (await asyncio.to_thread(on_second, "claim")).status_code == 200
            sent = await asyncio.to_thread(on_second, "messages", text="您好，我是客服，马上为您处理")
            assert sent.status_code == 200, sent.text
            heard = [json.loads(await asyncio.wait_for(mine.recv(), 5)) for _ in range(2)]
            await asyncio.to_thread(say_on, customer, second, "好的，谢谢")
            while (event := json.loads(await asyncio.wait_for(desk.recv(), 5)))["type"] != "message":
                pass
            return heard, event

    heard, event = asyncio.run(exchange())
    assert [m["sender"] for m in heard] == ["system", "agent"]
    assert heard[1]["text"] == "您好，我是客服，马上为您处理"
    assert event["id"] == order_id and event["message"]["text"] == "好的，谢谢"


def bot_answers_again(client: httpx.Client, replica: Replica, within_s: float = 30) -> bool:
    """Whether a new customer's greeting gets the bot's own answer again within ``within_s``."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        reply = Customer(client, replica.product).say("你好")
        if reply["state"] == "bot":
            return True
        time.sleep(1)
    return False


def test_a_hanging_rasa_hands_off_within_the_timeout_and_keeps_the_message(client, cluster):
    _, second = cluster.replicas
    rasa = second.services["rasa"]
    assert rasa.process is not None
    customer = Customer(client, second.product)
    question = entry_in("物流").question
    os.killpg(rasa.process.pid, signal.SIGSTOP)
    try:
        # The gateway must answer by itself once Rasa's time is up; a hang fails on this client's timeout.
        with httpx.Client(timeout=second.settings.rasa_timeout_s + 3) as impatient:
            customer.client = impatient
            reply = say_on(customer, second, question)
    finally:
        os.killpg(rasa.process.pid, signal.SIGCONT)
        customer.client = client
    assert reply["state"] == "queued" and reply["messages"][0]["text"] == messages.BOT_UNAVAILABLE
    order = work_order(client, second, reply["work_order_id"])
    assert order["reason"] == "bot_unavailable"
    assert [m["text"] for m in order["transcript"] if m["sender"] == "customer"] == [question]
    assert bot_answers_again(client, second), "the gateway must go back to Rasa once it answers again"


def test_a_stopped_action_server_hands_off_and_keeps_the_message(client, cluster):
    _, second = cluster.replicas
    actions = second.services["actions"]
    assert bot_answers_again(client, second)  # so the handoff below is the action server's doing
    customer = Customer(client, second.product)
    question = entry_in("退款").question
    stop_all([actions])
    try:
        with httpx.Client(timeout=second.settings.rasa_timeout_s + 3) as impatient:
            customer.client = impatient
            reply = say_on(customer, second, question)
    finally:
        customer.client = client
        start_all([actions], cluster.log_dir)
    assert reply["state"] == "queued" and reply["messages"][0]["text"] == messages.BOT_UNAVAILABLE
    order = work_order(client, second, reply["work_order_id"])
    assert order["reason"] == "bot_unavailable"
    assert [m["text"] for m in order["transcript"] if m["sender"] == "customer"] == [question]


def test_while_the_database_is_away_requests_fail_cleanly_then_work_again(client, cluster):
    first, _ = cluster.replicas
    customer = Customer(client, first.product)
    url = f"{first.product.api}/sessions/{customer.id}/messages"
    body = {"text": "转人工", "client_message_id": uuid.uuid4().hex}
    cluster.database_proxy.cut()
    try:
        during = client.post(url, json=body, headers=customer.headers)
        polled = client.get(url, headers=customer.headers)
    finally:
        cluster.database_proxy.resume()
    assert during.status_code == 503 and during.json() == {"detail": messages.SERVICE_UNAVAILABLE}
    assert polled.status_code == 503 and polled.json() == {"detail": messages.SERVICE_UNAVAILABLE}
    # Same gateway process, no restart: the pool drops its dead connections and reconnects.
    after = client.post(url, json=body, headers=customer.headers)
    assert after.status_code == 200, after.text
    assert after.json()["state"] == "queued"
    stored = [m["text"] for m in customer.history()["messages"] if m["sender"] == "customer"]
    assert stored == ["转人工"]


def test_restarted_processes_carry_on_sessions_and_orders(client, cluster):
    first, _ = cluster.replicas
    waiting = Customer(client, first.product, name="孙八")
    order_id = say_on(waiting, first, "转人工")["work_order_id"]
    rater = Customer(client, first.product)
    say_on(rater, first, entry_in("发票").question)  # the bot now waits for a rating

    cluster.restart(first, "gateway", "rasa", "actions")

    thanked = say_on(rater, first, "五星")
    assert thanked["state"] == "bot" and "感谢您的评价" in texts(thanked)[0]
    assert work_order(client, first, order_id)["status"] == "queued"
    claimed = client.post(f"{first.product.api}/work-orders/{order_id}/claim", headers=agent_headers(client, first))
    assert claimed.status_code == 200 and claimed.json()["assigned_to"] == AGENT[0]
    assert waiting.history()["state"] == "agent"
