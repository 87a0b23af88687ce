"""One customer turn: store it, route it to its owner (bot or people), store the replies.

The gateway, not the bot, decides who answers: while a session is queued or held by an
agent its messages never reach Rasa, on every channel.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway import metrics
from gateway.agent_feed import order_event
from gateway.learning import Learning, recent_messages
from gateway.live import AGENTS_TOPIC, LiveHub, session_topic
from gateway.models import ChatMessage, ChatSession, Verification
from gateway.rasa_client import BotReply, BotUnavailable, RasaClient
from gateway.turns import TurnResult
from gateway.verification import IdentityCheck
from handoff.models import WorkOrder
from handoff.work_orders import make_critical, open_work_order
from kefu import messages
from kefu.db import utcnow
from kefu.pii import PHONE, for_agents, mask_phone
from kefu.ratings import parse_rating
from kefu.settings import Settings
from kefu.text import normalize
from understanding import RuleDecision, apply_rules, question_part
from understanding.choices import picked_payload
from understanding.rules import escalation_threat

NOTE_KEY = "kefu"
logger = logging.getLogger(__name__)


@dataclass
class Conversation:
    db: AsyncSession
    rasa: RasaClient
    hub: LiveHub
    settings: Settings
    # For work after the turn's own session is closed (bringing the KB in line with what was learned).
    sessions: async_sessionmaker[AsyncSession] | None = None

    @cached_property
    def identity(self) -> IdentityCheck:
        return IdentityCheck(self)

    async def add_message(self, chat: ChatSession, sender: str, text: str, **fields: Any) -> ChatMessage:
        # The counter is bumped in the database so concurrent writers never share a seq.
        seq = (
            await self.db.execute(
                update(ChatSession)
                .where(ChatSession.id == chat.id)
                .values(last_seq=ChatSession.last_seq + 1)
                .returning(ChatSession.last_seq)
            )
        ).scalar_one()
        message = ChatMessage(session_id=chat.id, seq=seq, sender=sender, text=text, **fields)
        self.db.add(message)
        await self.db.flush()
        return message

    async def customer_turn(self, chat: ChatSession, text: str, client_message_id: str | None = None) -> TurnResult:
        earlier = await self.sent_before(chat, client_message_id)
        if earlier is not None:
            return await self.replay(chat, earlier)
        check = await self.identity.pending(chat) if chat.state == "bot" else None
        # A password or code is never stored, nor echoed: the customer is warned instead.
        stored, disclosed = self.identity.redact(check, text)
        try:
            question = await self.add_message(chat, "customer", stored, client_message_id=client_message_id)
            warning = await self.add_message(chat, "system", messages.SECRET_WARNING) if disclosed else None
            # Stored before anything that can fail: a message once accepted is never lost.
            await self.db.commit()
        except IntegrityError:  # the same retry arrived twice at once; the other one won
            await self.db.rollback()
            await self.db.refresh(chat)
            return await self.replay(chat, await self.sent_before(chat, client_message_id))
        for message in filter(None, (question, warning)):
            self.publish(chat, message)
        result = await self.route(chat, question, check, text)
        if warning:
            result.replies.insert(0, warning)
        return result

    async def route(
        self, chat: ChatSession, question: ChatMessage, check: Verification | None, text: str
    ) -> TurnResult:
        """To the people holding the session, else to the identity check awaiting an answer, else to the bot."""
        if chat.state != "bot":
            metrics.TURNS.labels(handled_by="people").inc()
            return await self.to_people(chat, question)
        metrics.TURNS.labels(handled_by="bot").inc()
        with metrics.TURN_SECONDS.time():
            result = await self.decide(chat, question, check, text)
        # The text helps whoever tunes the NLU; the log filter masks personal data in it.
        logger.info("bot turn", extra={"text": question.text, "intent": question.intent, "outcome": question.outcome,
                                       "state": result.state, "work_order_id": result.work_order_id})
        return result

    async def decide(
        self, chat: ChatSession, question: ChatMessage, check: Verification | None, text: str
    ) -> TurnResult:
        """The bot side of a turn, in the order of understanding.STEPS."""
        if (rule := apply_rules(question.text, self.settings)) is not None:
            return await self.rule_handoff(chat, question, check, rule)
        if check is not None and (answered := await self.identity.answer(chat, check, text)) is not None:
            return answered
        picked = await self.pick_of(chat, question)
        if picked is not None and (rule := apply_rules(picked, self.settings)) is not None:  # "4": 都不是，转人工
            return await self.rule_handoff(chat, question, None, rule)
        return await self.bot_turn(chat, question, picked or question_part(question.text, self.settings))

    async def rule_handoff(
        self, chat: ChatSession, question: ChatMessage, check: Verification | None, rule: RuleDecision
    ) -> TurnResult:
        """A person asked for, or an escalation threat: to the queue at once, whatever else was going on."""
        if check is not None:
            await self.identity.close_unreleased(chat, check, "abandoned")
        await self.decline_suggestion(chat, question)
        question.intent, question.confidence = await self.rasa.intent_of(question.text)
        return await self.hand_off(chat, rule.reason, None, notice=messages.RULE_HANDOFF_NOTICES[rule.reason])

    async def decline_suggestion(self, chat: ChatSession, question: ChatMessage) -> None:
        """Asking for a person right after "您是不是想问" says none of the choices fit: that question was a miss."""
        offer, asked = [*await recent_messages(self.db, chat.id, question.seq, limit=2), None, None][:2]
        if offer is not None and offer.outcome == "suggest" and asked is not None and asked.outcome == "suggest":
            asked.outcome = "miss"

    async def bot_turn(self, chat: ChatSession, question: ChatMessage, content: str) -> TurnResult:
        """The bot's reply to ``content``, the question part of the customer's message."""
        try:
            reply = await self.rasa.send(chat.rasa_sender_id, content, {"channel": chat.channel})
            if not any(_visible(m) for m in reply.messages):
                raise BotUnavailable("no reply from the bot")
        except BotUnavailable as error:
            logger.warning("bot unavailable: %s", error)
            return await self.hand_off(chat, "bot_unavailable", None, notice=messages.BOT_UNAVAILABLE)
        question.intent, question.confidence = reply.intent, reply.confidence
        if not _hands_off(reply) and self.identity.required(chat, reply.intent, reply.confidence, content):
            return await self.identity.start(chat, question, reply)
        return await self.apply_bot_reply(chat, question, reply)

    async def sent_before(self, chat: ChatSession, client_message_id: str | None) -> ChatMessage | None:
        if client_message_id is None:
            return None
        return await self.db.scalar(
            select(ChatMessage).where(
                ChatMessage.session_id == chat.id, ChatMessage.client_message_id == client_message_id
            )
        )

    async def replay(self, chat: ChatSession, earlier: ChatMessage) -> TurnResult:
        """What the first attempt of a retried message got: the replies up to the next question."""
        later = await self.db.scalars(
            select(ChatMessage)
            .where(ChatMessage.session_id == chat.id, ChatMessage.seq > earlier.seq)
            .order_by(ChatMessage.seq)
        )
        replies = []
        for message in later:
            if message.sender == "customer":
                break
            replies.append(message)
        order = await self.open_order(chat)
        return TurnResult(chat.state, replies, order.id if order else None)

    async def apply_bot_reply(self, chat: ChatSession, question: ChatMessage, reply: BotReply) -> TurnResult:
        replies: list[ChatMessage] = []
        handoff: dict[str, Any] | None = None
        for item in reply.messages:
            note = (item.get("custom") or {}).get(NOTE_KEY)
            if note is None and _visible(item):
                replies.append(
                    await self.add_message(chat, "bot", item["text"], buttons=_buttons(item) or None)
                )
            elif note is not None:
                handoff = note.get("handoff") or handoff
                _attach_note(note, question, replies)
        learned = await self.learn_from(chat, question, replies)
        if handoff:
            result = await self.hand_off(chat, handoff["reason"], handoff.get("rating"))
            result.replies[:0] = replies
        else:
            await self.db.commit()
            for message in replies:
                self.publish(chat, message)
            result = TurnResult(chat.state, replies)
        if learned and self.sessions is not None:
            Learning(self.db, self.settings).sync_kb_soon(self.sessions)
        return result

    async def learn_from(self, chat: ChatSession, question: ChatMessage, replies: list[ChatMessage]) -> bool:
        """What this turn teaches the KB: a rating of the answer before it, or a suggestion picked."""
        learning = Learning(self.db, self.settings)
        if question.rating is not None and question.kb_id:
            return await self.learn_from_rating(chat, question, learning)
        answer = next((m for m in replies if m.outcome == "hit" and m.kb_id), None)
        if answer is not None and (asked := await self.picked_from(chat, question, answer.kb_id)) is not None:
            return await learning.similar(answer.kb_id, asked.text, "pick", chat.id)
        return False

    async def learn_from_rating(self, chat: ChatSession, rating: ChatMessage, learning: Learning) -> bool:
        """4–5 teaches the rated question's wording to its entry; ≤ 3 says not that entry for that wording."""
        recent = await recent_messages(self.db, chat.id, rating.seq)
        answered = next((i for i, m in enumerate(recent) if m.sender == "bot" and m.outcome == "hit"), None)
        if answered is None or recent[answered].kb_id != rating.kb_id:
            return False  # the latest answer was not that entry's (an order's status, say)
        asked = next((m for m in recent[answered + 1 :] if m.sender == "customer"), None)
        if asked is None:
            return False
        wording = await self.picked_from(chat, asked, rating.kb_id) or asked
        if rating.rating > self.settings.low_rating_max:
            return await learning.similar(rating.kb_id, wording.text, "rating", chat.id)
        return await learning.negative(rating.kb_id, wording.text, chat.id)

    async def pick_of(self, chat: ChatSession, message: ChatMessage) -> str | None:
        """The button payload ``message`` picks when it answers "您是不是想问：" ("2", "第二个", a title)."""
        offer = next(iter(await recent_messages(self.db, chat.id, message.seq, limit=1)), None)
        if offer is None or offer.outcome != "suggest":
            return None
        return picked_payload(message.text, offer.buttons or [])

    async def picked_from(self, chat: ChatSession, pick: ChatMessage, kb_id: str) -> ChatMessage | None:
        """The customer's own question when ``pick`` chose the ``kb_id`` entry of a suggestion, else None."""
        offer, asked = [*await recent_messages(self.db, chat.id, pick.seq, limit=2), None, None][:2]
        if offer is None or asked is None or offer.outcome != "suggest" or asked.sender != "customer":
            return None
        picked = picked_payload(pick.text, offer.buttons or [])
        return asked if picked is not None and kb_id in (offer.kb_id or "").split(",") else None

    async def hand_off(
        self, chat: ChatSession, reason: str, rating: int | None, notice: str | None = None
    ) -> TurnResult:
        """Queue the session for a person with a pre-filled work order, exactly once."""
        replies = [await self.add_message(chat, "system", notice)] if notice else []
        order = await open_work_order(self.db, chat, reason, rating, self.settings)
        metrics.HANDOFFS.labels(reason=reason).inc()
        logger.info("handoff", extra={"reason": reason, "work_order_id": order.id, "urgency": order.urgency})
        chat.state = "queued"
        replies.append(await self.add_message(chat, "system", await self.queue_notice(order)))
        await self.db.commit()
        for message in replies:
            self.publish(chat, message)
        self.hub.publish(AGENTS_TOPIC, order_event("work_order", order, urgency=order.urgency, reason=order.reason))
        return TurnResult(chat.state, replies, order.id)

    async def queue_notice(self, order: WorkOrder) -> str:
        """Place in the queue; with nobody online also the expected wait and a callback offer."""
        await self.db.flush()
        ahead = await self.db.scalar(
            select(func.count()).select_from(WorkOrder)
            .where(WorkOrder.status == "queued", WorkOrder.created_at < order.created_at)
        )
        if await self.hub.online(AGENTS_TOPIC) == 0:
            wait = (ahead + 1) * self.settings.average_handling_minutes
            return messages.QUEUED_NOBODY_ONLINE.format(ahead=ahead, wait=wait, work_order_id=order.id)
        return messages.QUEUED.format(ahead=ahead, work_order_id=order.id,
                                      minutes=self.settings.first_response_minutes)

    async def open_order(self, chat: ChatSession) -> WorkOrder | None:
        return await self.db.scalar(
            select(WorkOrder)
            .where(WorkOrder.session_id == chat.id, WorkOrder.status != "closed")
            .order_by(WorkOrder.created_at.desc())
        )

    async def to_people(self, chat: ChatSession, message: ChatMessage) -> TurnResult:
        """Queued or with an agent: relay to the agents, or take the satisfaction rating."""
        order = await self.open_order(chat)
        if order is None:
            return TurnResult(chat.state)
        payload = {**message_payload(message), "text": for_agents(message.text, chat.verified)}
        self.hub.publish(AGENTS_TOPIC, order_event("message", order, message=payload))
        if escalation_threat(message.text, self.settings) and make_critical(order, utcnow(), self.settings):
            await self.db.commit()
            self.hub.publish(AGENTS_TOPIC, order_event("work_order", order, urgency=order.urgency))
        if order.status == "queued" and (phone := PHONE.search(normalize(message.text))):
            return await self.save_callback(chat, order, phone.group(0))
        rating = parse_rating(message.text) if order.status == "resolved" else None
        if rating is None:
            return TurnResult(chat.state, work_order_id=order.id)
        return await self.record_satisfaction(chat, order, rating)

    async def save_callback(self, chat: ChatSession, order: WorkOrder, phone: str) -> TurnResult:
        order.callback_phone = phone
        reply = await self.add_message(chat, "system", messages.CALLBACK_SAVED.format(phone=mask_phone(phone)))
        await self.db.commit()
        self.publish(chat, reply)
        return TurnResult(chat.state, [reply], order.id)

    async def record_satisfaction(self, chat: ChatSession, order: WorkOrder, rating: int) -> TurnResult:
        """≤ 3 reopens the order for the same agent; otherwise it closes and the bot is back."""
        order.satisfaction = rating
        if rating <= self.settings.low_rating_max:
            order.status = "reopened"
            notice = messages.REOPENED.format(agent=order.assigned_to)
        else:
            order.status, order.closed_at = "closed", utcnow()
            chat.state, chat.rasa_epoch = "bot", chat.rasa_epoch + 1
            notice = messages.SATISFACTION_THANKS
        reply = await self.add_message(chat, "system", notice)
        await self.db.commit()
        self.publish(chat, reply)
        self.hub.publish(AGENTS_TOPIC, order_event("work_order", order, status=order.status, satisfaction=rating))
        return TurnResult(chat.state, [reply], order.id)

    def publish(self, chat: ChatSession, message: ChatMessage) -> None:
        self.hub.publish(session_topic(chat.id), message_payload(message))


