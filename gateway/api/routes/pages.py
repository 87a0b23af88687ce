"""The pages: the customer chat, the agent console and the dashboard (plain HTML and JS, no build step)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

WEB_DIR = Path(__file__).resolve().parents[2] / "web"

router = APIRouter(include_in_schema=False)


@router.get("/")
async def chat_page() -> FileResponse:
    """The customer chat page (mobile first)."""
    return FileResponse(WEB_DIR / "chat.html")


@router.get("/console")
async def console() -> FileResponse:
    """The agent console: queue, work orders, live chat."""
    return FileResponse(WEB_DIR / "console.html")


@router.get("/dashboard")
async def dashboard() -> FileResponse:
    """The supervisors' service dashboard: figures and charts by day and week."""
    return FileResponse(WEB_DIR / "dashboard.html")


@router.get("/admin")
async def admin_page() -> FileResponse:
    """The KB maintainers' page: entries, import, 未解决问题, retraining and its evaluations."""
    return FileResponse(WEB_DIR / "admin.html")
