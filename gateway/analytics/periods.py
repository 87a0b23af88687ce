"""Local days and weeks as UTC instants: reports follow the company's calendar, the database keeps UTC."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kefu.settings import Settings

ONE_DAY = timedelta(days=1)


def local_today(settings: Settings) -> date:
    return datetime.now(ZoneInfo(settings.timezone)).date()


def local_midnight(day: date, settings: Settings) -> datetime:
    return datetime.combine(day, time.min, ZoneInfo(settings.timezone))


def period(start: date, end: date, settings: Settings) -> tuple[datetime, datetime]:
    """The local days ``start`` to ``end`` (both included) as a half-open interval of instants."""
    return local_midnight(start, settings), local_midnight(end + ONE_DAY, settings)


def days_of(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def day_edges(start: date, end: date, settings: Settings) -> list[datetime]:
    """The local midnights that bound each day of the period: one more than there are days.
    Computed per day, so a day with a daylight-saving change is 23 or 25 hours long."""
    return [local_midnight(day, settings) for day in [*days_of(start, end), end + ONE_DAY]]


def week_start(day: date) -> date:
    """The Monday of ``day``'s week (ISO weeks, as Chinese calendars count them)."""
    return day - timedelta(days=day.weekday())


def iso_week(year: int, week: int) -> tuple[date, date]:
    """Monday and Sunday of ISO week ``week`` of ``year``."""
    monday = date.fromisocalendar(year, week, 1)
    return monday, monday + timedelta(days=6)


def last_complete_week(today: date) -> tuple[date, date]:
    monday = week_start(today) - timedelta(days=7)
    return monday, monday + timedelta(days=6)
