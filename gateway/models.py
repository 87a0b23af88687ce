"""Database tables the gateway owns: sessions, their messages, identity checks, staff accounts, learning."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kefu.db import Base, UTCDateTime, utcnow
from kefu.pii import mask_phone


class ChatSession(Base):
    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str] = mapped_column(String(128), index=True)
    customer_name: Mapped[str | None] = mapped_column(String(128))
    # In full for the SMS identity check; people see it masked until the customer is verified.
    customer_phone: Mapped[str | None] = mapped_column(String(32))
    # When the customer proved by SMS code that the phone is theirs.
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Who owns the conversation: bot, queued, agent or closed.
    state: Mapped[str] = mapped_column(String(16), default="bot")
    # Bumped when the bot takes a conversation back, so Rasa starts a fresh tracker.
    rasa_epoch: Mapped[int] = mapped_column(Integer, default=0)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def rasa_sender_id(self) -> str:
        return f"{self.id}-{self.rasa_epoch}"

    @property
    def verified(self) -> bool:
        return self.verified_at is not None

    @property
    def customer_phone_masked(self) -> str | None:
        return mask_phone(self.customer_phone) if self.customer_phone else None


class ChatMessage(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("session_id", "seq"),
        UniqueConstraint("session_id", "client_message_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    sender: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # What the NLU made of a customer turn, and what the KB answered with.
    intent: Mapped[str | None] = mapped_column(String(64))
    confidence: Mapped[float | None] = mapped_column(Float)
    kb_id: Mapped[str | None] = mapped_column(String(128))
    score: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[str | None] = mapped_column(String(16))
    # A 1–5 rating of the bot's answer that this customer message gave.
    rating: Mapped[int | None] = mapped_column(Integer)
    # Set by the client so that a retried send is recognised and never stored twice.
    client_message_id: Mapped[str | None] = mapped_column(String(64))
    # What the server noticed in an agent's message, e.g. {"forbidden": ["不清楚"]}, or how a
    # maintainer handled an unresolved customer question, e.g. {"handled": {"similar_of": "kb-001", …}}.
    flags: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StaffUser(Base):
    __tablename__ = "staff_users"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    # An agent with a department works that department's queue; None sees every queue.
    department: Mapped[str | None] = mapped_column(String(32))


class Verification(Base):
    """One SMS identity check of a session, from asking for the phone to the right code (or giving up)."""

    __tablename__ = "verifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), index=True)
    # awaiting_phone → awaiting_code → verified, or failed (wrong codes) / abandoned (the customer moved on)
    status: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(String(32))
    # HMAC of the code under the server secret: the code itself is never stored.
    code_hash: Mapped[str | None] = mapped_column(String(64))
    codes_sent: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The customer message that needed the check and the bot's reply to it, held back until verified.
    question_seq: Mapped[int] = mapped_column(Integer)
    held_reply: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LearnedWording(Base):
    """What the bot learned from use about one customer wording and one KB entry.

    ``similar``: the wording means that entry (a suggestion picked, an answer rated 4–5, an agent's
    pick) and joins its similar questions. ``negative``: an answer rated low, so that wording is not
    answered with that entry again. Maintainers list, approve and remove them on the admin page.
    """

    __tablename__ = "learned_wordings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    entry_id: Mapped[str] = mapped_column(String(128), index=True)
    text: Mapped[str] = mapped_column(Text)
    # kb_index.entries.question_key of the text: one row per kind, entry and wording.
    key: Mapped[str] = mapped_column(String(512))
    # pick | rating | agent
    source: Mapped[str] = mapped_column(String(16))
    session_id: Mapped[str | None] = mapped_column(String(32))
    # active | pending (held for a maintainer's approval) | removed
    status: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("kind", "entry_id", "key"),)
