"""Abuse limits, CORS, masked logs and hostile requests against the running product.

Rate-limited requests carry X-Forwarded-For with an address of their own (uvicorn trusts it
from the local host, as from a reverse proxy there), so they never use up other tests' limits.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from kefu import messages
from kefu.settings import Settings
from tests.conftest import ADMIN, AGENT, ALLOWED_ORIGIN, Product
from tests.e2e.customer import Customer, texts

pytestmark = pytest.mark.slow

_addresses = itertools.count(1)


def new_address() -> dict[str, str]:
    """A client address of its own for the test (TEST-NET-3)."""
    return {"X-Forwarded-For": f"203.0.113.{next(_addresses)}"}


def is_chinese_error(response: httpx.Response, status: int) -> bool:
    detail = response.json().get("detail")
    return response.status_code == status and isinstance(detail, str) and not detail.isascii()


def assert_rate_limited(response: httpx.Response) -> None:
    assert is_chinese_error(response, 429), response.text
    assert int(response.headers["Retry-After"]) >= 1


def login(client: httpx.Client, product: Product, username: str, password: str, **headers: str) -> httpx.Response:
    return client.post(f"{product.api}/auth/token", data={"username": username, "password": password},
                       headers=headers)


def test_failed_logins_are_limited_per_user_and_address(client, product):
    address, user = new_address(), f"probe-{uuid.uuid4().hex[:6]}"
    for _ in range(5):
        assert is_chinese_error(login(client, product, user, "guess", **address), 401)
    assert_rate_limited(login(client, product, user, "guess", **address))
    # Another account from the same address, and the same account from elsewhere, still get an answer.
    assert is_chinese_error(login(client, product, user + "x", "guess", **address), 401)
    assert is_chinese_error(login(client, product, user, "guess", **new_address()), 401)


def test_failed_logins_are_limited_per_address_even_for_the_right_password(client, product):
    address = new_address()
    for attempt in range(20):
        assert is_chinese_error(login(client, product, f"nobody-{attempt}", "guess", **address), 401)
    assert_rate_limited(login(client, product, *AGENT, **address))
    assert login(client, product, *AGENT, **new_address()).status_code == 200


def test_failed_logins_sent_all_at_once_are_limited_too(product):
    """Each attempt takes its place before the password check (tens of ms of Argon2), so a burst
    gets no more guesses than one attempt after another."""
    address, user = new_address(), f"burst-{uuid.uuid4().hex[:6]}"

    def guess(_: int) -> int:
        with httpx.Client(timeout=30) as own:
            return login(own, product, user, "guess", **address).status_code

    allowed = Settings().login_failures_per_user
    with ThreadPoolExecutor(max_workers=3 * allowed) as pool:
        statuses = list(pool.map(guess, range(3 * allowed)))
    assert statuses.count(401) == allowed and statuses.count(429) == 2 * allowed, statuses


def test_successful_logins_are_not_limited(client, product):
    address = new_address()
    assert all(login(client, product, *ADMIN, **address).status_code == 200 for _ in range(8))


def new_session(client: httpx.Client, product: Product, headers: dict[str, str]) -> httpx.Response:
    return client.post(f"{product.api}/sessions", json={"channel": "web", "customer": {"id": "rate"}},
                       headers=headers)


def test_new_sessions_are_limited_per_address(client, product):
    address = new_address()
    assert all(new_session(client, product, address).status_code == 201 for _ in range(120))
    assert_rate_limited(new_session(client, product, address))
    assert new_session(client, product, new_address()).status_code == 201


def test_messages_are_limited_per_session_and_the_refused_one_is_not_stored(client, product):
    busy, calm = Customer(client, product), Customer(client, product)
    # Queued for a person, messages are only stored: the 30 are sent well within the minute.
    assert busy.say("转人工")["state"] == "queued"
    for _ in range(29):
        busy.say("还在吗")
    stored = len(busy.history()["messages"])
    refused = client.post(f"{product.api}/sessions/{busy.id}/messages", json={"text": "你好"}, headers=busy.headers)
    assert_rate_limited(refused)
    assert len(busy.history()["messages"]) == stored
    assert calm.say("你好")["messages"]


def preflight(client: httpx.Client, product: Product, origin: str) -> httpx.Response:
    return client.options(f"{product.api}/sessions", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    })


def test_cors_allows_the_configured_site(client, product):
    allowed = preflight(client, product, ALLOWED_ORIGIN)
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "authorization" in allowed.headers["Access-Control-Allow-Headers"].lower()
    created = client.post(f"{product.api}/sessions", json={"channel": "web", "customer": {"id": "c"}},
                          headers={"Origin": ALLOWED_ORIGIN})
    assert created.status_code == 201 and created.headers["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN


def test_cors_refuses_other_sites(client, product):
    refused = preflight(client, product, "https://evil.example.net")
    assert is_chinese_error(refused, 400)
    assert "Access-Control-Allow-Origin" not in refused.headers
    simple = client.get(f"{product.base_url}/healthz", headers={"Origin": "https://evil.example.net"})
    assert "Access-Control-Allow-Origin" not in simple.headers


def test_the_gateway_log_masks_personal_data(client, product):
    customer = Customer(client, product)
    customer.say("我的手机13812345678，身份证11010119900307123X，银行卡6222021000123456781，订单怎么还没到")
    log = (product.data_dir / "logs" / "gateway.log").read_text(encoding="utf-8")
    lines = [json.loads(line) for line in log.splitlines() if customer.id in line]
    assert any("138****5678" in line.get("text", "") for line in lines), lines
    assert "13812345678" not in log and "11010119900307123X" not in log and "6222021000123456781" not in log
    assert "110***********123X" in log and "6222***********6781" in log


# Hostile and malformed requests: every one gets a 4xx with a Chinese detail, never a 500.

JSON = {"Content-Type": "application/json"}


def chunks(total: int) -> Iterator[bytes]:
    """A body without Content-Length, streamed in pieces."""
    yield b'{"channel": "web", "customer": {"id": "'
    for _ in range(total // 4096):
        yield b"a" * 4096
    yield b'"}}'


HOSTILE: list[tuple[str, str, str, str | None, dict[str, Any], int]] = [
    # (what, method, path, who, request, status)
    ("broken JSON", "POST", "/sessions", None, {"content": b'{"channel": "web", ', "headers": JSON}, 422),
    ("array instead of object", "POST", "/sessions", None, {"json": []}, 422),
    ("form instead of JSON", "POST", "/sessions", None, {"data": {"channel": "web"}}, 422),
    ("wrong type", "POST", "/sessions", None, {"json": {"channel": "web", "customer": {"id": 5}}}, 422),
    ("missing field", "POST", "/sessions", None, {"json": {"customer": {"id": "x"}}}, 422),
    ("NUL in an id", "POST", "/sessions", None, {"json": {"channel": "web", "customer": {"id": "a\u0000b"}}}, 422),
    ("not a mobile number", "POST", "/sessions", None,
     {"json": {"channel": "web", "customer": {"id": "a", "phone": "12345"}}}, 422),
    ("oversize body", "POST", "/sessions", None,
     {"content": b'{"channel": "web", "customer": {"id": "' + b"a" * 70_000 + b'"}}', "headers": JSON}, 413),
    ("oversize body without length", "POST", "/sessions", None, {"content": "chunks", "headers": JSON}, 413),
    ("nesting too deep", "POST", "/sessions", None, {"content": b"[" * 30_000 + b"]" * 30_000, "headers": JSON}, 400),
    ("not UTF-8", "POST", "/sessions/{session}/messages", "customer",
     {"content": b'{"text": "\xff\xfe"}', "headers": JSON}, 400),
    ("terminal escape in text", "POST", "/sessions/{session}/messages", "customer",
     {"json": {"text": "你好\u001b[2J"}}, 422),
    ("NUL in text", "POST", "/sessions/{session}/messages", "customer", {"json": {"text": "你好\u0000"}}, 422),
    ("text is a number", "POST", "/sessions/{session}/messages", "customer", {"json": {"text": 42}}, 422),
    ("text too long", "POST", "/sessions/{session}/messages", "customer", {"json": {"text": "好" * 2001}}, 422),
    ("unknown session", "POST", "/sessions/0123456789abcdef/messages", "customer", {"json": {"text": "你好"}}, 404),
    ("NUL in path", "GET", "/sessions/%00/messages", "customer", {}, 400),
    ("negative position", "GET", "/sessions/{session}/messages?after=-1", "customer", {}, 422),
    ("position not a number", "GET", "/sessions/{session}/messages?after=abc", "customer", {}, 422),
    ("escape in query", "GET", "/kb/search?q=%1b%5b2J", None, {}, 400),
    ("blank KB query", "GET", "/kb/search?q=%20", None, {}, 422),
    ("unknown work order", "GET", "/work-orders/G20990101001", "agent", {}, 404),
    ("NUL in work order id", "GET", "/work-orders/G%00", "agent", {}, 400),
    ("claim of an unknown order", "POST", "/work-orders/nope/claim", "agent", {}, 404),
    ("login without fields", "POST", "/auth/token", None, {"data": {}}, 422),
    ("NUL in user name", "POST", "/auth/token", None, {"data": {"username": "a\u0000", "password": "x"}}, 401),
    ("method not allowed", "PUT", "/sessions", None, {"json": {}}, 405),
    ("unknown route", "GET", "/nothing-here", None, {}, 404),
]


@pytest.mark.parametrize(("what", "method", "path", "who", "request_", "status"), HOSTILE,
                         ids=[case[0] for case in HOSTILE])
def test_hostile_requests_get_a_chinese_4xx(client, product, what, method, path, who, request_, status):
    headers = {**new_address(), **request_.get("headers", {})}
    if who == "customer":
        customer = Customer(client, product)
        headers.update(customer.headers)
        path = path.format(session=customer.id)
    elif who == "agent":
        headers.update(product.staff_headers(client, AGENT))
    if request_.get("content") == "chunks":
        request_ = {**request_, "content": chunks(200_000)}
    response = client.request(method, product.api + path, **{**request_, "headers": headers})
    assert is_chinese_error(response, status), (what, response.status_code, response.text)


def test_a_disclosed_password_is_never_stored_and_the_customer_is_warned(client, product):
    customer = Customer(client, product)
    reply = customer.say("我的支付密码是135790，帮我查一下订单DD202611180001")
    assert texts(reply)[0] == messages.SECRET_WARNING
    assert all("135790" not in text for text in texts(reply))
    stored = [m["text"] for m in customer.history()["messages"] if m["sender"] == "customer"]
    assert stored == ["我的支付密码是******，帮我查一下订单DD202611180001"]
    assert "135790" not in (product.data_dir / "logs" / "gateway.log").read_text(encoding="utf-8")
