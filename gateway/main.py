"""The FastAPI application: wiring, start-up and the health check."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from gateway import metrics
from gateway.accounts import bootstrap_accounts
from gateway.api import api_router
from gateway.errors import install_error_handlers
from gateway.live import AGENTS_TOPIC, LiveHub
from gateway.logs import configure_logging
from gateway.rasa_client import RasaClient
from handoff.escalation import escalate_overdue
from handoff.models import WorkOrder
from kb_index.service import get_store
from kefu.db import create_schema, make_engine, session_factory, utcnow
from kefu.settings import get_settings

WEB_DIR = Path(__file__).parent / "web"
logger = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    configure_logging(settings.log_level)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url)
    await create_schema(engine)
    app.state.session_factory = session_factory(engine)
    async with app.state.session_factory() as db:
        await bootstrap_accounts(db, settings)
    app.state.rasa = RasaClient(settings.rasa_url, settings.rasa_timeout_s)
    app.state.hub = LiveHub()
    await asyncio.to_thread(get_store().current)
    watcher = asyncio.create_task(watch_sla(app, settings.sla_check_seconds))
    yield
    watcher.cancel()
    await app.state.rasa.close()
    await engine.dispose()


async def watch_sla(app: FastAPI, every_s: int) -> None:
    """Escalate orders past their SLA to the supervisors listening on the agents' channel."""
    while True:
        await asyncio.sleep(every_s)
        try:
            async with app.state.session_factory() as db:
                await escalate_overdue(db, utcnow(), partial(app.state.hub.publish, AGENTS_TOPIC))
        except SQLAlchemyError:
            logger.exception("SLA check failed; trying again in %s s", every_s)


def create_app() -> FastAPI:
    app = FastAPI(title="Kefu 客服", version="1.0", lifespan=lifespan)
    install_error_handlers(app)
    app.include_router(api_router)
    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics() -> Response:
        """Prometheus text format; the queue length is counted at scrape time."""
        async with app.state.session_factory() as db:
            queued = await db.scalar(select(func.count()).select_from(WorkOrder).where(WorkOrder.status == "queued"))
        metrics.QUEUE_LENGTH.set(queued or 0)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/", include_in_schema=False)
    async def chat_page() -> FileResponse:
        """The customer chat page (mobile first)."""
        return FileResponse(WEB_DIR / "chat.html")

    @app.get("/console", include_in_schema=False)
    async def console() -> FileResponse:
        """The agent console: queue, work orders, live chat (plain HTML and JS, no build)."""
        return FileResponse(WEB_DIR / "console.html")

    @app.get("/healthz", tags=["health"])
    async def healthz() -> JSONResponse:
        """200 only once Rasa (with a model), the action server and the KB index all answer."""
        settings = get_settings()
        async with httpx.AsyncClient(timeout=2) as client:
            try:
                actions_ok = (await client.get(f"{settings.actions_url}/health")).status_code == 200
            except httpx.HTTPError:
                actions_ok = False
        checks = {
            "rasa": await app.state.rasa.ready(),
            "actions": actions_ok,
            "kb": get_store().exists(),
        }
        healthy = all(checks.values())
        return JSONResponse({"status": "ok" if healthy else "unavailable", "checks": checks},
                            status_code=200 if healthy else 503)

    return app


app = create_app()
