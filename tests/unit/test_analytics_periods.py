"""Local days and ISO weeks of the reports."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from itertools import pairwise

from gateway.analytics.periods import day_edges, iso_week, last_complete_week, week_start
from kefu.settings import Settings


def test_days_follow_the_local_calendar_through_daylight_saving() -> None:
    edges = day_edges(date(2026, 3, 28), date(2026, 3, 30), Settings(timezone="Europe/Berlin"))
    instants = [edge.astimezone(UTC) for edge in edges]
    lengths = [later - earlier for earlier, later in pairwise(instants)]
    assert lengths == [timedelta(hours=24), timedelta(hours=23), timedelta(hours=24)]
    assert edges[0].utcoffset() == timedelta(hours=1) and edges[-1].utcoffset() == timedelta(hours=2)


def test_iso_weeks() -> None:
    assert iso_week(2026, 48) == (date(2026, 11, 23), date(2026, 11, 29))
    assert iso_week(2026, 1) == (date(2025, 12, 29), date(2026, 1, 4))  # week 1 holds the first Thursday
    assert week_start(date(2026, 11, 29)) == date(2026, 11, 23)
    assert last_complete_week(date(2026, 11, 23)) == (date(2026, 11, 16), date(2026, 11, 22))
    assert last_complete_week(date(2026, 11, 29)) == (date(2026, 11, 16), date(2026, 11, 22))
