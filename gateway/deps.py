"""FastAPI dependencies: database session, settings, the caller's identity."""

from __future__ import annotations

import math
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Query, Request, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from gateway import logs
from gateway.agent_desk import AgentDesk
from gateway.analytics.periods import iso_week, last_complete_week, local_today
from gateway.conversation import Conversation
from gateway.kb_maintenance import find_entry
from gateway.models import ChatSession
from gateway.ratelimit import Limit, RateLimiter
from gateway.security import decode_access_token, token_matches
from handoff.models import WorkOrder
from kb_index.entries import KBEntry
from kefu import messages
from kefu.retraining import Retraining, TrainingBusy
from kefu.settings import Settings, get_settings

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)

SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_db(connection: HTTPConnection) -> AsyncIterator[AsyncSession]:
    async with connection.app.state.session_factory() as session:
        yield session


DbSession = Annotated[AsyncSession, Depends(get_db)]


def get_conversation(request: Request, db: DbSession, settings: SettingsDep) -> Conversation:
    return Conversation(db=db, rasa=request.app.state.rasa, hub=request.app.state.hub, settings=settings,
                        sessions=request.app.state.session_factory)


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
        return self.works_on(order.department, order.assigned_to)

    def hears(self, event: dict[str, Any]) -> bool:
        """Whether a live work-order event concerns this agent (its queue now or before a transfer)."""
        return any(self.works_on(department, event.get("assigned_to"))
                   for department in (event.get("department"), event.get("previous_department")))

    def works_on(self, department: str | None, assigned_to: str | None) -> bool:
        """Admins and agents without a department see every order; others their queue's and their own."""
        return (
            self.role == "admin" or self.department is None or department == self.department
            or assigned_to == self.username
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
    start: Annotated[date, Query(alias="from")], end: Annotated[date, Query(alias="to")], settings: SettingsDep
) -> Period:
    if end < start:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, messages.PERIOD_REVERSED)
    if (end - start).days >= settings.stats_max_days:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY,
                            messages.PERIOD_TOO_LONG.format(limit=settings.stats_max_days))
    return Period(start, end)


PeriodDep = Annotated[Period, Depends(period_query)]


def recent_period_query(
    settings: SettingsDep,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> Period:
    """As ``PeriodDep``; ``to`` defaults to the local today and ``from`` to ``stats_default_days`` before it."""
    end = end or local_today(settings)
    return period_query(start or end - timedelta(days=settings.stats_default_days - 1), end, settings)


RecentPeriodDep = Annotated[Period, Depends(recent_period_query)]


def report_week(settings: SettingsDep, week: str | None = None) -> Period:
    """The ISO week ``YYYY-Www`` of the ``week`` query; without it the last complete local week."""
    if week is None:
        return Period(*last_complete_week(local_today(settings)))
    match = re.fullmatch(r"(\d{4})-W(\d{2})", week)
    if match is not None:
        with suppress(ValueError):  # a week that year does not have
            return Period(*iso_week(int(match[1]), int(match[2])))
    raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, messages.WEEK_INVALID)


ReportWeek = Annotated[Period, Depends(report_week)]


def kb_entry(entry_id: str) -> KBEntry:
    """The KB entry in the path, if the live KB has it."""
    entry = find_entry(entry_id)
    if entry is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, messages.KB_ENTRY_NOT_FOUND)
    return entry


KnownEntry = Annotated[KBEntry, Depends(kb_entry)]


def training_job(admin: CurrentAdmin, settings: SettingsDep) -> Iterator[Retraining]:
    """The one retraining job, claimed for this request (409 while another runs); released
    again unless the request started it in the background."""
    job = Retraining(settings)
    try:
        job.claim()
    except TrainingBusy as error:
        raise HTTPException(status.HTTP_409_CONFLICT, messages.TRAINING_BUSY) from error
    try:
        yield job
    finally:
        if not job.started:
            job.release()


TrainingJob = Annotated[Retraining, Depends(training_job)]


def client_address(connection: HTTPConnection) -> str:
    """The caller's address; behind a reverse proxy uvicorn takes it from X-Forwarded-For
    when the proxy is trusted (FORWARDED_ALLOW_IPS, by default the local host)."""
    return connection.client.host if connection.client else "unknown"


def too_many_requests(wait_s: float) -> HTTPException:
    seconds = max(1, math.ceil(wait_s))
    return HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, messages.RATE_LIMITED.format(seconds=seconds),
                         headers={"Retry-After": str(seconds)})


async def within_limit(connection: HTTPConnection, key: str, limit: Limit) -> None:
    wait = await connection.app.state.limiter.hit(key, limit)
    if wait > 0:
        raise too_many_requests(wait)


async def session_creation_limit(request: Request, settings: SettingsDep) -> None:
    await within_limit(request, f"sessions:{client_address(request)}", Limit(settings.sessions_per_ip_per_minute, 60))


async def message_limit(request: Request, chat: CustomerSession, settings: SettingsDep) -> None:
    await within_limit(request, f"messages:{chat.id}", Limit(settings.messages_per_session_per_minute, 60))


@dataclass
class LoginThrottle:
    """Failed logins counted per address and per address and user name; while either window is
    full even the right password is refused, so guessing gains nothing.

    An attempt takes its place in both windows before the password is checked, and gives it
    back when the password was right: many attempts sent at once, to one replica or several,
    cannot all pass before the first failure is counted."""

    limiter: RateLimiter
    windows: list[tuple[str, Limit]]

    async def attempt(self) -> None:
        taken: list[tuple[str, Limit]] = []
        for key, limit in self.windows:
            wait = await self.limiter.hit(key, limit)
            if wait > 0:
                await self._give_back(taken)
                raise too_many_requests(wait)
            taken.append((key, limit))

    async def succeeded(self) -> None:
        await self._give_back(self.windows)

    async def _give_back(self, taken: list[tuple[str, Limit]]) -> None:
        for key, limit in taken:
            await self.limiter.give_back(key, limit)


def login_throttle(
    request: Request, settings: SettingsDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]
) -> LoginThrottle:
    address, window = client_address(request), settings.login_failure_window_s
    return LoginThrottle(request.app.state.limiter, [
        (f"login:{address}", Limit(settings.login_failures_per_ip, window)),
        (f"login:{address}:{form.username[:64]}", Limit(settings.login_failures_per_user, window)),
    ])


LoginThrottleDep = Annotated[LoginThrottle, Depends(login_throttle)]
