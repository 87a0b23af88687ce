"""When Rasa cannot answer, the customer still gets a reply within the timeout and a person."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import AGENT, free_port


@pytest.fixture
def gateway_without_rasa(tmp_path, monkeypatch):
    from kb_index.service import get_store
    from kefu.settings import get_settings

    for name, value in {
        "KEFU_DATA_DIR": str(tmp_path),
        "RASA_PORT": str(free_port()),  # nothing listens there
        "KEFU_BOOTSTRAP_AGENT": f"{AGENT[0]}:{AGENT[1]}",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    get_store.cache_clear()
    get_store().ensure_seeded(get_settings().kb_seed_file)
    from gateway.main import create_app

    with TestClient(create_app()) as client:
        yield client
    get_settings.cache_clear()
    get_store.cache_clear()


def test_rasa_down_hands_off_and_keeps_the_message(gateway_without_rasa):
    client = gateway_without_rasa
    session = client.post("/api/v1/sessions", json={"channel": "miniprogram", "customer": {"id": "c9"}}).json()
    headers = {"Authorization": f"Bearer {session['token']}"}
    reply = client.post(f"/api/v1/sessions/{session['session_id']}/messages", json={"text": "我的快递到哪了"},
                        headers=headers)
    assert reply.status_code == 200
    body = reply.json()
    assert body["state"] == "queued" and body["work_order_id"].startswith("G")
    assert "系统繁忙" in body["messages"][0]["text"]
    token = client.post("/api/v1/auth/token", data={"username": AGENT[0], "password": AGENT[1]}).json()
    order = client.get(f"/api/v1/work-orders/{body['work_order_id']}",
                       headers={"Authorization": f"Bearer {token['access_token']}"}).json()
    assert order["reason"] == "bot_unavailable"
    assert order["customer"]["channel"] == "miniprogram"
    assert any(m["sender"] == "customer" and m["text"] == "我的快递到哪了" for m in order["transcript"])
    assert client.get("/healthz").status_code == 503
