"""Service analytics for supervisors: figures, their daily CSV and the weekly report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse

from gateway.analytics.figures import service_stats
from gateway.analytics.report import weekly_report
from gateway.api.downloads import csv_download
from gateway.deps import CurrentAdmin, DbSession, RecentPeriodDep, ReportWeek, SettingsDep
from kefu import messages

router = APIRouter(prefix="/stats", tags=["analytics"])


@router.get("")
async def stats(admin: CurrentAdmin, db: DbSession, settings: SettingsDep, days: RecentPeriodDep) -> dict[str, Any]:
    """Conversations, bot resolution and handoff rates, handoff reasons, ratings and CSAT, response
    and handling times, SLA breaches, top intents and missed questions, repeat complaints; the
    same per local day and ISO week under ``series``. Without ``from``/``to``: the last weeks."""
    return await service_stats(db, days.start, days.end, settings)


@router.get("/export.csv", response_class=Response)
async def export_csv(admin: CurrentAdmin, db: DbSession, settings: SettingsDep, days: RecentPeriodDep) -> Response:
    """The figures of each local day from ``from`` to ``to``, one row a day."""
    figures = await service_stats(db, days.start, days.end, settings)
    return csv_download(f"kefu-stats-{days.start}-{days.end}.csv", list(messages.STATS_CSV_COLUMNS),
                        figures["series"]["day"], messages.STATS_CSV_COLUMNS)


@router.get("/weekly-report", response_class=HTMLResponse)
async def report(admin: CurrentAdmin, db: DbSession, settings: SettingsDep, week: ReportWeek) -> HTMLResponse:
    """One ISO week (``week=2026-W48``; by default the last complete one) against the week before,
    as one self-contained HTML page to open, save or print to PDF."""
    this_week = await service_stats(db, week.start, week.end, settings)
    a_week = timedelta(days=7)
    last_week = await service_stats(db, week.start - a_week, week.end - a_week, settings)
    year, number, _ = week.start.isocalendar()
    return HTMLResponse(weekly_report(this_week, last_week, year, number),
                        headers={"Content-Disposition": f'inline; filename="kefu-weekly-{year}-W{number:02d}.html"'})
