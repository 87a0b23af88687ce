"""KB maintenance from the admin page: find, write and extend entries.

Every write is a merge into the live store: a new index generation in which only new
question texts are encoded, live for the bot and the gateway at their next search.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.unresolved import mark_handled
from kb_index.entries import KBEntry
from kb_index.service import get_store
from kefu.settings import Settings


def find_entry(entry_id: str) -> KBEntry | None:
    return next((entry for entry in get_store().current().entries if entry.id == entry_id), None)


def matching_entries(text: str, offset: int, limit: int) -> tuple[int, list[KBEntry]]:
    """Entries whose id, questions, answer or category contain ``text`` (all without one), and their count."""
    entries = get_store().current().entries
    found = [entry for entry in entries if entry.matches(text)] if text.strip() else list(entries)
    return len(found), found[offset: offset + limit]


async def save_entry(entry: KBEntry) -> KBEntry:
    await asyncio.to_thread(get_store().merge, [entry])
    return entry


async def add_similar(
    db: AsyncSession, entry: KBEntry, questions: list[str], by: str, settings: Settings
) -> tuple[KBEntry, int]:
    """The entry with the new wordings, and how many unresolved questions that handled."""
    extended = await save_entry(entry.with_similar(questions))
    handled = await mark_handled(db, questions, {"similar_of": entry.id, "by": by}, settings)
    return extended, handled


def entry_out(entry: KBEntry) -> dict[str, Any]:
    return asdict(entry)
