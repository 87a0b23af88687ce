"""The 未解决问题 list: questions the bot missed or answered with a rating ≤ 3, grouped.

Questions group by their key (normalised, without punctuation or spaces) and then by
near-duplicate keys, so "退款多久到账？" and "退款多久能到账" are one line with one count.
A maintainer fixes a group (a similar question of a KB entry, a training example of an
intent, or dismissed); its messages are then marked handled in their ``flags`` and leave the
list. The same question asked again later shows up again: the fix did not work.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from difflib import SequenceMatcher
from typing import Any, Literal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.models import ChatMessage
from kb_index.entries import question_key
from kb_index.service import lookup
from kefu.db import utcnow
from kefu.settings import Settings

HANDLED = "handled"


@dataclass(frozen=True)
class Unresolved:
    """One customer question the bot did not resolve: a miss, or an answer rated ≤ 3."""

    message: ChatMessage
    kind: Literal["miss", "low_rating"]
    rating: int | None = None
    kb_id: str | None = None


@dataclass
class Group:
    key: str
    items: list[Unresolved] = field(default_factory=list)
    # Every wording's key that joined, so a later wording may join through any of them.
    keys: list[str] = field(default_factory=list)

    @property
    def variants(self) -> list[str]:
        """Every distinct wording, most asked first."""
        counts = Counter(item.message.text.strip() for item in self.items)
        return [text for text, _ in counts.most_common()]

    def summary(self) -> dict[str, Any]:
        ratings = [item.rating for item in self.items if item.rating is not None]
        rated = Counter(item.kb_id for item in self.items if item.kb_id)
        return {
            "key": self.key,
            "text": self.variants[0],
            "variants": self.variants,
            "count": len(self.items),
            "misses": sum(item.kind == "miss" for item in self.items),
            "low_ratings": len(ratings),
            "ratings": sorted(ratings),
            "rated_kb_id": rated.most_common(1)[0][0] if rated else None,
            "last_seen": max(item.message.created_at for item in self.items),
        }


def is_handled(message: ChatMessage) -> bool:
    return HANDLED in (message.flags or {})


async def unresolved_questions(db: AsyncSession, since: datetime, settings: Settings) -> list[Unresolved]:
    """Misses and low-rated answers since ``since`` that nobody has handled yet."""
    customer = await db.scalars(
        select(ChatMessage)
        .where(
            ChatMessage.sender == "customer",
            ChatMessage.created_at >= since,
            or_(ChatMessage.outcome == "miss", ChatMessage.rating <= settings.low_rating_max),
        )
        .order_by(ChatMessage.session_id, ChatMessage.seq)
    )
    found: list[Unresolved] = []
    low_ratings: list[ChatMessage] = []
    for message in customer:
        if message.rating is not None:
            low_ratings.append(message)
        elif not is_handled(message):
            found.append(Unresolved(message, "miss"))
    for rating, question in zip(low_ratings, await rated_questions(db, low_ratings), strict=True):
        if question is not None and not is_handled(question):
            found.append(Unresolved(question, "low_rating", rating.rating, rating.kb_id))
    return found


async def rated_questions(db: AsyncSession, ratings: list[ChatMessage]) -> list[ChatMessage | None]:
    """For each rating message, the customer question whose answer it rated (the last hit before it)."""
    if not ratings:
        return []
    hits = await db.scalars(
        select(ChatMessage)
        .where(
            ChatMessage.session_id.in_({rating.session_id for rating in ratings}),
            ChatMessage.sender == "customer",
            ChatMessage.outcome == "hit",
        )
        .order_by(ChatMessage.seq)
    )
    by_session: dict[str, list[ChatMessage]] = {}
    for hit in hits:
        by_session.setdefault(hit.session_id, []).append(hit)

    def question_of(rating: ChatMessage) -> ChatMessage | None:
        earlier = [hit for hit in by_session.get(rating.session_id, []) if hit.seq < rating.seq]
        return earlier[-1] if earlier else None

    return [question_of(rating) for rating in ratings]


def group(items: Iterable[Unresolved], similarity: float) -> list[Group]:
    """Same keys together, then each key joins the first bigger group with a wording it nearly
    equals (any of them, so the order of arrival does not split a family); biggest first."""
    by_key: dict[str, Group] = {}
    for item in items:
        key = question_key(item.message.text)
        by_key.setdefault(key, Group(key, keys=[key])).items.append(item)
    groups: list[Group] = []
    for candidate in sorted(by_key.values(), key=lambda g: len(g.items), reverse=True):
        twin = next((g for g in groups if any(near_duplicates(k, candidate.key, similarity) for k in g.keys)), None)
        if twin is None:
            groups.append(candidate)
        else:
            twin.items.extend(candidate.items)
            twin.keys.append(candidate.key)
    return sorted(groups, key=lambda g: (len(g.items), max(i.message.created_at for i in g.items)), reverse=True)


def near_duplicates(first: str, second: str, similarity: float) -> bool:
    return SequenceMatcher(None, first, second, autojunk=False).ratio() >= similarity


def kb_guess(text: str) -> dict[str, Any] | None:
    """The KB's best entry for the question now (it may have changed since it was asked)."""
    result = lookup(text, k=1)
    if not result.hits:
        return None
    best = result.hits[0]
    return {"id": best.entry.id, "question": best.entry.question, "score": round(best.score, 4),
            "outcome": result.outcome}


async def unresolved_groups(db: AsyncSession, settings: Settings) -> list[dict[str, Any]]:
    """The list the admin page shows: one line per group, biggest first, with the KB's best guess."""
    since = utcnow() - timedelta(days=settings.unresolved_days)
    groups = group(await unresolved_questions(db, since, settings), settings.unresolved_similarity)
    summaries = [g.summary() for g in groups[: settings.unresolved_max_groups]]
    guesses = await asyncio.to_thread(lambda: [kb_guess(summary["text"]) for summary in summaries])
    return [{**summary, "kb_guess": guess} for summary, guess in zip(summaries, guesses, strict=True)]


async def mark_handled(db: AsyncSession, texts: Iterable[str], action: dict[str, Any], settings: Settings) -> int:
    """Mark every unhandled miss or low-rated question with one of these keys as handled.

    ``action`` says how (e.g. {"similar_of": "kb-001", "by": "admin"}); returns how many messages.
    """
    keys = {question_key(text) for text in texts} - {""}
    since = utcnow() - timedelta(days=settings.unresolved_days)
    stamp = {**action, "at": utcnow().isoformat()}
    marked = 0
    for item in await unresolved_questions(db, since, settings):
        if question_key(item.message.text) in keys:
            item.message.flags = {**(item.message.flags or {}), HANDLED: stamp}
            marked += 1
    await db.commit()
    return marked
