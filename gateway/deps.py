"""FastAPI dependencies: database session, settings, the caller's identity."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Query, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from gateway import logs
from gateway.agent_desk import AgentDesk
from gateway.conversation import Conversation
from gateway.models import ChatSession
from gateway.security import decode_access_token, token_matches
from handoff.models import WorkOrder
from kefu import messages
from kefu.settings import Settings, get_settings

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)

SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_db(connection: HTTPConnection) -> AsyncIterator[AsyncSession]:
    async with connection.app.state.session_factory() as session:
        yield session


DbSession = Annotated[AsyncSession, Depends(get_db)]


def get_conversation(request: Request, db: DbSession, settings: SettingsDep) -> Conversation:
    return Conversation(db=db, rasa=request.app.state.rasa, hub=request.app.state.hub, settings=settings)


ConversationDep = Annotated[Conversation, Depends(get_conversation)]


def get_agent_desk(conversation: ConversationDep) -> AgentDesk:
    return AgentDesk(conversation)


AgentDeskDep = Annotated[AgentDesk, Depends(get_agent_desk)]


def bearer_token(authorization: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


async def load_customer_session(db: AsyncSession, session_id: str, token: str | None) -> ChatSession:
    logs.session_id.set(session_id)
    chat = await db.get(ChatSession, session_id)
    if chat is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, messages.SESSION_NOT_FOUND)
    if not token or not token_matches(token, chat.token_hash):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, messages.TOKEN_INVALID)
    return chat


async def customer_session(
    session_id: str, db: DbSession, authorization: Annotated[str | None, Header()] = None
) -> ChatSession:
    return await load_customer_session(db, session_id, bearer_token(authorization))


CustomerSession = Annotated[ChatSession, Depends(customer_session)]


@dataclass(frozen=True)
class Staff:
    username: str
    role: str
    department: str | None = None

    def sees(self, order: WorkOrder) -> bool:
        """Admins and agents without a department see every order; others their queue's and their own."""
        return (
            self.role == "admin" or self.department is None or order.department == self.department
            or order.assigned_to == self.username
        )


def current_staff_from_token(token: str | None, settings: Settings) -> Staff | None:
    claims = decode_access_token(token, settings) if token else None
    return Staff(username=claims["sub"], role=claims["role"], department=claims.get("dept")) if claims else None


async def current_staff(
    settings: SettingsDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Staff:
    staff = current_staff_from_token(token, settings)
    if staff is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, messages.NOT_AUTHENTICATED, headers={"WWW-Authenticate": "Bearer"}
        )
    return staff


CurrentStaff = Annotated[Staff, Depends(current_staff)]


async def current_admin(staff: CurrentStaff) -> Staff:
    if staff.role != "admin":
        raise HTTPException(status.HTTP_403_FORBIDDEN, messages.FORBIDDEN)
    return staff


CurrentAdmin = Annotated[Staff, Depends(current_admin)]


async def visible_order(work_order_id: str, staff: CurrentStaff, db: DbSession) -> WorkOrder:
    """The work order in the path, if it exists and is in the caller's queue."""
    order = await db.get(WorkOrder, work_order_id)
    if order is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, messages.WORK_ORDER_NOT_FOUND)
    if not staff.sees(order):
        raise HTTPException(status.HTTP_403_FORBIDDEN, messages.FORBIDDEN)
    return order


VisibleOrder = Annotated[WorkOrder, Depends(visible_order)]


@dataclass(frozen=True)
class Period:
    """Local days ``start`` to ``end``, both included, from the ``from`` and ``to`` query."""

    start: date
    end: date


def period_query(
    start: Annotated[date, Query(alias="from")], end: Annotated[date, Query(alias="to")]
) -> Period:
    if end < start:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, messages.PERIOD_REVERSED)
    return Period(start, end)


PeriodDep = Annotated[Period, Depends(period_query)]
