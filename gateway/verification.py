"""The identity check of the service SOP: an SMS code before the bot acts on a sensitive request.

When Rasa recognises one of ``verify_intents`` (address change, account security) with
confidence in a request about the customer's own account (understanding.identity), for a
customer who has not proved who they are, the gateway holds the bot's reply back, sends a
code to the phone the session was opened with (asking for a phone first when there is none),
and releases the reply once the customer answers with the right code. Codes are stored only
as an HMAC, expire, and allow a few attempts; a session gets a limited number of them. A
customer who writes something else instead has moved on: the bot takes that message as usual.
Done in the gateway rather than as a Rasa form, so it holds on every intent without retraining.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import func, select

from gateway.models import ChatMessage, ChatSession, Verification
from gateway.rasa_client import BotReply, BotUnavailable
from gateway.security import jwt_secret
from gateway.turns import TurnResult
from kefu import messages
from kefu.db import utcnow
from kefu.pii import PHONE, SECRET_MASK, mask_phone, mask_secrets
from kefu.settings import Settings
from kefu.text import normalize
from understanding import needs_identity_check

if TYPE_CHECKING:
    from gateway.conversation import Conversation

OPEN = ("awaiting_phone", "awaiting_code")
logger = logging.getLogger(__name__)


class SmsSender(Protocol):
    async def send(self, phone: str, text: str) -> None: ...


@dataclass(frozen=True)
class ConsoleSms:
    """Development provider: every SMS is appended in full to a JSON-lines outbox under the data
    dir, where a developer (or a test) reads the code, and noted in the log with the number masked."""

    outbox: Path

    async def send(self, phone: str, text: str) -> None:
        line = json.dumps({"time": utcnow().isoformat(), "phone": phone, "text": text}, ensure_ascii=False)
        await asyncio.to_thread(self._append, line)
        logger.info("sms written to the console outbox", extra={"phone": mask_phone(phone), "outbox": str(self.outbox)})

    def _append(self, line: str) -> None:
        self.outbox.parent.mkdir(parents=True, exist_ok=True)
        with self.outbox.open("a", encoding="utf-8") as outbox:
            outbox.write(line + "\n")


def sms_sender(settings: Settings) -> SmsSender:
    """The provider named by KEFU_SMS_PROVIDER; a real gateway's client joins ``console`` here."""
    return ConsoleSms(settings.data_dir / "sms_outbox.jsonl")


