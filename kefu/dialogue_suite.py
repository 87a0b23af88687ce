"""The dialogue suite: scripted customer conversations through the HTTP contract, each turn with its expected outcome.

The suite lives in ``tests/dialogues/<category>.yml`` (the file's stem is the category of its
conversations). A file is a YAML list of conversations::

    - id: rating-fullwidth-three          # unique in the whole suite
      customer: {name: 张三, phone: "13912345678"}   # optional
      turns:
        - say: 怎么开个人电子发票？
          expect: {answer: kb-040, rating_prompt: true}
        - say: ３
          expect: {handoff: low_rating, rating: 3}

A turn either says a text or picks a button of the bot's last suggestion (``pick: kb-025`` sends
the payload of that entry's button, ``pick: none`` the "都不是" button). Every expectation is
optional; see ``CHECKS``. Unless a turn expects a ``state`` or a ``handoff``, the session must stay
with whoever held it before the turn: an unasked-for handoff fails the turn.

Expected texts are never written into the suite: they are read from ``domain.yml``,
``kefu.messages``, the demo KB and the sample orders, so rewording a reply does not break it.
The suite is YAML, read with PyYAML from the app env's ``dev`` extra: it exists only in a
checkout (``make setup`` installs that extra), never in an installed product.

A run teaches the product (suggestion picks and ratings are learned): run it against a fresh
product, or expect later runs to answer directly what a first run had to suggest.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import httpx
import yaml

from bot.orders.store import SAMPLE_ORDERS, Order
from kb_index.entries import KBEntry, load_jsonl_file
from kefu import messages
from kefu.settings import PROJECT_ROOT, Settings, get_settings

SUITE_DIR = PROJECT_ROOT / "tests" / "dialogues"
DOMAIN = PROJECT_ROOT / "domain.yml"
HANDOFF_REASONS = ("low_rating", "two_misses", "customer_request", "escalation_threat")
URGENCIES = ("normal", "urgent", "critical")
COURTESY = {"greet": "utter_greet", "thanks": "utter_thanks", "goodbye": "utter_goodbye",
            "anything_else": "utter_anything_else"}
PICK_NONE = "none"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# How much of what the bot said a failure quotes.
_QUOTE_CHARS = 60


class SuiteError(ValueError):
    """The suite cannot be run as written (unknown expectation, KB entry or order, duplicate id…)."""


@dataclass(frozen=True)
class Reference:
    """What expectations are compared with: the domain's responses, the demo KB, the sample orders."""

    responses: Mapping[str, tuple[str, ...]]
    kb: Mapping[str, KBEntry]
    orders: Mapping[str, Order]

    @classmethod
    def load(cls, settings: Settings) -> Reference:
        domain = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))
        responses = {
            name: tuple(variant["text"] for variant in variants if "text" in variant)
            for name, variants in domain["responses"].items()
        }
        kb = {entry.id: entry for entry in load_jsonl_file(str(settings.kb_seed_file))}
        orders = {row["order_id"]: Order(**row) for row in json.loads(SAMPLE_ORDERS.read_text(encoding="utf-8"))}
        return cls(responses, kb, orders)

    def response(self, name: str) -> tuple[str, ...]:
        if name not in self.responses:
            raise MissingText(f"domain.yml has no response {name}")
        return self.responses[name]


class MissingText(LookupError):
    """A text an expectation compares with does not exist (yet) in the domain or kefu.messages."""


def template_pattern(template: str, **known: str) -> re.Pattern[str]:
    """A reply template as a regex: ``known`` placeholders filled in, the others any text."""
    parts = _PLACEHOLDER.split(template)
    # split() alternates literal text and placeholder names.
    pieces = [re.escape(part) if index % 2 == 0 else re.escape(known[part]) if part in known else ".+?"
              for index, part in enumerate(parts)]
    return re.compile("".join(pieces), re.DOTALL)


def suggest_none() -> str:
    """The suggestion's last button ("都不是，转人工"), read when a check needs it."""
    try:
        return messages.SUGGEST_NONE
    except AttributeError as missing:
        raise MissingText("kefu.messages has no SUGGEST_NONE") from missing


# ---------------------------------------------------------------------------------------------
# The suite


@dataclass(frozen=True)
class Turn:
    say: str | None = None
    pick: str | None = None
    expect: Mapping[str, Any] = field(default_factory=dict)

    @property
    def shown(self) -> str:
        return self.say if self.say is not None else f"[pick {self.pick}]"


