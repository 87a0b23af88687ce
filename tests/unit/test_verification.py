"""gateway.verification on a real SQLite database with the console SMS provider: expiry, the
per-session code budget, and codes kept only as an HMAC."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.conversation import Conversation
from gateway.live import LiveHub
from gateway.models import ChatSession, Verification
from gateway.rasa_client import BotReply, RasaClient
from kefu import messages
from kefu.db import utcnow
from kefu.settings import Settings

PHONE = "13800005678"
HELD = BotReply(messages=[{"text": "修改地址请在订单详情页操作。"}], intent="change_address", confidence=0.97)


@pytest.fixture
async def no_rasa() -> AsyncIterator[RasaClient]:
    """A client of a Rasa that is not running: rewinding a held turn fails, and the check goes on."""
    client = RasaClient("http://127.0.0.1:1", timeout_s=1, concurrency=1, queue_timeout_s=1)
    yield client
    await client.close()


def conversation(db: AsyncSession, tmp_path: Path, rasa: RasaClient | None = None, **settings: object) -> Conversation:
    return Conversation(db=db, rasa=rasa, hub=LiveHub(), settings=Settings(data_dir=tmp_path, **settings))


def codes(tmp_path: Path) -> list[str]:
    lines = (tmp_path / "sms_outbox.jsonl").read_text(encoding="utf-8").splitlines()
    return [re.search(r"验证码是(\d+)", json.loads(line)["text"]).group(1) for line in lines]


async def started(talk: Conversation) -> tuple[ChatSession, Verification]:
    chat = ChatSession(id="s1", token_hash="x", channel="web", customer_id="c1", customer_phone=PHONE)
    talk.db.add(chat)
    await talk.db.flush()
    question = await talk.add_message(chat, "customer", "我想改一下收货地址")
    result = await talk.identity.start(chat, question, HELD)
    assert [m.text for m in result.replies] == [
        messages.VERIFY_SEND_CODE.format(last4="5678", minutes=5, digits=6)
    ]
    return chat, await talk.identity.pending(chat)


async def expire(talk: Conversation, check: Verification) -> None:
    check.expires_at = utcnow() - timedelta(seconds=1)
    await talk.db.commit()


async def test_an_expired_code_is_refused_and_a_new_one_sent(db: AsyncSession, tmp_path: Path) -> None:
    talk = conversation(db, tmp_path)
    chat, check = await started(talk)
    [first] = codes(tmp_path)
    await expire(talk, check)
    resent = await talk.identity.answer(chat, check, first)
    assert [m.text for m in resent.replies] == [messages.VERIFY_EXPIRED.format(last4="5678", minutes=5)]
    second = codes(tmp_path)[-1]
    passed = await talk.identity.answer(chat, check, second)
    assert [m.text for m in passed.replies] == [messages.VERIFY_OK, "修改地址请在订单详情页操作。"]
    assert chat.verified and check.status == "verified"


async def test_a_session_gets_a_limited_number_of_codes(
    db: AsyncSession, tmp_path: Path, no_rasa: RasaClient, caplog: pytest.LogCaptureFixture
) -> None:
    talk = conversation(db, tmp_path, no_rasa, verification_max_codes=2)
    chat, check = await started(talk)
    await expire(talk, check)
    await talk.identity.answer(chat, check, codes(tmp_path)[-1])
    await expire(talk, check)
    refused = await talk.identity.answer(chat, check, codes(tmp_path)[-1])
    assert [m.text for m in refused.replies] == [messages.VERIFY_NO_MORE_CODES]
    assert len(codes(tmp_path)) == 2 and check.status == "failed" and not chat.verified
    assert "could not rewind the held turn" in caplog.text  # the bot never said the held answer


async def test_the_code_is_kept_only_as_a_keyed_digest(db: AsyncSession, tmp_path: Path) -> None:
    talk = conversation(db, tmp_path)
    _, check = await started(talk)
    [code] = codes(tmp_path)
    stored = json.dumps([str(getattr(check, column.name)) for column in Verification.__table__.columns])
    assert code not in stored and len(check.code_hash) == 64
    assert talk.identity.redact(check, f"验证码是{code}") == ("验证码是******", False)