@dataclass
class IdentityCheck:
    conversation: Conversation

    @property
    def settings(self) -> Settings:
        return self.conversation.settings

    @cached_property
    def code_pattern(self) -> re.Pattern[str]:
        return re.compile(rf"(?<!\d)\d{{{self.settings.verification_code_digits}}}(?!\d)")

    def required(self, chat: ChatSession, intent: str | None, confidence: float | None, text: str) -> bool:
        return not chat.verified and needs_identity_check(intent, confidence, text, self.settings)

    async def pending(self, chat: ChatSession) -> Verification | None:
        return await self.conversation.db.scalar(
            select(Verification)
            .where(Verification.session_id == chat.id, Verification.status.in_(OPEN))
            .order_by(Verification.id.desc())
            .limit(1)
        )

    def redact(self, check: Verification | None, text: str) -> tuple[str, bool]:
        """The text to store and whether it disclosed a password or code nobody asked for.
        The code a check asked for is not stored either, but earns no warning."""
        if check is not None and check.status == "awaiting_code":
            return mask_secrets(self.code_pattern.sub(SECRET_MASK, text))[0], False
        return mask_secrets(text)

    async def start(self, chat: ChatSession, question: ChatMessage, reply: BotReply) -> TurnResult:
        """Hold the bot's reply to ``question`` back and ask for the code (or first for a phone)."""
        check = Verification(
            session_id=chat.id, status="awaiting_phone", phone=chat.customer_phone, codes_sent=0, attempts=0,
            question_seq=question.seq,
            held_reply={"messages": reply.messages, "intent": reply.intent, "confidence": reply.confidence},
        )
        self.conversation.db.add(check)
        if check.phone:
            return await self.send_code(chat, check, messages.VERIFY_SEND_CODE)
        return await self.say(chat, messages.VERIFY_ASK_PHONE)

    async def answer(self, chat: ChatSession, check: Verification, text: str) -> TurnResult | None:
        """The customer's message while ``check`` is open; None when it is no answer to it."""
        normalized = normalize(text)
        if check.status == "awaiting_phone":
            phone = PHONE.search(normalized)
            if phone is None:
                return await self.abandon(chat, check)
            check.phone = phone.group(0)
            return await self.send_code(chat, check, messages.VERIFY_SEND_CODE)
        code = self.code_pattern.search(normalized)
        if code is None:
            return await self.abandon(chat, check)
        if check.expires_at is None or utcnow() > check.expires_at:
            return await self.send_code(chat, check, messages.VERIFY_EXPIRED)
        if hmac.compare_digest(self.digest(check, code.group(0)), check.code_hash or ""):
            return await self.passed(chat, check)
        check.attempts += 1
        left = self.settings.verification_max_attempts - check.attempts
        if left <= 0:
            await self.close_unreleased(chat, check, "failed")
            return await self.say(chat, messages.VERIFY_LOCKED)
        return await self.say(chat, messages.VERIFY_WRONG.format(left=left))

    async def send_code(self, chat: ChatSession, check: Verification, notice: str) -> TurnResult:
        db = self.conversation.db
        await db.flush()  # the check's id goes into the code's digest
        sent = await db.scalar(select(func.sum(Verification.codes_sent)).where(Verification.session_id == chat.id))
        if (sent or 0) >= self.settings.verification_max_codes:
            await self.close_unreleased(chat, check, "failed")
            return await self.say(chat, messages.VERIFY_NO_MORE_CODES)
        digits, minutes = self.settings.verification_code_digits, self.settings.verification_code_minutes
        code = f"{secrets.randbelow(10**digits):0{digits}d}"
        check.status, check.code_hash, check.attempts = "awaiting_code", self.digest(check, code), 0
        check.codes_sent += 1
        check.expires_at = utcnow() + timedelta(minutes=minutes)
        await sms_sender(self.settings).send(check.phone, messages.SMS_CODE.format(code=code, minutes=minutes))
        return await self.say(chat, notice.format(last4=check.phone[-4:], minutes=minutes, digits=digits))

    async def passed(self, chat: ChatSession, check: Verification) -> TurnResult:
        """Verified: the session keeps the phone that proved it, and the held reply goes out."""
        check.status, chat.verified_at, chat.customer_phone = "verified", utcnow(), check.phone
        notice = await self.say(chat, messages.VERIFY_OK)
        question = await self.conversation.db.scalar(
            select(ChatMessage).where(ChatMessage.session_id == chat.id, ChatMessage.seq == check.question_seq)
        )
        result = await self.conversation.apply_bot_reply(chat, question, BotReply(**check.held_reply))
        result.replies[:0] = notice.replies
        return result

    async def abandon(self, chat: ChatSession, check: Verification) -> None:
        await self.close_unreleased(chat, check, "abandoned")
        await self.conversation.db.commit()

    async def close_unreleased(self, chat: ChatSession, check: Verification, status: str) -> None:
        """End ``check`` without its held reply, and take the held turn back from Rasa's tracker."""
        check.status = status
        try:
            await self.conversation.rasa.revert_last_turn(chat.rasa_sender_id)
        except BotUnavailable as error:
            # The next turn then meets the state the held answer left (at worst a rating read as one).
            logger.warning("could not rewind the held turn in Rasa: %s", error)

    async def say(self, chat: ChatSession, text: str) -> TurnResult:
        message = await self.conversation.add_message(chat, "bot", text)
        await self.conversation.db.commit()
        self.conversation.publish(chat, message)
        return TurnResult(chat.state, [message])

    def digest(self, check: Verification, code: str) -> str:
        key = jwt_secret(self.settings).encode()
        return hmac.new(key, f"{check.id}:{code}".encode(), hashlib.sha256).hexdigest()