@dataclass(frozen=True)
class Conversation:
    id: str
    category: str
    turns: tuple[Turn, ...]
    customer: Mapping[str, str] = field(default_factory=dict)


def load_suite(reference: Reference, directory: Path = SUITE_DIR) -> list[Conversation]:
    """Every conversation under ``directory``, checked against ``reference``; SuiteError on a mistake."""
    conversations: list[Conversation] = []
    for path in sorted(directory.glob("*.yml")):
        items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        if not isinstance(items, list):
            raise SuiteError(f"{path.name}: expected a list of conversations")
        conversations += [parse_conversation(item, path.stem, reference) for item in items]
    seen: set[str] = set()
    for conversation in conversations:
        if conversation.id in seen:
            raise SuiteError(f"conversation id {conversation.id} is used twice")
        seen.add(conversation.id)
    return conversations


def parse_conversation(item: Any, category: str, reference: Reference) -> Conversation:
    where = f"{category}: {item.get('id') if isinstance(item, dict) else item!r}"
    if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item.get("turns"):
        raise SuiteError(f"{where}: a conversation needs an id and turns")
    unknown = set(item) - {"id", "customer", "turns"}
    customer = item.get("customer") or {}
    if unknown or not isinstance(customer, dict) or set(customer) - {"name", "phone"}:
        raise SuiteError(f"{where}: unknown fields {sorted(unknown) or sorted(customer)}")
    turns = tuple(parse_turn(turn, f"{where}, turn {number}", reference)
                  for number, turn in enumerate(item["turns"], 1))
    return Conversation(item["id"], category, turns, {key: str(value) for key, value in customer.items()})


def parse_turn(item: Any, where: str, reference: Reference) -> Turn:
    if not isinstance(item, dict) or set(item) - {"say", "pick", "expect"} or ("say" in item) == ("pick" in item):
        raise SuiteError(f"{where}: a turn has either say or pick, and optionally expect")
    if "say" in item and not isinstance(item["say"], str):
        raise SuiteError(f"{where}: say must be a string (quote numbers: say: \"3\")")
    pick = item.get("pick")
    if pick is not None and pick != PICK_NONE and pick not in reference.kb:
        raise SuiteError(f"{where}: pick {pick!r} is neither {PICK_NONE!r} nor a demo-KB id")
    expect = item.get("expect") or {}
    if not isinstance(expect, dict):
        raise SuiteError(f"{where}: expect must be a mapping")
    for name, value in expect.items():
        if name not in CHECKS:
            raise SuiteError(f"{where}: unknown expectation {name!r}")
        problem = CHECKS[name].validate(value, reference)
        if problem:
            raise SuiteError(f"{where}: {name}: {problem}")
    return Turn(item.get("say"), pick, expect)


# ---------------------------------------------------------------------------------------------
# Checking one turn's reply


@dataclass
class TurnView:
    """One turn's reply and what a check may ask about it."""

    reply: Mapping[str, Any]
    state_before: str
    reference: Reference
    # The agent API's view of a work order, by id.
    work_order: Callable[[str], Mapping[str, Any]]

    @property
    def state(self) -> str:
        return self.reply.get("state", "")

    @property
    def bot_messages(self) -> list[Mapping[str, Any]]:
        return [m for m in self.reply.get("messages", []) if m.get("sender") == "bot"]

    @property
    def bot_texts(self) -> list[str]:
        return [m.get("text", "") for m in self.bot_messages]

    @property
    def all_text(self) -> str:
        return "\n".join(m.get("text", "") for m in self.reply.get("messages", []) if m.get("sender") != "customer")

    def said(self, name: str) -> bool:
        """Whether a bot message contains the domain response ``name``."""
        return any(self.matches_response(name, text, whole=False) for text in self.bot_texts)

    def matches_response(self, name: str, text: str, whole: bool) -> bool:
        patterns = [template_pattern(template) for template in self.reference.response(name)]
        return any(p.fullmatch(text) if whole else p.search(text) for p in patterns)

    def suggestions(self) -> list[list[str]]:
        """Button titles of each suggestion message: its last button is the "都不是" one."""
        none = suggest_none()
        return [[button.get("title", "") for button in m["buttons"]]
                for m in self.bot_messages if m.get("buttons") and m["buttons"][-1].get("title") == none]

    def answered(self, kb_id: str) -> bool:
        return self.reference.kb[kb_id].answer in self.bot_texts

    def offered(self, kb_id: str) -> bool:
        return any(self.reference.kb[kb_id].question in titles for titles in self.suggestions())

    def order(self) -> Mapping[str, Any] | None:
        work_order_id = self.reply.get("work_order_id")
        return self.work_order(work_order_id) if work_order_id else None


