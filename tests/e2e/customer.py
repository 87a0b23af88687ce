"""A customer talking to the product through the v1 HTTP contract."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Product


class Customer:
    def __init__(self, client: httpx.Client, product: Product, channel: str = "web", **customer: Any) -> None:
        self.client = client
        self.product = product
        body = {"channel": channel, "customer": {"id": "cust-1", **customer}}
        response = client.post(f"{product.api}/sessions", json=body)
        assert response.status_code == 201, response.text
        self.session = response.json()
        self.id = self.session["session_id"]
        self.headers = {"Authorization": f"Bearer {self.session['token']}"}

    def say(self, text: str) -> dict[str, Any]:
        response = self.client.post(
            f"{self.product.api}/sessions/{self.id}/messages", json={"text": text}, headers=self.headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    def history(self, after: int = 0) -> dict[str, Any]:
        response = self.client.get(
            f"{self.product.api}/sessions/{self.id}/messages", params={"after": after}, headers=self.headers
        )
        assert response.status_code == 200, response.text
        return response.json()


def texts(reply: dict[str, Any]) -> list[str]:
    return [message["text"] for message in reply["messages"]]


def asks_for_rating(reply: dict[str, Any]) -> bool:
    last = reply["messages"][-1]
    return "请回复1-5分" in last["text"] and [b["title"] for b in last.get("buttons", [])] == list("12345")


def warm_up(client: httpx.Client, product: Product, question: str) -> None:
    """Ask a KB question (and rate it 5) until the bot answers in time.

    The first KB answers after start-up are slow (Rasa and the action server's encoder warm
    up); on a busy machine they can miss the bot timeout and hand off.
    """
    for _ in range(3):
        customer = Customer(client, product)
        if customer.say(question)["state"] == "bot":
            customer.say("5")
            return
