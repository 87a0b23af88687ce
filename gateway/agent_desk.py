"""What an agent does with a work order: claim it, talk to the customer, resolve it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from fastapi import HTTPException, status
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import metrics
from gateway.agent_feed import order_event
from gateway.conversation import Conversation
from gateway.learning import Learning
from gateway.live import AGENTS_TOPIC
from gateway.models import ChatMessage, ChatSession, StaffUser
from handoff.models import WorkOrder, WorkOrderEvent
from handoff.service_standard import forbidden_in
from kb_index.index import Hit
from kb_index.service import lookup
from kefu import messages
from kefu.db import utcnow
from understanding import question_part

ACTIVE = ("assigned", "reopened")
RATING_BUTTONS = [{"title": str(score), "payload": str(score)} for score in range(1, 6)]


@dataclass
class AgentDesk:
    conversation: Conversation

    @property
    def db(self) -> AsyncSession:
        return self.conversation.db

    async def order(self, work_order_id: str) -> WorkOrder:
        order = await self.db.get(WorkOrder, work_order_id)
        if order is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, messages.WORK_ORDER_NOT_FOUND)
        return order

    async def claim(self, work_order_id: str, agent: str) -> WorkOrder:
        """Exactly one of two agents claiming at once wins; the database decides."""
        order = await self.order(work_order_id)
        claimed = await self.db.execute(
            update(WorkOrder)
            .where(WorkOrder.id == work_order_id, WorkOrder.status == "queued")
            .values(status="assigned", assigned_to=agent)
        )
        if claimed.rowcount != 1:
            await self.db.rollback()
            raise HTTPException(status.HTTP_409_CONFLICT, messages.WORK_ORDER_TAKEN)
        chat = await self.db.get(ChatSession, order.session_id)
        chat.state = "agent"
        await self.say(chat, "system", messages.AGENT_JOINED.format(agent=agent))
        await self.db.refresh(order)
        self.announce(order)
        return order

    async def held_by(self, work_order_id: str, agent: str) -> tuple[WorkOrder, ChatSession]:
        order = await self.order(work_order_id)
        if order.assigned_to != agent:
            raise HTTPException(status.HTTP_403_FORBIDDEN, messages.WORK_ORDER_NOT_YOURS)
        if order.status not in ACTIVE:
            raise HTTPException(status.HTTP_409_CONFLICT, messages.WORK_ORDER_NOT_ACTIVE)
        return order, await self.db.get(ChatSession, order.session_id)

    async def reply(
        self, work_order_id: str, agent: str, text: str, client_message_id: str | None = None,
        kb_id: str | None = None,
    ) -> ChatMessage:
        """Send to the customer; any 服务忌语 in it is recorded on the message. With ``kb_id`` (an entry's
        answer picked in the console) the customer's last wording is taught to that entry."""
        order, chat = await self.held_by(work_order_id, agent)
        earlier = await self.conversation.sent_before(chat, client_message_id)
        if earlier is not None:
            return earlier
        order.first_response_at = order.first_response_at or utcnow()
        forbidden = forbidden_in(text, self.conversation.settings)
        if forbidden:
            metrics.FORBIDDEN_PHRASES.inc()
        learned = kb_id is not None and await self.teach_last_question(chat, kb_id)
        try:
            message = await self.say(chat, "agent", text, flags={"forbidden": forbidden} if forbidden else None,
                                     client_message_id=client_message_id)
        except IntegrityError:  # the same retry arrived twice at once; the other one won
            await self.db.rollback()
            return await self.conversation.sent_before(chat, client_message_id)
        if learned and self.conversation.sessions is not None:
            Learning(self.db, self.conversation.settings).sync_kb_soon(self.conversation.sessions)
        return message

    async def last_question(self, chat: ChatSession) -> ChatMessage | None:
        return await self.db.scalar(
            select(ChatMessage)
            .where(ChatMessage.session_id == chat.id, ChatMessage.sender == "customer")
            .order_by(ChatMessage.seq.desc())
            .limit(1)
        )

    async def teach_last_question(self, chat: ChatSession, kb_id: str) -> bool:
        asked = await self.last_question(chat)
        learning = Learning(self.db, self.conversation.settings)
        return asked is not None and await learning.similar(kb_id, asked.text, "agent", chat.id)

    async def kb_suggestions(self, order: WorkOrder) -> tuple[ChatMessage | None, list[Hit]]:
        """Agent assist: the customer's last message and the KB's best entries for it."""
        chat = await self.db.get(ChatSession, order.session_id)
        asked = await self.last_question(chat)
        if asked is None:
            return None, []
        settings = self.conversation.settings
        found = await asyncio.to_thread(lookup, question_part(asked.text, settings), settings.kb_suggest_max)
        # What the bot itself would not even suggest ("好的，谢谢", "转人工") is no help to the agent either.
        return asked, [] if found.miss else found.hits[: settings.kb_suggest_max]

    async def resolve(self, work_order_id: str, agent: str, resolution: str) -> WorkOrder:
        """Store the resolution and ask the customer whether the problem is solved."""
        order, chat = await self.held_by(work_order_id, agent)
        order.status, order.resolution, order.resolved_at = "resolved", resolution, utcnow()
        await self.say(chat, "system", messages.ASK_SATISFACTION, buttons=RATING_BUTTONS)
        self.announce(order)
        return order

    async def note(self, work_order_id: str, author: str, text: str) -> WorkOrderEvent:
        await self.order(work_order_id)
        event = WorkOrderEvent(work_order_id=work_order_id, kind="note", author=author, text=text)
        self.db.add(event)
        await self.db.commit()
        return event

    async def transfer(
        self, work_order_id: str, agent: str, note: str, department: str | None, to_agent: str | None
    ) -> WorkOrder:
        """Hand a held order to another department's queue or straight to another agent."""
        order, chat = await self.held_by(work_order_id, agent)
        previous_department = order.department
        if to_agent:
            user = await self.db.get(StaffUser, to_agent)
            if user is None:
                raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, messages.UNKNOWN_AGENT.format(agent=to_agent))
            order.assigned_to = to_agent
        else:
            order.status, order.assigned_to, chat.state = "queued", None, "queued"
        order.department = department or order.department
        target = to_agent or order.department
        self.db.add(WorkOrderEvent(work_order_id=order.id, kind="transfer", author=agent,
                                   text=messages.TRANSFER_NOTE.format(target=target, note=note)))
        await self.db.commit()
        # The queue it left hears it too, so that queue's consoles drop it.
        self.announce(order, previous_department=previous_department)
        return order

    def announce(self, order: WorkOrder, **fields: object) -> None:
        """Tell the online agents who may see this order that it changed hands or state."""
        self.conversation.hub.publish(AGENTS_TOPIC, order_event("work_order", order, status=order.status, **fields))

    async def say(self, chat: ChatSession, sender: str, text: str, **fields: object) -> ChatMessage:
        message = await self.conversation.add_message(chat, sender, text, **fields)
        await self.db.commit()
        self.conversation.publish(chat, message)
        return message