@dataclass(frozen=True)
class Check:
    """One expectation: whether a value is valid for it, and whether a reply meets it."""

    # None when the turn meets it, else why not.
    run: Callable[[TurnView, Any], str | None]
    # None when ``value`` can be used in the suite, else what is wrong with it.
    validate: Callable[[Any, Reference], str | None]


def _is_bool(value: Any, reference: Reference) -> str | None:
    return None if isinstance(value, bool) else "expected true or false"


def _is_true(value: Any, reference: Reference) -> str | None:
    return None if value is True else "only `true` is meaningful here"


def _one_of(choices: Iterable[str]) -> Callable[[Any, Reference], str | None]:
    allowed = tuple(choices)
    return lambda value, reference: None if value in allowed else f"expected one of {', '.join(allowed)}"


def _kb_id(value: Any, reference: Reference) -> str | None:
    return None if value in reference.kb else f"{value!r} is not a demo-KB id"


def _known_order(value: Any, reference: Reference) -> str | None:
    return None if value in reference.orders else f"{value!r} is not a sample order"


def _unknown_order(value: Any, reference: Reference) -> str | None:
    return None if isinstance(value, str) and value not in reference.orders else f"{value!r} is a sample order"


def _rating(value: Any, reference: Reference) -> str | None:
    return None if type(value) is int and 1 <= value <= 5 else "expected 1 to 5"


def _texts(value: Any, reference: Reference) -> str | None:
    ok = isinstance(value, list) and value and all(isinstance(text, str) and text for text in value)
    return None if ok else "expected a list of strings"


def _response_name(value: Any, reference: Reference) -> str | None:
    return None if isinstance(value, str) and value.startswith("utter_") else "expected a domain response name"


def _verdict(ok: bool, why: str) -> str | None:
    return None if ok else why


def check_state(view: TurnView, expected: str) -> str | None:
    return _verdict(view.state == expected, f"state is {view.state!r}, expected {expected!r}")


def check_handoff(view: TurnView, reason: str) -> str | None:
    if view.state_before != "bot" or view.state != "queued":
        return f"expected a handoff ({reason}) in this turn; state went {view.state_before!r} → {view.state!r}"
    order = view.order()
    if order is None:
        return "handed off without a work_order_id"
    return _verdict(order.get("reason") == reason, f"handoff reason {order.get('reason')!r}, expected {reason!r}")


def _order_field(name: str) -> Callable[[TurnView, Any], str | None]:
    def check(view: TurnView, expected: Any) -> str | None:
        order = view.order()
        if order is None:
            return f"no work order to read {name} from"
        return _verdict(order.get(name) == expected, f"work order {name} {order.get(name)!r}, expected {expected!r}")

    return check


def check_answer(view: TurnView, kb_id: str) -> str | None:
    return _verdict(view.answered(kb_id), f"no bot message is the answer of {kb_id}")


def check_answer_or_suggest(view: TurnView, kb_id: str) -> str | None:
    ok = view.answered(kb_id) or view.offered(kb_id)
    return _verdict(ok, f"{kb_id} was neither answered nor among the suggestions")


def check_suggest(view: TurnView, _: bool) -> str | None:
    return _verdict(bool(view.suggestions()), "no suggestion (buttons ending with the 都不是 button)")


def check_no_suggest(view: TurnView, _: bool) -> str | None:
    return _verdict(not view.suggestions(), f"the bot suggested {view.suggestions()}")


def check_suggest_includes(view: TurnView, kb_id: str) -> str | None:
    if not view.suggestions():
        return f"no suggestion, so {kb_id} is not offered"
    return _verdict(view.offered(kb_id), f"{kb_id} is not among the suggestions {view.suggestions()}")


def _said_response(name: str) -> Callable[[TurnView, bool], str | None]:
    def check(view: TurnView, expected: bool) -> str | None:
        return _verdict(view.said(name) == expected, f"{name} {'missing' if expected else 'said'}")

    return check


def check_identity(view: TurnView, expected: bool) -> str | None:
    asks = [template_pattern(messages.VERIFY_SEND_CODE), template_pattern(messages.VERIFY_ASK_PHONE)]
    asked = any(pattern.search(text) for pattern in asks for text in view.bot_texts)
    return _verdict(asked == expected, "the bot started an identity check" if asked else "no identity check")


