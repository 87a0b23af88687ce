"""Customer side: open a session, send messages, poll, listen over WebSocket."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, HTTPException, Query, WebSocket, status
from sqlalchemy import select

from gateway.conversation import message_payload
from gateway.deps import (
    ConversationDep,
    CustomerSession,
    DbSession,
    load_customer_session,
    message_limit,
    session_creation_limit,
)
from gateway.live import forward, session_topic
from gateway.models import ChatMessage, ChatSession
from gateway.schemas import MessagesOut, SessionCreate, SessionCreated, TextIn, TurnOut
from gateway.security import new_session_token, token_digest
from kefu import messages

router = APIRouter(prefix="/sessions", tags=["customer"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SessionCreated,
             dependencies=[Depends(session_creation_limit)])
async def create_session(body: SessionCreate, conversation: ConversationDep) -> dict:
    token = new_session_token()
    chat = ChatSession(
        id=uuid.uuid4().hex,
        token_hash=token_digest(token),
        channel=body.channel,
        customer_id=body.customer.id,
        customer_name=body.customer.name,
        customer_phone=body.customer.phone,
    )
    conversation.db.add(chat)
    await conversation.db.flush()
    welcome = await conversation.add_message(chat, "bot", messages.WELCOME)
    await conversation.db.commit()
    return {"session_id": chat.id, "token": token, "state": chat.state, "messages": [message_payload(welcome)]}


@router.post("/{session_id}/messages", response_model=TurnOut, response_model_exclude_none=True,
             dependencies=[Depends(message_limit)])
async def post_message(body: TextIn, chat: CustomerSession, conversation: ConversationDep) -> dict:
    if chat.state == "closed":
        raise HTTPException(status.HTTP_409_CONFLICT, messages.SESSION_CLOSED)
    result = await conversation.customer_turn(chat, body.text, body.client_message_id)
    return {
        "state": result.state,
        "messages": [message_payload(m) for m in result.replies],
        "work_order_id": result.work_order_id,
    }


@router.get("/{session_id}/messages", response_model=MessagesOut, response_model_exclude_none=True)
async def list_messages(chat: CustomerSession, db: DbSession, after: int = Query(0, ge=0)) -> dict:
    rows = await db.scalars(
        select(ChatMessage)
        .where(ChatMessage.session_id == chat.id, ChatMessage.seq > after)
        .order_by(ChatMessage.seq)
    )
    return {"state": chat.state, "messages": [message_payload(m) for m in rows]}


@router.websocket("/{session_id}/ws")
async def session_socket(websocket: WebSocket, session_id: str, db: DbSession, token: str = "") -> None:
    try:
        await load_customer_session(db, session_id, token)
    except HTTPException:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION)
        return
    await db.close()
    await forward(websocket, session_topic(session_id))
