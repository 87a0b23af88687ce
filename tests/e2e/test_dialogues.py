"""The dialogue suite (tests/dialogues) through the real HTTP stack: one case per conversation,
named by its id, so a failure says which conversation went wrong, at which turn and why."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from kefu.dialogue_suite import Conversation, DialogueRunner, Reference, load_suite
from kefu.settings import get_settings
from tests.conftest import AGENT, Product, _run_product
from tests.e2e.customer import Customer

pytestmark = pytest.mark.slow

REFERENCE = Reference.load(get_settings())
SUITE = load_suite(REFERENCE)
# A demo-KB question no conversation of the suite asks: warming up with it teaches the bot nothing they rely on.
WARM_UP_QUESTION = REFERENCE.kb["kb-093"].question
WARM_UP_S = 180


@pytest.fixture(scope="module")
def dialogue_product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Product]:
    """A product of its own on SQLite: the suite opens well over a hundred sessions from one address
    within minutes, more than the per-address session limit lets through, so that limit is off."""
    yield from _run_product(tmp_path_factory, None, {"KEFU_SESSIONS_PER_IP_PER_MINUTE": "0"})


def warm_up(client: httpx.Client, product: Product) -> None:
    """Ask until the bot answers in time: the first KB answers after start-up are slow (the encoders
    load), and after a timed-out turn the gateway hands every turn off for rasa_timeout_s, so the
    next try waits that long; otherwise the first conversations of the suite would meet that."""
    deadline = time.monotonic() + WARM_UP_S
    while Customer(client, product).say(WARM_UP_QUESTION)["state"] != "bot":
        assert time.monotonic() < deadline, f"the bot did not answer in time within {WARM_UP_S} s of start-up"
        time.sleep(get_settings().rasa_timeout_s)


@pytest.fixture(scope="module")
def runner(dialogue_product: Product) -> Iterator[DialogueRunner]:
    with httpx.Client(timeout=60) as client:
        warm_up(client, dialogue_product)
        yield DialogueRunner(client, dialogue_product.base_url, AGENT, REFERENCE)


def test_the_warm_up_question_is_in_no_conversation() -> None:
    assert all(WARM_UP_QUESTION.rstrip("？") not in (turn.say or "") for c in SUITE for turn in c.turns)


@pytest.mark.parametrize("conversation", SUITE, ids=[conversation.id for conversation in SUITE])
def test_conversation(runner: DialogueRunner, conversation: Conversation) -> None:
    result = runner.run(conversation)
    assert result.passed, result.explain()
