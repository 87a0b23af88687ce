"""Agent side: the queue and the pre-filled work orders."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import case, select

from gateway.deps import CurrentStaff, DbSession
from gateway.schemas import WorkOrderOut, WorkOrderSummary
from handoff.models import WorkOrder
from handoff.work_orders import session_messages, work_order_view
from kefu import messages

router = APIRouter(prefix="/work-orders", tags=["work orders"])

MOST_URGENT_FIRST = case({"critical": 0, "urgent": 1, "normal": 2}, value=WorkOrder.urgency, else_=3)


@router.get("", response_model=list[WorkOrderSummary])
async def list_work_orders(staff: CurrentStaff, db: DbSession, status: str | None = None) -> list[WorkOrder]:
    query = select(WorkOrder).order_by(MOST_URGENT_FIRST, WorkOrder.created_at)
    if status:
        query = query.where(WorkOrder.status == status)
    return list(await db.scalars(query))


@router.get("/{work_order_id}")
async def get_work_order(work_order_id: str, staff: CurrentStaff, db: DbSession) -> WorkOrderOut:
    order = await db.get(WorkOrder, work_order_id)
    if order is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, messages.WORK_ORDER_NOT_FOUND)
    return work_order_view(order, await session_messages(db, order.session_id))
