"""Staff login: OAuth2 password flow."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm

from gateway.deps import DbSession, LoginThrottleDep, SettingsDep
from gateway.guard import has_control_characters
from gateway.models import StaffUser
from gateway.schemas import TokenOut
from gateway.security import create_access_token, unknown_user_hash, verify_password
from kefu import messages

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", response_model=TokenOut)
async def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], db: DbSession, settings: SettingsDep,
    throttle: LoginThrottleDep,
) -> dict:
    await throttle.attempt()
    # No account name has control characters (and PostgreSQL could not even look one up).
    user = None if has_control_characters(form.username) else await db.get(StaffUser, form.username)
    password_hash = user.password_hash if user else unknown_user_hash()
    # Argon2 takes tens of milliseconds of CPU by design: off the event loop, customers' turns go on.
    if not await asyncio.to_thread(verify_password, form.password, password_hash) or user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, messages.LOGIN_FAILED)
    await throttle.succeeded()
    token = create_access_token(user.username, user.role, user.department, settings)
    return {"access_token": token, "token_type": "bearer"}
