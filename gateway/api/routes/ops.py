"""Operations: health and Prometheus metrics."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select

from gateway import metrics
from gateway.deps import DbSession, SettingsDep
from handoff.models import WorkOrder
from kb_index.service import get_store

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz(request: Request, settings: SettingsDep) -> JSONResponse:
    """200 only once Rasa (with a model), the action server and the KB index all answer."""
    async with httpx.AsyncClient(timeout=2) as client:
        try:
            actions_ok = (await client.get(f"{settings.actions_url}/health")).status_code == 200
        except httpx.HTTPError:
            actions_ok = False
    checks = {"rasa": await request.app.state.rasa.ready(), "actions": actions_ok, "kb": get_store().exists()}
    healthy = all(checks.values())
    return JSONResponse({"status": "ok" if healthy else "unavailable", "checks": checks},
                        status_code=200 if healthy else 503)


@router.get("/metrics", include_in_schema=False)
async def prometheus_metrics(db: DbSession) -> Response:
    """Prometheus text format; the queue length is counted at scrape time."""
    queued = await db.scalar(select(func.count()).select_from(WorkOrder).where(WorkOrder.status == "queued"))
    metrics.QUEUE_LENGTH.set(queued or 0)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