def _hands_off(reply: BotReply) -> bool:
    return any(((item.get("custom") or {}).get(NOTE_KEY) or {}).get("handoff") for item in reply.messages)


def _visible(item: dict[str, Any]) -> bool:
    return bool(item.get("text"))


def _buttons(item: dict[str, Any]) -> list[dict[str, str]]:
    return [{"title": b["title"], "payload": b["payload"]} for b in item.get("buttons") or []]


def _attach_note(note: dict[str, Any], question: ChatMessage, replies: list[ChatMessage]) -> None:
    """KB entry and score go on the bot answer; the outcome also on the question it answers;
    a rating on the customer message that gave it (and on the KB entry it rated)."""
    if "rating" in note:
        question.rating, question.kb_id = note["rating"], note.get("kb_id")
    if "outcome" in note:
        question.outcome = note["outcome"]
        if replies:
            answer = replies[-1]
            answer.outcome = note["outcome"]
            answer.kb_id = note.get("kb_id") or ",".join(note.get("kb_ids") or []) or None
            answer.score = note.get("score")


def message_payload(message: ChatMessage) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "seq": message.seq,
        "sender": message.sender,
        "text": message.text,
        "created_at": message.created_at.isoformat(),
    }
    if message.buttons:
        payload["buttons"] = message.buttons
    return payload
