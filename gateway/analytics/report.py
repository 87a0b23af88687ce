"""The weekly report: one self-contained HTML page a manager can open, keep or print to PDF.

Jinja escapes every value (autoescape), so customer text shows as text; the charts are drawn by
the dashboard's own scripts, inlined with the figures (``tojson`` escapes ``<``, ``>`` and ``&``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

WEB_DIR = Path(__file__).resolve().parents[1] / "web"
CHART_SCRIPTS = ("dom.js", "charts.js", "stats-charts.js")


def figure(value: float | None, kind: str) -> str:
    """A figure as the report prints it: counts, percentages, minutes or scores; "—" when unknown."""
    if value is None:
        return "—"
    return {"count": f"{value:,}", "percent": f"{value * 100:.1f}%", "minutes": f"{value:.1f}",
            "score": f"{value:.2f}"}[kind]


def change(now: float | None, before: float | None, kind: str) -> str:
    """The change from last week, in the figure's unit (percentage points for rates)."""
    if now is None or before is None:
        return ""
    delta = now - before
    return "±0" if delta == 0 else ("+" if delta > 0 else "−") + figure(abs(delta), kind).replace("%", "个百分点")


ENVIRONMENT = Environment(
    loader=PackageLoader("gateway.analytics"), autoescape=True, undefined=StrictUndefined,
    trim_blocks=True, lstrip_blocks=True,
)
ENVIRONMENT.filters["figure"] = figure
ENVIRONMENT.globals["change"] = change


def weekly_report(this_week: dict[str, Any], last_week: dict[str, Any], year: int, week: int) -> str:
    scripts = "\n".join((WEB_DIR / name).read_text(encoding="utf-8") for name in CHART_SCRIPTS)
    return ENVIRONMENT.get_template("weekly_report.html").render(
        stats=this_week, previous=last_week, year=year, week=week, scripts=Markup(scripts)
    )
