"""Service analytics for supervisors and KB maintainers."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from gateway.deps import CurrentAdmin, DbSession, SettingsDep
from gateway.stats import service_stats

router = APIRouter(prefix="/stats", tags=["analytics"])


@router.get("")
async def stats(
    admin: CurrentAdmin,
    db: DbSession,
    settings: SettingsDep,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
) -> dict[str, Any]:
    """Conversations, bot resolution and handoff rates, ratings, CSAT, response and handling
    times, SLA breaches, top intents and missed questions, repeat complaints."""
    return await service_stats(db, start, end, settings)
