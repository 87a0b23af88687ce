"""What online agents are told about work orders, and which agents may hear it.

Every event names the order's department and holder, so the agents' socket can apply the
same visibility rule as the queue: an agent of one department never hears another's orders.
"""

from __future__ import annotations

from typing import Any

from handoff.models import WorkOrder


def order_event(kind: str, order: WorkOrder, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "id": order.id, "department": order.department, "assigned_to": order.assigned_to,
            **fields}
