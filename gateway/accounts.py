"""Staff accounts named in KEFU_BOOTSTRAP_AGENT / KEFU_BOOTSTRAP_ADMIN (demos and tests)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.models import StaffUser
from gateway.security import hash_password, verify_password
from kefu.settings import Settings


def parse_accounts(spec: str | None) -> list[tuple[str, str]]:
    """``user:password[,user2:password2…]`` → [(user, password), …]."""
    pairs = []
    for item in (spec or "").split(","):
        username, _, password = item.strip().partition(":")
        if username and password:
            pairs.append((username, password))
    return pairs


async def bootstrap_accounts(db: AsyncSession, settings: Settings) -> None:
    for role, spec in (("agent", settings.bootstrap_agent), ("admin", settings.bootstrap_admin)):
        for username, password in parse_accounts(spec):
            user = await db.get(StaffUser, username)
            if user is None:
                db.add(StaffUser(username=username, password_hash=hash_password(password), role=role))
            elif user.role != role or not verify_password(password, user.password_hash):
                user.role, user.password_hash = role, hash_password(password)
    await db.commit()
