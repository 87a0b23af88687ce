"""The v1 API router."""

from fastapi import APIRouter

from gateway.api.routes import admin, auth, kb, sessions, stats, work_orders

api_router = APIRouter(prefix="/api/v1")
api_router.include_router(sessions.router)
api_router.include_router(auth.router)
api_router.include_router(work_orders.router)
api_router.include_router(kb.router)
api_router.include_router(stats.router)
api_router.include_router(admin.router)
