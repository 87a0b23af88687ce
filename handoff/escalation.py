"""Orders past their SLA are escalated to supervisors (role admin) once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.models import WorkOrder, WorkOrderEvent
from handoff.work_orders import overdue
from kefu import messages

OPEN_STATUSES = ("queued", "assigned", "reopened")


async def escalate_overdue(
    db: AsyncSession, now: datetime, notify: Callable[[dict[str, Any]], None]
) -> list[str]:
    """Mark, note and announce every open order that broke its SLA; returns their ids."""
    candidates = await db.scalars(
        select(WorkOrder).where(WorkOrder.status.in_(OPEN_STATUSES), WorkOrder.escalated_at.is_(None))
    )
    escalated = []
    for order in candidates:
        breaches = [name for name, late in overdue(order, now).items() if late]
        if not breaches:
            continue
        order.escalated_at = now
        what = "、".join(messages.OVERDUE_LABELS[name] for name in breaches)
        db.add(WorkOrderEvent(work_order_id=order.id, kind="escalation", author="system",
                              text=messages.ESCALATION_NOTE.format(what=what)))
        escalated.append(order)
    await db.commit()
    for order in escalated:
        notify({"type": "escalation", "id": order.id, "urgency": order.urgency,
                "department": order.department, "assigned_to": order.assigned_to})
    return [order.id for order in escalated]
