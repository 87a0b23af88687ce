"""Request and response bodies of the v1 HTTP contract."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from gateway.guard import has_control_characters
from kefu import messages
from kefu.pii import mainland_mobile
from kefu.settings import get_settings

SessionState = Literal["bot", "queued", "agent", "closed"]


def no_control_characters(value: str) -> str:
    if has_control_characters(value):
        raise ValueError(messages.CONTROL_CHARACTERS)
    return value


# An id or a name: one line of printable text.
Name = Annotated[str, AfterValidator(no_control_characters)]


def mobile_or_none(phone: str | None) -> str | None:
    """The SMS identity check needs a mainland mobile number: refuse anything else, keep 11 digits."""
    if phone is None or not phone.strip():
        return None
    number = mainland_mobile(phone)
    if number is None:
        raise ValueError(messages.PHONE_INVALID)
    return number


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: Name = Field(min_length=1, max_length=128)
    name: Name | None = Field(None, max_length=128)
    phone: Annotated[str | None, AfterValidator(mobile_or_none)] = Field(None, max_length=32)


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
    if has_control_characters(text, text=True):
        raise ValueError(messages.CONTROL_CHARACTERS)
    limit = get_settings().max_message_chars
    if len(text) > limit:
        raise ValueError(messages.TEXT_TOO_LONG.format(limit=limit))
    return text


CheckedText = Annotated[str, AfterValidator(checked_text)]


class TextIn(BaseModel):
    text: CheckedText
    # The same id on a retry returns the first attempt's result instead of a second message.
    client_message_id: Name | None = Field(None, min_length=1, max_length=64)


class AgentReplyIn(TextIn):
    # The KB entry whose answer the agent sent (agent assist): the customer's last wording joins it.
    kb_id: str | None = Field(None, min_length=1, max_length=128)


class LearnedOut(BaseModel):
    id: int
    kind: str
    entry_id: str
    entry_question: str | None
    text: str
    source: str
    session_id: str | None
    status: str
    decided_by: str | None
    created_at: datetime


class LearnedListOut(BaseModel):
    items: list[LearnedOut]


class ResolutionIn(BaseModel):
    resolution: CheckedText


class TransferIn(BaseModel):
    note: CheckedText
    department: str | None = None
    agent: Name | None = Field(None, max_length=64)

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


class KBChoice(BaseModel):
    id: str
    question: str


class KBSearchOut(BaseModel):
    miss: bool
    outcome: Literal["answer", "suggest", "miss"]
    # The entries the bot offers after "您是不是想问：" (empty unless outcome is "suggest").
    choices: list[KBChoice]
    hits: list[KBHit]


class KBSuggestionsOut(BaseModel):
    question: str | None
    entries: list[KBHit]


class KBImportOut(BaseModel):
    entries: int


def some_questions(questions: list[str]) -> list[str]:
    if not questions:
        raise ValueError(messages.QUESTIONS_EMPTY)
    return questions


Questions = Annotated[list[CheckedText], Field(max_length=200), AfterValidator(some_questions)]


class KBEntryIn(BaseModel):
    """A whole entry, as the admin page's editor sends it (created when the id is new)."""

    question: CheckedText
    answer: CheckedText
    category: str = Field("", max_length=64)
    similar: list[CheckedText] = Field([], max_length=1000)


class KBEntryOut(BaseModel):
    id: str
    question: str
    answer: str
    category: str
    similar: list[str]
    # Customers' wordings learned from use (listed, approved and removed under /admin/learned).
    learned: list[str] = []


class KBEntriesOut(BaseModel):
    total: int
    entries: list[KBEntryOut]


class QuestionsIn(BaseModel):
    questions: Questions


class SimilarAdded(KBEntryOut):
    handled: int


class TrainingExamplesIn(BaseModel):
    intent: str = Field(min_length=1, max_length=64)
    examples: Questions


class TrainingExamplesOut(BaseModel):
    added: list[str]
    handled: int


class HandledOut(BaseModel):
    handled: int


class TrainIn(BaseModel):
    # Train even when a model of the current data exists.
    force: bool = False


WorkOrderOut = dict[str, Any]
