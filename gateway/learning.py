"""A bot that learns from use: customers' wordings taught to the KB, wrong answers not repeated.

- A suggestion picked, an answer rated 4–5, or an agent's pick in the console records the customer's
  wording as a similar question of that entry, indexed at once (or held for a maintainer's approval
  when ``kb_learning_approval`` is set).
- An answer rated ≤ 3 records a negative: that wording is not answered with that entry again until
  a maintainer removes it; a wording learned for that entry from the same customer goes.
Every row names its source, time and session; the admin page lists, approves and removes them.
The database is the record; the KB (similar questions, the negatives file) follows it after the
commit, in a worker thread, so a turn never waits for an index build.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from gateway.kb_maintenance import find_entry
from gateway.models import ChatMessage, LearnedWording
from kb_index.entries import KBEntry, question_key
from kb_index.service import get_store
from kefu.pii import mask_personal_data
from kefu.settings import Settings
from understanding import question_part
from understanding.courtesy import asks_something

Source = Literal["pick", "rating", "agent"]
SIMILAR, NEGATIVE = "similar", "negative"
ACTIVE, PENDING, REMOVED = "active", "pending", "removed"
logger = logging.getLogger(__name__)
# The KB is rebuilt by one learning task at a time per process (the store's file lock covers processes).
_kb_writes = asyncio.Lock()
_background: set[asyncio.Task[None]] = set()


class LearningNotFound(LookupError):
    """No learned wording with that id."""


@dataclass
class Learning:
    db: AsyncSession
    settings: Settings

    def teachable(self, text: str) -> str | None:
        """The question part of a customer's message, if it is worth teaching: no personal data, not a story."""
        wording = question_part(text, self.settings)
        if len(wording) > self.settings.kb_learning_max_chars or mask_personal_data(wording) != wording:
            return None
        return wording if asks_something(wording, self.settings) else None

    async def similar(self, entry_id: str, text: str, source: Source, session_id: str | None) -> bool:
        """Record that ``text`` means the entry; False when there was nothing new to learn."""
        entry, wording = find_entry(entry_id), self.teachable(text)
        if entry is None or wording is None or question_key(wording) in {question_key(q) for q in entry.questions}:
            return False
        if await self.row(NEGATIVE, entry_id, wording, ACTIVE) is not None:
            return False  # a customer said this entry does not answer it; a maintainer decides
        status = PENDING if self.settings.kb_learning_approval else ACTIVE
        return await self.add(SIMILAR, entry_id, wording, source, session_id, status)

    async def negative(self, entry_id: str, text: str, session_id: str | None) -> bool:
        """Record that ``text`` is not to be answered with the entry (and unlearn it as a similar question).

        Not for the entry's own questions: a maintainer said they mean this entry, and a low rating of
        their answer says the customer needs more than it (a person), not another entry.
        """
        entry, wording = find_entry(entry_id), question_part(text, self.settings)
        if entry is None or not wording or question_key(wording) in maintained_keys(entry):
            return False
        learned = await self.row(SIMILAR, entry_id, wording, ACTIVE, PENDING)
        if learned is not None:
            learned.status, learned.decided_by = REMOVED, "rating"
        return await self.add(NEGATIVE, entry_id, wording, "rating", session_id, ACTIVE)

    async def row(self, kind: str, entry_id: str, text: str, *statuses: str) -> LearnedWording | None:
        return await self.db.scalar(
            select(LearnedWording).where(
                LearnedWording.kind == kind, LearnedWording.entry_id == entry_id,
                LearnedWording.key == question_key(text), LearnedWording.status.in_(statuses),
            )
        )

    async def add(self, kind: str, entry_id: str, text: str, source: Source, session_id: str | None,
                  status: str) -> bool:
        """A new row, unless that kind, entry and wording are known (a removed one stays removed)."""
        try:
            async with self.db.begin_nested():
                self.db.add(LearnedWording(kind=kind, entry_id=entry_id, text=text, key=question_key(text),
                                           source=source, session_id=session_id, status=status))
        except IntegrityError:
            return False
        return True

    async def items(self, statuses: tuple[str, ...]) -> list[LearnedWording]:
        rows = await self.db.scalars(
            select(LearnedWording).where(LearnedWording.status.in_(statuses)).order_by(LearnedWording.id.desc())
        )
        return list(rows)

    async def decide(self, item_id: int, status: str, by: str) -> LearnedWording:
        """Approve (active) or remove a learned wording; the KB follows once committed."""
        item = await self.db.get(LearnedWording, item_id)
        if item is None:
            raise LearningNotFound(item_id)
        was_active = item.status == ACTIVE
        item.status, item.decided_by = status, by
        await self.db.commit()
        if item.kind == SIMILAR and status == REMOVED and was_active:
            await asyncio.to_thread(drop_wording, item.entry_id, item.text)
        await self.sync_kb()
        return item

    async def sync_kb(self) -> None:
        """Bring the KB in line with the committed rows: learned wordings in, the negatives file rewritten."""
        rows = list(await self.db.scalars(select(LearnedWording).where(LearnedWording.status == ACTIVE)))
        similar: dict[str, list[str]] = defaultdict(list)
        negatives: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            if row.kind == SIMILAR:
                similar[row.entry_id].append(row.text)
            else:
                negatives[row.key].add(row.entry_id)
        async with _kb_writes:
            await asyncio.to_thread(apply_to_kb, dict(similar), {key: sorted(ids) for key, ids in negatives.items()})

    def sync_kb_soon(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        """``sync_kb`` after the turn, in a session of its own (the turn's session is closed by then)."""
        task = asyncio.create_task(_sync_in_new_session(sessions, self.settings))
        _background.add(task)
        task.add_done_callback(_background.discard)


async def _sync_in_new_session(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    try:
        async with sessions() as db:
            await Learning(db, settings).sync_kb()
    except Exception:  # learning must never break a conversation; the next sync catches up
        logger.exception("could not bring the KB in line with what was learned")


def maintained_keys(entry: KBEntry) -> set[str]:
    return {question_key(question) for question in entry.questions[: entry.maintained]}


def apply_to_kb(similar: dict[str, list[str]], negatives: dict[str, list[str]]) -> None:
    store = get_store()
    if store.negatives() != {key: frozenset(ids) for key, ids in negatives.items()}:
        store.set_negatives(negatives)
    entries = {entry.id: entry for entry in store.current().entries}
    changed = [
        extended for entry_id, texts in similar.items()
        if (entry := entries.get(entry_id)) is not None and (extended := entry.with_learned(texts)) != entry
    ]
    if changed:
        store.merge(changed, keep_learned=False)


def drop_wording(entry_id: str, text: str) -> None:
    entry = find_entry(entry_id)
    if entry is not None and (trimmed := entry.without_learned([text])) != entry:
        get_store().merge([trimmed], keep_learned=False)


async def recent_messages(db: AsyncSession, session_id: str, before_seq: int, limit: int = 8) -> list[ChatMessage]:
    """The session's latest messages before ``before_seq``, newest first, system notices aside."""
    rows = await db.scalars(
        select(ChatMessage)
        .where(ChatMessage.session_id == session_id, ChatMessage.seq < before_seq, ChatMessage.sender != "system")
        .order_by(ChatMessage.seq.desc())
        .limit(limit)
    )
    return list(rows)
