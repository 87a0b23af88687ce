"""Orders past their SLA are escalated once, with a note, to whoever listens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handoff.escalation import escalate_overdue
from handoff.models import WorkOrder
from handoff.work_orders import work_order_events
from kefu.db import create_schema, make_engine, session_factory

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def order(number: int, status: str = "queued", answered: bool = False) -> WorkOrder:
    return WorkOrder(
        id=f"G20261123{number:03d}", session_id="s", status=status, reason="customer_request", urgency="normal",
        category="其他", department="客服部", customer={}, summary={}, created_at=START,
        first_response_due=START + timedelta(minutes=10), resolve_due=START + timedelta(hours=48),
        first_response_at=START + timedelta(minutes=2) if answered else None,
    )


async def test_overdue_orders_are_escalated_once(tmp_path) -> None:
    from gateway.models import ChatSession

    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/e.db")
    await create_schema(engine)
    sent: list[dict] = []
    async with session_factory(engine)() as db:
        db.add(ChatSession(id="s", token_hash="h", channel="web", customer_id="c"))
        db.add_all([order(1), order(2, "assigned", answered=True), order(3, "closed")])
        await db.commit()
        assert await escalate_overdue(db, START + timedelta(minutes=5), sent.append) == []
        assert await escalate_overdue(db, START + timedelta(minutes=11), sent.append) == ["G20261123001"]
        assert await escalate_overdue(db, START + timedelta(minutes=12), sent.append) == []
        late = await escalate_overdue(db, START + timedelta(hours=49), sent.append)
        events = await work_order_events(db, "G20261123001")
    await engine.dispose()
    assert late == ["G20261123002"]
    assert [message["id"] for message in sent] == ["G20261123001", "G20261123002"]
    assert sent[0]["type"] == "escalation"
    assert [(e.kind, e.text) for e in events] == [("escalation", "已超时（首次响应超时），已上报主管")]
