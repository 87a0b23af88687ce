"""Request and response bodies of the v1 HTTP contract."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from kefu import messages
from kefu.settings import get_settings

SessionState = Literal["bot", "queued", "agent", "closed"]


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=128)
    name: str | None = Field(None, max_length=128)
    phone: str | None = Field(None, max_length=32)


class SessionCreate(BaseModel):
    channel: Literal["web", "miniprogram", "app"]
    customer: CustomerIn


class Button(BaseModel):
    title: str
    payload: str


class MessageOut(BaseModel):
    seq: int
    sender: Literal["customer", "bot", "agent", "system"]
    text: str
    buttons: list[Button] | None = None
    created_at: datetime


class AgentMessageOut(MessageOut):
    forbidden: list[str] = []


class ServiceStandard(BaseModel):
    canned_replies: list[dict[str, str]]
    forbidden_phrases: list[str]
    departments: list[str]
    labels: dict[str, dict[str, str]]


class SessionCreated(BaseModel):
    session_id: str
    token: str
    state: SessionState
    messages: list[MessageOut]


def checked_text(text: str) -> str:
    """Stripped text, refused (in Chinese) when empty or longer than the limit."""
    text = text.strip()
    if not text:
        raise ValueError(messages.TEXT_EMPTY)
    limit = get_settings().max_message_chars
    if len(text) > limit:
        raise ValueError(messages.TEXT_TOO_LONG.format(limit=limit))
    return text


CheckedText = Annotated[str, AfterValidator(checked_text)]


class TextIn(BaseModel):
    text: CheckedText
    # The same id on a retry returns the first attempt's result instead of a second message.
    client_message_id: str | None = Field(None, min_length=1, max_length=64)


class ResolutionIn(BaseModel):
    resolution: CheckedText


class TransferIn(BaseModel):
    note: CheckedText
    department: str | None = None
    agent: str | None = Field(None, max_length=64)

    @field_validator("department")
    @classmethod
    def known_department(cls, department: str | None) -> str | None:
        if department is not None and department not in get_settings().departments:
            raise ValueError(messages.UNKNOWN_DEPARTMENT.format(department=department))
        return department

    @model_validator(mode="after")
    def has_target(self) -> TransferIn:
        if not (self.department or self.agent):
            raise ValueError(messages.TRANSFER_NEEDS_TARGET)
        return self


class TurnOut(BaseModel):
    state: SessionState
    messages: list[MessageOut]
    work_order_id: str | None = None


class MessagesOut(BaseModel):
    state: SessionState
    messages: list[MessageOut]


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"


class WorkOrderSummary(BaseModel):
    id: str
    status: str
    reason: str
    urgency: str
    category: str
    department: str
    created_at: datetime
    first_response_due: datetime
    resolve_due: datetime
    assigned_to: str | None
    satisfaction: int | None = None
    first_response_overdue: bool
    resolve_overdue: bool


class KBHit(BaseModel):
    id: str
    question: str
    answer: str
    score: float


class KBSearchOut(BaseModel):
    miss: bool
    outcome: str
    hits: list[KBHit]


class KBImportOut(BaseModel):
    entries: int


WorkOrderOut = dict[str, Any]
