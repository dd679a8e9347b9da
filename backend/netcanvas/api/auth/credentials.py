"""Secrets: argon2 password hashes (argon2-cffi, RFC 9106 parameters), random tokens and session
ids, and constant-time comparison. Nothing here touches the database."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id, 64 MiB, 3 passes: argon2-cffi's RFC 9106 "low memory" profile
# verified against when the user name is unknown, so a wrong name costs as long as a wrong password
_DUMMY = _hasher.hash("netcanvas-no-such-user")

MIN_PASSWORD = 8
MAX_PASSWORD = 1024


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when `password` matches `stored` (an argon2 hash); None (no such user) is always False
    after the same amount of work."""
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)


def new_secret() -> str:
    """32 random bytes, URL-safe: the token of token mode, or a session id."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What the database keeps of a session id (sha256 hex): a leaked database signs nobody in."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return f"password: use at least {MIN_PASSWORD} characters."
    if len(password) > MAX_PASSWORD:
        return f"password: use at most {MAX_PASSWORD} characters."
    return None
