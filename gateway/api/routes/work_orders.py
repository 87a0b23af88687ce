"""Agent side: the queue and the pre-filled work orders."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Response, WebSocket, status
from sqlalchemy import case, func, or_, select

from gateway.analytics.periods import period
from gateway.api.downloads import csv_download
from gateway.conversation import message_payload
from gateway.deps import (
    AgentDeskDep,
    CurrentStaff,
    DbSession,
    PeriodDep,
    SettingsDep,
    VisibleOrder,
    current_staff_from_token,
    visible_order,
)
from gateway.kb_maintenance import find_entry
from gateway.live import AGENTS_TOPIC, forward
from gateway.models import ChatSession
from gateway.schemas import (
    AgentMessageOut,
    AgentReplyIn,
    KBSuggestionsOut,
    ResolutionIn,
    ServiceStandard,
    TextIn,
    TransferIn,
    WorkOrderOut,
    WorkOrderSummary,
)
from handoff.models import WorkOrder
from handoff.service_standard import canned_replies
from handoff.work_orders import (
    EXPORT_COLUMNS,
    export_row,
    overdue,
    session_messages,
    work_order_events,
    work_order_view,
)
from kefu import messages
from kefu.db import utcnow
from kefu.pii import for_agents

router = APIRouter(prefix="/work-orders", tags=["work orders"])

# Acting on an order needs it to be in the caller's queue (or held by the caller).
IN_CALLERS_QUEUE = [Depends(visible_order)]
MOST_URGENT_FIRST = case({"critical": 0, "urgent": 1, "normal": 2}, value=WorkOrder.urgency, else_=3)


@router.get("", response_model=list[WorkOrderSummary])
async def list_work_orders(
    staff: CurrentStaff,
    db: DbSession,
    status: str | None = None,
    department: str | None = None,
    agent: str | None = None,
) -> list[dict]:
    """The queue: most urgent first, then longest waiting, with SLA breaches flagged."""
    query = select(WorkOrder).order_by(MOST_URGENT_FIRST, WorkOrder.created_at)
    if staff.role != "admin" and staff.department:
        query = query.where(or_(WorkOrder.department == staff.department, WorkOrder.assigned_to == staff.username))
    for column, value in ((WorkOrder.status, status), (WorkOrder.department, department),
                          (WorkOrder.assigned_to, agent)):
        if value:
            query = query.where(column == value)
    now = utcnow()
    return [{**summary_fields(order), **overdue(order, now)} for order in await db.scalars(query)]


@router.get("/counts")
async def count_by_status(staff: CurrentStaff, db: DbSession) -> dict[str, int]:
    rows = await db.execute(select(WorkOrder.status, func.count()).group_by(WorkOrder.status))
    return dict(rows.tuples().all())


def summary_fields(order: WorkOrder) -> dict:
    return {name: getattr(order, name) for name in WorkOrderSummary.model_fields if hasattr(order, name)}


@router.get("/export.csv", response_class=Response)
async def export_csv(
    staff: CurrentStaff,
    db: DbSession,
    settings: SettingsDep,
    days: PeriodDep,
) -> Response:
    """Work orders created from ``from`` to ``to`` (local days, both included), as CSV."""
    since, until = period(days.start, days.end, settings)
    orders = await db.scalars(
        select(WorkOrder).where(WorkOrder.created_at >= since, WorkOrder.created_at < until)
        .order_by(WorkOrder.created_at)
    )
    now = utcnow()
    return csv_download(f"work-orders-{days.start}-{days.end}.csv", EXPORT_COLUMNS,
                        (export_row(order, now) for order in orders))


@router.get("/service-standard", response_model=ServiceStandard)
async def service_standard(staff: CurrentStaff, settings: SettingsDep) -> dict:
    """常用话术, the 服务忌语 patterns the console checks before sending, and its labels."""
    return {
        "canned_replies": canned_replies(),
        "forbidden_phrases": settings.forbidden_phrases,
        "departments": sorted(settings.departments),
        "labels": {"urgency": messages.URGENCY_LABELS, "reason": messages.REASON_LABELS,
                   "status": messages.STATUS_LABELS},
    }


@router.get("/{work_order_id}")
async def get_work_order(order: VisibleOrder, db: DbSession) -> WorkOrderOut:
    return await full_view(db, order)


async def full_view(db: DbSession, order: WorkOrder) -> WorkOrderOut:
    return work_order_view(
        order, await db.get(ChatSession, order.session_id), await session_messages(db, order.session_id),
        await work_order_events(db, order.id),
    )


@router.post("/{work_order_id}/claim", dependencies=IN_CALLERS_QUEUE)
async def claim(work_order_id: str, staff: CurrentStaff, desk: AgentDeskDep) -> WorkOrderOut:
    """Take a queued order: the customer is told, and the session is the agent's."""
    return await full_view(desk.db, await desk.claim(work_order_id, staff.username))


