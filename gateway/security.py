"""Passwords (Argon2), staff access tokens (JWT) and customer session tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError

from kefu.db import utcnow
from kefu.settings import Settings

_hasher = PasswordHasher()
JWT_ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def unknown_user_hash() -> str:
    """Checked against when a login names no account, so that it takes as long as a wrong
    password and the answer time does not tell which user names exist."""
    return _hasher.hash(secrets.token_urlsafe(16))


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Only a digest is stored, so a database leak does not leak live sessions."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(token: str, digest: str) -> bool:
    return hmac.compare_digest(token_digest(token), digest)


def jwt_secret(settings: Settings) -> str:
    """The configured secret, else one generated once and kept in the data dir."""
    if settings.jwt_secret:
        return settings.jwt_secret
    path: Path = settings.data_dir / "jwt_secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def create_access_token(username: str, role: str, department: str | None, settings: Settings) -> str:
    now = utcnow()
    claims = {
        "sub": username,
        "role": role,
        "dept": department,
        "iat": now,
        "exp": now + timedelta(minutes=settings.access_token_minutes),
    }
    return jwt.encode(claims, jwt_secret(settings), algorithm=JWT_ALGORITHM)


def decode_access_token(token: str, settings: Settings) -> dict | None:
    try:
        return jwt.decode(token, jwt_secret(settings), algorithms=[JWT_ALGORITHM])
    except jwt.PyJWTError:
        return None
