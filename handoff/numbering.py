"""Work order numbers: G + YYYYMMDD + a daily sequence of at least three digits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.models import WorkOrderCounter


async def next_work_order_id(db: AsyncSession, local_now: datetime) -> str:
    """Atomically take the day's next number, safe across gateway replicas."""
    day = local_now.strftime("%Y%m%d")
    insert = postgresql.insert if db.bind.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(WorkOrderCounter)
        .values(day=day, last=1)
        .on_conflict_do_update(index_elements=["day"], set_={"last": WorkOrderCounter.last + 1})
        .returning(WorkOrderCounter.last)
    )
    number = (await db.execute(statement)).scalar_one()
    return f"G{day}{number:03d}"