@router.post(
    "/{work_order_id}/messages",
    response_model=AgentMessageOut,
    response_model_exclude_none=True,
    dependencies=IN_CALLERS_QUEUE,
)
async def send_to_customer(
    work_order_id: str, body: AgentReplyIn, staff: CurrentStaff, desk: AgentDeskDep
) -> dict:
    """Relay to the customer; ``forbidden`` lists any 服务忌语 the message contained. With ``kb_id`` (an
    entry's answer from agent assist) the customer's last wording is taught to that entry."""
    if body.kb_id is not None and find_entry(body.kb_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, messages.KB_ENTRY_NOT_FOUND)
    message = await desk.reply(work_order_id, staff.username, body.text, body.client_message_id, body.kb_id)
    return {**message_payload(message), "forbidden": (message.flags or {}).get("forbidden", [])}


@router.get("/{work_order_id}/kb-suggestions", response_model=KBSuggestionsOut)
async def kb_suggestions(order: VisibleOrder, desk: AgentDeskDep) -> dict:
    """Agent assist: the KB's best entries for the customer's last message."""
    asked, hits = await desk.kb_suggestions(order)
    chat = await desk.db.get(ChatSession, order.session_id)
    return {
        "question": asked and for_agents(asked.text, chat.verified),
        "entries": [{"id": h.entry.id, "question": h.entry.question, "answer": h.entry.answer, "score": h.score}
                    for h in hits],
    }


@router.post("/{work_order_id}/resolve", dependencies=IN_CALLERS_QUEUE)
async def resolve(work_order_id: str, body: ResolutionIn, staff: CurrentStaff, desk: AgentDeskDep) -> WorkOrderOut:
    """Store the resolution and ask the customer for 1–5; the answer closes or reopens it."""
    return await full_view(desk.db, await desk.resolve(work_order_id, staff.username, body.resolution))


@router.post("/{work_order_id}/notes", status_code=status.HTTP_201_CREATED, dependencies=IN_CALLERS_QUEUE)
async def add_note(work_order_id: str, body: TextIn, staff: CurrentStaff, desk: AgentDeskDep) -> WorkOrderOut:
    """An internal note: on the work order for colleagues, never shown to the customer."""
    await desk.note(work_order_id, staff.username, body.text)
    return await full_view(desk.db, await desk.order(work_order_id))


@router.post("/{work_order_id}/transfer", dependencies=IN_CALLERS_QUEUE)
async def transfer(work_order_id: str, body: TransferIn, staff: CurrentStaff, desk: AgentDeskDep) -> WorkOrderOut:
    order = await desk.transfer(work_order_id, staff.username, body.note, body.department, body.agent)
    return await full_view(desk.db, order)


@router.websocket("/live")
async def live(websocket: WebSocket, settings: SettingsDep, token: str = "") -> None:
    """New handoffs, customer messages and changes of hands, pushed to the agents whose queue they concern."""
    staff = current_staff_from_token(token, settings)
    if staff is None:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION)
        return
    await forward(websocket, AGENTS_TOPIC, accept=staff.hears)