def check_order_status(view: TurnView, order_id: str) -> str | None:
    order = view.reference.orders[order_id]
    ok = any(order_id in text and order.status in text for text in view.bot_texts)
    return _verdict(ok, f"no bot message gives {order_id}'s status {order.status!r}")


def check_order_not_found(view: TurnView, order_id: str) -> str | None:
    patterns = [template_pattern(t, order_id=order_id) for t in view.reference.response("utter_order_not_found")]
    ok = any(pattern.search(text) for pattern in patterns for text in view.bot_texts)
    return _verdict(ok, f"the bot did not say it found no order {order_id}")


def check_courtesy(view: TurnView, kind: str) -> str | None:
    texts = view.bot_texts
    ok = len(texts) == 1 and view.matches_response(COURTESY[kind], texts[0], whole=True)
    return _verdict(ok, f"expected only {COURTESY[kind]}")


def check_not_courtesy(view: TurnView, _: bool) -> str | None:
    said = [name for name in COURTESY.values() for text in view.bot_texts if view.matches_response(name, text, True)]
    return _verdict(not said, f"the bot replied with {said}")


def check_rating_prompt(view: TurnView, expected: bool) -> str | None:
    last = (view.reply.get("messages") or [{}])[-1]
    asked = view.matches_response("utter_ask_rating", last.get("text", ""), whole=False)
    return _verdict(asked == expected, "the last message asks for a rating" if asked else "no rating prompt last")


def check_response(view: TurnView, name: str) -> str | None:
    return _verdict(view.said(name), f"no bot message is {name}")


def check_contains(view: TurnView, texts: list[str]) -> str | None:
    missing = [text for text in texts if text not in view.all_text]
    return _verdict(not missing, f"the replies do not contain {missing}")


def check_not_contains(view: TurnView, texts: list[str]) -> str | None:
    found = [text for text in texts if text in view.all_text]
    return _verdict(not found, f"the replies contain {found}")


CHECKS: dict[str, Check] = {
    "state": Check(check_state, _one_of(("bot", "queued"))),
    "handoff": Check(check_handoff, _one_of(HANDOFF_REASONS)),
    "urgency": Check(_order_field("urgency"), _one_of(URGENCIES)),
    "rating": Check(_order_field("rating"), _rating),
    "answer": Check(check_answer, _kb_id),
    "answer_or_suggest": Check(check_answer_or_suggest, _kb_id),
    "suggest": Check(check_suggest, _is_true),
    "no_suggest": Check(check_no_suggest, _is_true),
    "suggest_includes": Check(check_suggest_includes, _kb_id),
    "miss": Check(_said_response("utter_miss"), _is_bool),
    "identity_check": Check(check_identity, _is_bool),
    "order_status": Check(check_order_status, _known_order),
    "order_not_found": Check(check_order_not_found, _unknown_order),
    "courtesy": Check(check_courtesy, _one_of(COURTESY)),
    "not_courtesy": Check(check_not_courtesy, _is_true),
    "rating_prompt": Check(check_rating_prompt, _is_bool),
    "complaint_apology": Check(_said_response("utter_complaint_apology"), _is_bool),
    "response": Check(check_response, _response_name),
    "contains": Check(check_contains, _texts),
    "not_contains": Check(check_not_contains, _texts),
}


def turn_failures(expect: Mapping[str, Any], view: TurnView) -> list[str]:
    """Why the reply in ``view`` does not meet ``expect`` (empty when it does)."""
    failures = []
    if "state" not in expect and "handoff" not in expect and view.state != view.state_before:
        failures.append(f"state went {view.state_before!r} → {view.state!r} unasked")
    for name, value in expect.items():
        try:
            failure = CHECKS[name].run(view, value)
        except MissingText as missing:
            failure = str(missing)
        if failure:
            failures.append(failure)
    return failures


# ---------------------------------------------------------------------------------------------
# Running conversations


@dataclass(frozen=True)
class ConversationResult:
    id: str
    category: str
    # The first failing turn (1-based; 0 when the session could not be opened), what was said, why.
    failed_turn: int | None = None
    said: str = ""
    reasons: tuple[str, ...] = ()
    replies: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return self.failed_turn is None

    def explain(self) -> str:
        if self.passed:
            return f"{self.id}: passed"
        quoted = " | ".join(text[:_QUOTE_CHARS] for text in self.replies) or "(nothing)"
        return (f"{self.id} ({self.category}) turn {self.failed_turn} {self.said!r}: "
                f"{'; '.join(self.reasons)} — replies: {quoted}")


