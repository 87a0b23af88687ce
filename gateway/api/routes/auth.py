"""Staff login: OAuth2 password flow."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm

from gateway.deps import DbSession, SettingsDep
from gateway.models import StaffUser
from gateway.schemas import TokenOut
from gateway.security import create_access_token, verify_password
from kefu import messages

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", response_model=TokenOut)
async def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], db: DbSession, settings: SettingsDep
) -> dict:
    user = await db.get(StaffUser, form.username)
    if user is None or not verify_password(form.password, user.password_hash):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, messages.LOGIN_FAILED)
    token = create_access_token(user.username, user.role, user.department, settings)
    return {"access_token": token, "token_type": "bearer"}
