"""kefu.dialogue_suite without a server: the suite's shape, its validation, every check on canned
replies, and the runner against a canned HTTP product (httpx.MockTransport)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from kefu import messages
from kefu.dialogue_suite import (
    CHECKS,
    Conversation,
    ConversationResult,
    DialogueRunner,
    Reference,
    SuiteError,
    SuiteResult,
    Turn,
    TurnView,
    load_suite,
    turn_failures,
)
from kefu.settings import get_settings

REFERENCE = Reference.load(get_settings())
CATEGORIES = {
    "person_request", "escalation_threat", "false_friends", "identity_scope", "rating", "courtesy",
    "complaint", "kb_bands", "orders",
}


def text_of(response: str, **values: str) -> str:
    return REFERENCE.responses[response][0].format(**values)


def bot(text: str, buttons: list[str] | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"seq": 1, "sender": "bot", "text": text, "created_at": "2026-11-23T10:00:00"}
    if buttons:
        message["buttons"] = [{"title": title, "payload": title} for title in buttons]
    return message


def reply(*items: dict[str, Any], state: str = "bot", work_order_id: str | None = None) -> dict[str, Any]:
    return {"state": state, "messages": list(items), "work_order_id": work_order_id}


def failures(expect: Mapping[str, Any], answer: Mapping[str, Any], state_before: str = "bot",
             order: Mapping[str, Any] | None = None) -> list[str]:
    return turn_failures(expect, TurnView(answer, state_before, REFERENCE, lambda _: order or {}))


def answer_of(kb_id: str) -> dict[str, Any]:
    return reply(bot(REFERENCE.kb[kb_id].answer), bot(text_of("utter_ask_rating")))


def suggestion(*kb_ids: str) -> dict[str, Any]:
    titles = [REFERENCE.kb[kb_id].question for kb_id in kb_ids]
    return reply(bot("您是不是想问：", [*titles, messages.SUGGEST_NONE]))


# --- the suite itself ------------------------------------------------------------------------


def test_the_suite_has_at_least_100_conversations_over_every_category() -> None:
    suite = load_suite(REFERENCE)
    assert len(suite) >= 100
    counts = {category: sum(c.category == category for c in suite) for category in CATEGORIES}
    assert set(c.category for c in suite) == CATEGORIES
    assert min(counts.values()) >= 10, counts


def test_every_expected_handoff_reason_and_band_occurs_in_the_suite() -> None:
    expected = [(name, value) for c in load_suite(REFERENCE) for t in c.turns for name, value in t.expect.items()]
    reasons = {value for name, value in expected if name == "handoff"}
    assert reasons == {"low_rating", "two_misses", "customer_request", "escalation_threat"}
    used = {name for name, _ in expected}
    assert {"answer", "suggest_includes", "miss", "identity_check", "order_status", "order_not_found",
            "courtesy", "not_courtesy", "complaint_apology", "rating_prompt"} <= used


def write_suite(tmp_path: Path, text: str) -> Path:
    (tmp_path / "orders.yml").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("suite", "complaint"),
    [
        ("- id: a\n  turns: [{say: 你好, expect: {greeting: true}}]", "unknown expectation"),
        ("- id: a\n  turns: [{say: 你好, expect: {answer: kb-999}}]", "not a demo-KB id"),
        ("- id: a\n  turns: [{say: 3}]", "quote numbers"),
        ("- id: a\n  turns: [{say: 你好, pick: kb-001}]", "either say or pick"),
        ("- id: a\n  turns: [{pick: kb-999}]", "neither"),
        ("- id: a\n  turns: [{say: x, expect: {order_not_found: DD202611180001}}]", "is a sample order"),
        ("- id: a\n  turns: [{say: x, expect: {order_status: DD209912319999}}]", "not a sample order"),
        ("- id: a\n  turns: [{say: x, expect: {handoff: angry}}]", "expected one of"),
        ("- id: a\n  turns: [{say: x, expect: {suggest: false}}]", "only `true`"),
        ("- id: a\n  turns: [{say: x}]\n- id: a\n  turns: [{say: y}]", "used twice"),
        ("- id: a\n  category: orders\n  turns: [{say: x}]", "unknown fields"),
        ("- id: a", "needs an id and turns"),
    ],
)
def test_mistakes_in_a_suite_are_refused(tmp_path: Path, suite: str, complaint: str) -> None:
    with pytest.raises(SuiteError, match=complaint):
        load_suite(REFERENCE, write_suite(tmp_path, suite))


def test_a_file_names_the_category_of_its_conversations(tmp_path: Path) -> None:
    suite = load_suite(REFERENCE, write_suite(tmp_path, "- id: a\n  customer: {phone: '13912345678'}\n"
                                                       "  turns: [{say: '5'}, {pick: none}]"))
    assert suite == [Conversation("a", "orders", (Turn(say="5"), Turn(pick="none")), {"phone": "13912345678"})]


# --- checks on canned replies ----------------------------------------------------------------


def test_an_answer_is_that_entrys_answer() -> None:
    assert failures({"answer": "kb-033", "rating_prompt": True}, answer_of("kb-033")) == []
    assert failures({"answer": "kb-034"}, answer_of("kb-033")) == ["no bot message is the answer of kb-034"]
    assert failures({"rating_prompt": False}, answer_of("kb-033")) == ["the last message asks for a rating"]


def test_a_suggestion_ends_with_the_none_button() -> None:
    offered = suggestion("kb-025", "kb-027")
    assert failures({"suggest": True, "suggest_includes": "kb-025", "answer_or_suggest": "kb-027"}, offered) == []
    assert failures({"suggest_includes": "kb-013"}, offered)[0].startswith("kb-013 is not among the suggestions")
    assert failures({"no_suggest": True}, offered)[0].startswith("the bot suggested")
    # Buttons without the 都不是 button (the rating prompt, the offer of a person) are no suggestion.
    assert failures({"suggest": True}, answer_of("kb-025")) == ["no suggestion (buttons ending with the 都不是 button)"]
    assert failures({"answer_or_suggest": "kb-025", "no_suggest": True}, answer_of("kb-025")) == []


def test_a_miss_is_the_domains_miss_reply() -> None:
    missed = reply(bot(text_of("utter_miss")))
    assert failures({"miss": True, "no_suggest": True}, missed) == []
    assert failures({"miss": False}, missed) == ["utter_miss said"]
    assert failures({"miss": True}, answer_of("kb-001")) == ["utter_miss missing"]


@pytest.mark.parametrize(
    "asked",
    [messages.VERIFY_SEND_CODE.format(last4="5678", minutes=5, digits=6), messages.VERIFY_ASK_PHONE],
)
def test_an_identity_check_is_a_code_or_phone_request(asked: str) -> None:
    assert failures({"identity_check": True}, reply(bot(asked))) == []
    assert failures({"identity_check": False}, reply(bot(asked))) == ["the bot started an identity check"]
    assert failures({"identity_check": True}, answer_of("kb-083")) == ["no identity check"]


def test_an_order_status_names_the_order_and_its_status() -> None:
    shipping = REFERENCE.orders["DD202611180002"]
    status = text_of("utter_order_status", order_id=shipping.order_id, status=shipping.status, detail=shipping.detail)
    assert failures({"order_status": "DD202611180002"}, reply(bot(status))) == []
    assert failures({"order_status": "DD202611180001"}, reply(bot(status)))
    not_found = reply(bot(text_of("utter_order_not_found", order_id="DD202611189999")))
    assert failures({"order_status": "DD202611180002"}, not_found)
    assert failures({"order_not_found": "DD202611189999"}, not_found) == []
    assert failures({"order_not_found": "DD202611189998"}, not_found) == [
        "the bot did not say it found no order DD202611189998"
    ]


def test_courtesy_is_that_reply_alone() -> None:
    greeted = reply(bot(text_of("utter_greet")))
    assert failures({"courtesy": "greet"}, greeted) == []
    assert failures({"courtesy": "thanks"}, greeted) == ["expected only utter_thanks"]
    greeted_and_answered = reply(bot(text_of("utter_greet")), *answer_of("kb-033")["messages"])
    assert failures({"courtesy": "greet"}, greeted_and_answered) == ["expected only utter_greet"]
    assert failures({"not_courtesy": True}, greeted_and_answered) == ["the bot replied with ['utter_greet']"]
    assert failures({"not_courtesy": True}, answer_of("kb-033")) == []


def test_a_complaint_apology_and_other_responses_are_read_from_the_domain() -> None:
    answered = reply(bot(text_of("utter_complaint_apology")), bot(text_of("utter_rating_thanks")))
    assert failures({"complaint_apology": True, "response": "utter_rating_thanks"}, answered) == []
    assert failures({"response": "utter_goodbye"}, answered) == ["no bot message is utter_goodbye"]
    unknown = failures({"response": "utter_nothing_like_it"}, answered)
    assert unknown == ["domain.yml has no response utter_nothing_like_it"]


def test_raw_substrings() -> None:
    answered = reply(bot("非常抱歉，给您添麻烦了"))
    assert failures({"contains": ["抱歉"], "not_contains": ["再见"]}, answered) == []
    assert failures({"contains": ["再见"]}, answered) == ["the replies do not contain ['再见']"]


def handed_off(reason: str = "customer_request", **order: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    notice = {"seq": 2, "sender": "system", "text": "正在为您转接人工客服", "created_at": "2026-11-23T10:00:00"}
    return reply(notice, state="queued", work_order_id="G20261123001"), {"reason": reason, **order}


def test_a_handoff_is_read_from_the_work_order() -> None:
    answer, order = handed_off("escalation_threat", urgency="critical", rating=None)
    assert failures({"handoff": "escalation_threat", "urgency": "critical"}, answer, order=order) == []
    assert failures({"handoff": "customer_request"}, answer, order=order) == [
        "handoff reason 'escalation_threat', expected 'customer_request'"
    ]
    assert failures({"urgency": "normal", "state": "queued"}, answer, order=order) == [
        "work order urgency 'critical', expected 'normal'"
    ]


def test_a_handoff_must_happen_in_that_turn() -> None:
    answer, order = handed_off()
    assert failures({"handoff": "customer_request"}, answer, state_before="queued", order=order)
    assert failures({"handoff": "customer_request"}, reply(bot("好的")), order=order)


def test_the_rating_on_the_work_order() -> None:
    answer, order = handed_off("low_rating", rating=3)
    assert failures({"handoff": "low_rating", "rating": 3}, answer, order=order) == []
    assert failures({"state": "queued", "rating": 2}, answer, order=order) == ["work order rating 3, expected 2"]


def test_a_handoff_nobody_expected_fails_the_turn() -> None:
    answer, order = handed_off()
    assert failures({"answer_or_suggest": "kb-001"}, answer, order=order)[0] == "state went 'bot' → 'queued' unasked"
    assert failures({}, reply(bot("好的"))) == []


def test_every_check_has_a_validator_that_refuses_nonsense() -> None:
    for name, check in CHECKS.items():
        assert check.validate(object(), REFERENCE), name


# --- the runner against a canned product -------------------------------------------------------


class CannedProduct:
    """The HTTP contract with scripted replies: texts[i] answers the i-th customer message."""

    def __init__(self, replies: list[dict[str, Any]], work_order: Mapping[str, Any] | None = None,
                 throttle_first: bool = False) -> None:
        self.replies, self.work_order, self.throttle = list(replies), work_order, throttle_first
        self.sent: list[str] = []
        self.customers: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/api/v1/sessions":
            if self.throttle:
                self.throttle = False
                return httpx.Response(429, headers={"Retry-After": "0"}, json={"detail": "操作过于频繁"})
            self.customers.append(json.loads(request.content)["customer"]["id"])
            welcome = bot(messages.WELCOME)
            return httpx.Response(201, json={"session_id": "s1", "token": "t", "state": "bot", "messages": [welcome]})
        if path == "/api/v1/sessions/s1/messages":
            self.sent.append(json.loads(request.content)["text"])
            return httpx.Response(200, json=self.replies.pop(0))
        if path == "/api/v1/auth/token":
            return httpx.Response(200, json={"access_token": "a", "token_type": "bearer"})
        if path.startswith("/api/v1/work-orders/") and self.work_order is not None:
            return httpx.Response(200, json=self.work_order)
        return httpx.Response(404, json={"detail": "not found"})


def run(product: Callable[[httpx.Request], httpx.Response], *turns: Turn) -> ConversationResult:
    with httpx.Client(transport=httpx.MockTransport(product)) as client:
        runner = DialogueRunner(client, "http://kefu.test", ("agent1", "pw"), REFERENCE)
        return runner.run(Conversation("c1", "kb_bands", turns))


def test_a_conversation_passes_when_every_turn_meets_its_expectations() -> None:
    answer, order = handed_off("low_rating", rating=2)
    product = CannedProduct([answer_of("kb-033"), answer], work_order=order)
    result = run(product, Turn(say="退款多久能到账", expect={"answer": "kb-033"}),
                 Turn(say="2", expect={"handoff": "low_rating", "rating": 2}))
    assert result.passed and product.sent == ["退款多久能到账", "2"]


def test_a_failing_conversation_names_its_first_failing_turn_and_why() -> None:
    product = CannedProduct([answer_of("kb-033"), reply(bot(text_of("utter_goodbye")))])
    result = run(product, Turn(say="退款多久能到账", expect={"answer": "kb-033"}),
                 Turn(say="那信用卡呢", expect={"not_courtesy": True}),
                 Turn(say="never sent"))
    assert (result.failed_turn, result.said) == (2, "那信用卡呢")
    assert result.reasons == ("the bot replied with ['utter_goodbye']",)
    assert "turn 2 '那信用卡呢'" in result.explain() and "感谢您的咨询" in result.explain()
    assert product.sent == ["退款多久能到账", "那信用卡呢"]


def test_a_pick_sends_the_payload_of_that_entrys_button() -> None:
    product = CannedProduct(
        [suggestion("kb-025", "kb-027"), answer_of("kb-025"), suggestion("kb-025"), handed_off()[0]]
    )
    result = run(product, Turn(say="退货运费", expect={"suggest": True}),
                 Turn(pick="kb-025", expect={"answer": "kb-025"}),
                 Turn(say="积分"), Turn(pick="none", expect={"state": "queued"}))
    assert result.passed, result.explain()
    assert product.sent == ["退货运费", REFERENCE.kb["kb-025"].question, "积分", messages.SUGGEST_NONE]


def test_a_pick_without_that_button_fails_the_turn() -> None:
    product = CannedProduct([answer_of("kb-025")])
    result = run(product, Turn(say="退货运费"), Turn(pick="kb-027"))
    assert result.failed_turn == 2 and "no button" in result.reasons[0]


def test_each_conversation_is_a_new_customer_and_a_rate_limit_is_waited_out() -> None:
    product = CannedProduct([answer_of("kb-001"), answer_of("kb-001")], throttle_first=True)
    assert run(product, Turn(say="怎么查订单")).passed
    assert run(product, Turn(say="怎么查订单")).passed
    assert len(set(product.customers)) == 2


def test_a_session_that_cannot_be_opened_fails_at_turn_0() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"detail": "系统繁忙"})

    result = run(refuse, Turn(say="你好"))
    assert result.failed_turn == 0 and result.reasons[0].startswith("HTTP 503")


def test_the_pass_rate_and_the_counts_by_category() -> None:
    outcome = SuiteResult((ConversationResult("a", "rating"), ConversationResult("b", "rating", 1, "x", ("no",)),
                           ConversationResult("c", "orders")))
    assert outcome.pass_rate == pytest.approx(2 / 3)
    assert outcome.by_category() == {"rating": (1, 2), "orders": (1, 1)}
    assert [failure.id for failure in outcome.failures] == ["b"]
    assert SuiteResult(()).pass_rate == 0.0
