"""Users and sessions in the database: one function per thing the routes, the middleware and the
CLI need. A session id is returned once and only its sha256 is stored (credentials.digest)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...data import uploads
from ...store import repo
from ...store.models import SessionRow, UserRow, utcnow
from . import credentials

if TYPE_CHECKING:
    from ...config import Settings

SESSION_DAYS = 14
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


class AccountError(ValueError):
    """A refusal with the sentence to show and its HTTP status."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class SignedIn:
    user_id: str
    name: str
    is_admin: bool


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # SQLite drops the zone


def find_user(s: Session, name: str) -> UserRow | None:
    return s.scalar(select(UserRow).where(UserRow.name == name))


def list_users(s: Session) -> list[UserRow]:
    return list(s.scalars(select(UserRow).order_by(UserRow.created_at, UserRow.name)))


def count_users(s: Session) -> int:
    return s.scalar(select(func.count()).select_from(UserRow)) or 0


def first_admin(s: Session) -> UserRow | None:
    """The oldest admin: who owns what was made before accounts (docs/security.md)."""
    return s.scalar(select(UserRow).where(UserRow.is_admin.is_(True)).order_by(UserRow.created_at, UserRow.name))


def create_user(s: Session, name: str, password: str, is_admin: bool = False) -> UserRow:
    if not NAME.match(name):
        raise AccountError("name: use 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter "
                           "or digit.")
    problem = credentials.password_problem(password)
    if problem:
        raise AccountError(problem)
    if find_user(s, name) is not None:
        raise AccountError(f"A user named '{name}' already exists.", 409)
    row = UserRow(name=name, password_hash=credentials.hash_password(password), is_admin=is_admin)
    s.add(row)
    try:
        s.commit()
    except IntegrityError:  # made by another request meanwhile
        s.rollback()
        raise AccountError(f"A user named '{name}' already exists.", 409) from None
    return row


def remove_user(s: Session, name: str, settings: Settings | None = None) -> UserRow:
    """Delete the user and their sessions; their graphs, runs (and, given `settings`, uploads) pass to
    the oldest remaining admin, so nothing is left without an owner. The last admin stays."""
    row = find_user(s, name)
    if row is None:
        raise AccountError(f"No user named '{name}'.", 404)
    admins = s.scalar(select(func.count()).select_from(UserRow).where(UserRow.is_admin.is_(True))) or 0
    if row.is_admin and admins <= 1:
        raise AccountError(f"'{name}' is the only admin; make another admin before removing this one.", 409)
    s.delete(row)
    s.flush()
    heir = first_admin(s)
    repo.reassign_owner(s, row.id, heir.id if heir else None)  # commits the deletion too
    if settings is not None:
        uploads.set_owner(settings, row.id, heir.id if heir else None)
    return row


def check_password(s: Session, name: str, password: str) -> UserRow | None:
    row = find_user(s, name)
    if not credentials.verify_password(row.password_hash if row else None, password) or row is None:
        return None
    if credentials.needs_rehash(row.password_hash):
        row.password_hash = credentials.hash_password(password)
        s.commit()
    return row


def open_session(s: Session, user: UserRow, days: int = SESSION_DAYS) -> str:
    """A new session for `user`; returns the id to put in the cookie (stored only hashed)."""
    now = utcnow()
    s.execute(delete(SessionRow).where(SessionRow.expires_at < now))  # expired ones of anybody
    sid = credentials.new_secret()
    s.add(SessionRow(id_hash=credentials.digest(sid), user_id=user.id, created_at=now,
                     expires_at=now + timedelta(days=days)))
    s.commit()
    return sid


def session_user(s: Session, sid: str) -> SignedIn | None:
    found = s.execute(
        select(SessionRow, UserRow).join(UserRow, UserRow.id == SessionRow.user_id)
        .where(SessionRow.id_hash == credentials.digest(sid))
    ).first()
    if found is None:
        return None
    session, user = found
    if _aware(session.expires_at) <= utcnow():
        return None
    return SignedIn(user.id, user.name, user.is_admin)


def close_session(s: Session, sid: str) -> None:
    s.execute(delete(SessionRow).where(SessionRow.id_hash == credentials.digest(sid)))
    s.commit()
