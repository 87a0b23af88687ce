"""Service analytics for supervisors and KB maintainers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gateway.deps import CurrentAdmin, DbSession, PeriodDep, SettingsDep
from gateway.stats import service_stats

router = APIRouter(prefix="/stats", tags=["analytics"])


@router.get("")
async def stats(admin: CurrentAdmin, db: DbSession, settings: SettingsDep, days: PeriodDep) -> dict[str, Any]:
    """Conversations, bot resolution and handoff rates, ratings, CSAT, response and handling
    times, SLA breaches, top intents and missed questions, repeat complaints."""
    return await service_stats(db, days.start, days.end, settings)
