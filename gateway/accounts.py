"""Staff accounts named in KEFU_BOOTSTRAP_AGENT / KEFU_BOOTSTRAP_ADMIN (demos and tests)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.models import StaffUser
from gateway.security import hash_password, verify_password
from kefu.settings import Settings


def parse_accounts(spec: str | None) -> list[tuple[str, str | None, str]]:
    """``user[@部门]:password[,…]`` → [(user, department or None, password), …]."""
    accounts = []
    for item in (spec or "").split(","):
        name, _, password = item.strip().partition(":")
        username, _, department = name.partition("@")
        if username and password:
            accounts.append((username, department or None, password))
    return accounts


async def bootstrap_accounts(db: AsyncSession, settings: Settings) -> None:
    try:
        await _bootstrap(db, settings)
    except IntegrityError:
        # Another replica starting at the same moment created them first: update those instead.
        await db.rollback()
        await _bootstrap(db, settings)


async def _bootstrap(db: AsyncSession, settings: Settings) -> None:
    for role, spec in (("agent", settings.bootstrap_agent), ("admin", settings.bootstrap_admin)):
        for username, department, password in parse_accounts(spec):
            user = await db.get(StaffUser, username)
            if user is None:
                user = StaffUser(username=username, password_hash=hash_password(password))
                db.add(user)
            elif not verify_password(password, user.password_hash):
                user.password_hash = hash_password(password)
            user.role, user.department = role, department
    await db.commit()