@dataclass(frozen=True)
class SuiteResult:
    results: tuple[ConversationResult, ...]

    @property
    def pass_rate(self) -> float:
        return sum(result.passed for result in self.results) / len(self.results) if self.results else 0.0

    @property
    def failures(self) -> list[ConversationResult]:
        return [result for result in self.results if not result.passed]

    def by_category(self) -> dict[str, tuple[int, int]]:
        """Category → (passed, total)."""
        counts: dict[str, tuple[int, int]] = {}
        for result in self.results:
            passed, total = counts.get(result.category, (0, 0))
            counts[result.category] = (passed + result.passed, total + 1)
        return counts


class TurnFailed(Exception):
    """The turn could not be sent (HTTP error, no button to pick)."""


class DialogueRunner:
    """Plays conversations against a running product as its customers, one session each."""

    def __init__(self, client: httpx.Client, base_url: str, agent: tuple[str, str], reference: Reference) -> None:
        self.client, self.api, self.agent, self.reference = client, f"{base_url.rstrip('/')}/api/v1", agent, reference

    @cached_property
    def agent_headers(self) -> dict[str, str]:
        """Logged in once, when the first work order is looked at."""
        response = self.client.post(f"{self.api}/auth/token",
                                    data={"username": self.agent[0], "password": self.agent[1]})
        response.raise_for_status()
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def work_order(self, work_order_id: str) -> Mapping[str, Any]:
        response = self.client.get(f"{self.api}/work-orders/{work_order_id}", headers=self.agent_headers)
        response.raise_for_status()
        return response.json()

    def run(self, conversation: Conversation) -> ConversationResult:
        def failed(number: int, said: str, reasons: list[str], reply: Mapping[str, Any]) -> ConversationResult:
            replies = tuple(m.get("text", "") for m in reply.get("messages", []) if m.get("sender") != "customer")
            return ConversationResult(conversation.id, conversation.category, number, said, tuple(reasons), replies)

        customer = {"id": f"dialogue-{conversation.id}-{uuid.uuid4().hex[:8]}", **conversation.customer}
        try:
            session = self._post(f"{self.api}/sessions", {"channel": "web", "customer": customer}, {}, 201)
        except (TurnFailed, httpx.HTTPError) as error:
            return failed(0, "", [str(error)], {})
        url = f"{self.api}/sessions/{session['session_id']}/messages"
        headers = {"Authorization": f"Bearer {session['token']}"}
        reply: Mapping[str, Any] = session
        for number, turn in enumerate(conversation.turns, 1):
            state_before = reply["state"]
            try:
                reply = self._post(url, {"text": self._text(turn, reply)}, headers, 200)
                view = TurnView(reply, state_before, self.reference, self.work_order)
                reasons = turn_failures(turn.expect, view)
            except (TurnFailed, MissingText, httpx.HTTPError) as error:
                return failed(number, turn.shown, [str(error)], reply)
            if reasons:
                return failed(number, turn.shown, reasons, reply)
        return ConversationResult(conversation.id, conversation.category)

    def _text(self, turn: Turn, previous: Mapping[str, Any]) -> str:
        """What the customer sends: the text said, or the payload of the button picked."""
        if turn.say is not None:
            return turn.say
        wanted = suggest_none() if turn.pick == PICK_NONE else self.reference.kb[str(turn.pick)].question
        for message in reversed(previous.get("messages", [])):
            for button in message.get("buttons") or []:
                if button.get("title") == wanted:
                    return button["payload"]
        raise TurnFailed(f"no button {wanted!r} to pick in the last reply")

    def _post(self, url: str, body: dict[str, Any], headers: dict[str, str], status: int) -> dict[str, Any]:
        """POST, waiting once for a rate limit the server announces (Retry-After) before giving up."""
        response = self.client.post(url, json=body, headers=headers)
        if response.status_code == httpx.codes.TOO_MANY_REQUESTS:
            time.sleep(float(response.headers.get("Retry-After", "1")))
            response = self.client.post(url, json=body, headers=headers)
        if response.status_code != status:
            raise TurnFailed(f"HTTP {response.status_code}: {response.text[:200]}")
        return response.json()


def run_suite(
    base_url: str, conversations: Iterable[Conversation], agent: tuple[str, str], reference: Reference | None = None
) -> SuiteResult:
    """Every conversation, one after another (the product's answers are what is measured, not its load)."""
    reference = reference or Reference.load(get_settings())
    with httpx.Client(timeout=60) as client:
        runner = DialogueRunner(client, base_url, agent, reference)
        return SuiteResult(tuple(runner.run(conversation) for conversation in conversations))
