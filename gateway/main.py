"""The FastAPI application: wiring and start-up (database, accounts, Rasa client, SLA watcher)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import SQLAlchemyError

from gateway.accounts import bootstrap_accounts
from gateway.api import api_router
from gateway.api.routes import ops, pages
from gateway.errors import install_error_handlers
from gateway.guard import CorsPolicy, RequestGuard
from gateway.learning import Learning
from gateway.live import AGENTS_TOPIC, LiveHub
from gateway.live_redis import RedisLiveHub
from gateway.logs import configure_logging
from gateway.rasa_client import RasaClient
from gateway.ratelimit import SlidingWindowLimiter
from gateway.ratelimit_redis import RedisLimiter
from handoff.escalation import escalate_overdue
from kb_index.service import get_store
from kefu.db import create_schema, make_engine, session_factory, utcnow
from kefu.retraining import loading_model
from kefu.settings import Settings, get_settings

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
    app.state.rasa = RasaClient(settings.rasa_url, settings.rasa_timeout_s, settings.rasa_concurrency,
                                settings.rasa_queue_timeout_s)
    app.state.hub = RedisLiveHub(settings.redis_url, settings) if settings.redis_url else LiveHub()
    await app.state.hub.start()
    await asyncio.to_thread(get_store().current)
    async with app.state.session_factory() as db:
        # What was learned survives a KB import that replaced the entries, and a restore.
        await Learning(db, settings).sync_kb()
    watchers = [asyncio.create_task(watch_sla(app, settings.sla_check_seconds)),
                asyncio.create_task(watch_model_loads(app, settings))]
    yield
    for watcher in watchers:
        watcher.cancel()
    await app.state.rasa.close()
    await app.state.hub.close()
    await app.state.limiter.close()
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


async def watch_model_loads(app: FastAPI, settings: Settings) -> None:
    """Hold turns while a retraining job, in this process or any other, loads a model into Rasa."""
    while True:
        try:
            loading = await asyncio.to_thread(loading_model, settings)
        except (OSError, ValueError):
            logger.exception("could not read the training status; trying again")
            loading = False
        app.state.rasa.load_timeout_s = settings.model_load_timeout_s if loading else None
        await asyncio.sleep(settings.model_load_watch_s)


def create_app() -> FastAPI:
    settings = get_settings()
    app = FastAPI(title="Kefu 客服", version="1.0", lifespan=lifespan)
    install_error_handlers(app)
    # With Redis the limits hold across all replicas; without, each replica counts its own clients.
    app.state.limiter = RedisLimiter(settings.redis_url, settings) if settings.redis_url else SlidingWindowLimiter()
    app.add_middleware(RequestGuard, max_body_bytes=settings.max_body_bytes,
                       max_upload_bytes=settings.max_upload_mb * 1024 * 1024)
    if settings.cors_origins:
        # Outermost, so refusals of the guard reach the allowed sites' pages too. Tokens travel
        # in the Authorization header, never in cookies: no credentials mode.
        app.add_middleware(CorsPolicy, allow_origins=settings.cors_origins, allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Authorization", "Content-Type"], max_age=600)
    app.include_router(api_router)
    app.include_router(ops.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=pages.WEB_DIR), name="static")

    return app


app = create_app()
