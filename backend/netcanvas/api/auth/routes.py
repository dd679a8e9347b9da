"""/api/auth/me, /api/auth/login, /api/auth/logout (open: the sign-in page needs them) and the
admin's /api/users (list, add, remove). Contract: /tmp/h/common12.md "Auth contract", docs/security.md."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Literal, cast

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from ...store.models import UserRow
from ..deps import CurrentUser, DbDep, SettingsDep
from ..schemas import Message
from . import accounts
from .identity import COOKIE, Principal
from .limiter import LoginLimiter
from .middleware import cookie_header

auth_router = APIRouter(prefix="/api/auth", tags=["auth"])
users_router = APIRouter(prefix="/api", tags=["users"])

WRONG = "Wrong user name or password."  # the same sentence for an unknown name: no probing for names


class UserPublic(BaseModel):
    name: str
    is_admin: bool


class MePublic(BaseModel):
    mode: Literal["token", "users", "none"]
    user: UserPublic | None  # null: not signed in (and always in none mode)


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class LoginPublic(BaseModel):
    user: UserPublic


class UserCreate(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    is_admin: bool = False


class UserListed(BaseModel):
    name: str
    is_admin: bool
    created_at: datetime


class UsersPublic(BaseModel):
    data: list[UserListed]
    count: int


def _listed(row: UserRow) -> UserListed:
    return UserListed(name=row.name, is_admin=row.is_admin, created_at=row.created_at)


@auth_router.get("/me")
def me(user: CurrentUser) -> MePublic:
    """The server's mode and who this request signs in as (null when nobody, or in none mode)."""
    if user.mode == "none" or not user.signed_in:
        return MePublic(mode=user.mode, user=None)
    return MePublic(mode=user.mode, user=UserPublic(name=user.name or "", is_admin=user.is_admin))


def _needs_users_mode(user: Principal) -> None:
    if user.mode != "users":
        raise HTTPException(409, f"User accounts exist only in users mode (NETCANVAS_AUTH=users); this server "
                                 f"runs in {user.mode} mode.")


@auth_router.post("/login", responses={401: {"model": Message}, 409: {"model": Message},
                                       429: {"model": Message}})
async def login(body: LoginRequest, request: Request, response: Response, db: DbDep,
                user: CurrentUser) -> LoginPublic:
    """Sign in with a user name and password; sets the session cookie (HttpOnly, SameSite=Strict)."""
    _needs_users_mode(user)
    limiter = cast(LoginLimiter, request.app.state.login_limiter)
    wait = math.ceil(limiter.locked_for(body.username))
    if wait > 0:
        raise HTTPException(429, f"Too many wrong passwords for '{body.username}'; try again in {wait} s.",
                            headers={"Retry-After": str(wait)})

    def check() -> tuple[UserRow, str] | None:
        with db.session() as s:
            row = accounts.check_password(s, body.username, body.password)
            return None if row is None else (row, accounts.open_session(s, row))

    found = await run_in_threadpool(check)
    if found is None:
        limiter.failed(body.username)
        raise HTTPException(401, WRONG)
    limiter.succeeded(body.username)
    row, sid = found
    name, value = cookie_header(sid, request.url.scheme == "https")
    response.headers.append(name.decode(), value.decode())
    return LoginPublic(user=UserPublic(name=row.name, is_admin=row.is_admin))


@auth_router.post("/logout", status_code=204)
async def logout(request: Request, db: DbDep) -> Response:
    """End this session (its row is deleted) and clear the cookie; 204 even when signed out."""
    sid = request.cookies.get(COOKIE)
    if sid and request.app.state.settings.auth == "users":
        def close() -> None:
            with db.session() as s:
                accounts.close_session(s, sid)

        await run_in_threadpool(close)
    response = Response(status_code=204)
    name, value = cookie_header("", request.url.scheme == "https", max_age=0)
    response.headers.append(name.decode(), value.decode())
    return response


def require_admin(user: CurrentUser) -> Principal:
    _needs_users_mode(user)
    if not user.is_admin:
        raise HTTPException(403, "Only an admin can manage users.")
    return user


AdminUser = Annotated[Principal, Depends(require_admin)]
ADMIN_ERRORS: dict[int | str, dict[str, object]] = {403: {"model": Message}, 409: {"model": Message}}
UserName = Annotated[str, Path(min_length=1, max_length=64)]


@users_router.get("/users", responses=ADMIN_ERRORS)
def list_users(_admin: AdminUser, db: DbDep) -> UsersPublic:
    with db.session() as s:
        data = [_listed(r) for r in accounts.list_users(s)]
    return UsersPublic(data=data, count=len(data))


@users_router.post("/users", status_code=201, responses={**ADMIN_ERRORS, 422: {"model": Message}})
def create_user(body: UserCreate, _admin: AdminUser, db: DbDep) -> UserListed:
    try:
        with db.session() as s:
            return _listed(accounts.create_user(s, body.name, body.password, body.is_admin))
    except accounts.AccountError as err:
        raise HTTPException(err.status, err.message) from None


@users_router.delete("/users/{name}", status_code=204, responses={**ADMIN_ERRORS, 404: {"model": Message}})
def delete_user(name: UserName, _admin: AdminUser, db: DbDep, settings: SettingsDep) -> Response:
    """Remove a user and their sessions; their graphs, runs and uploads pass to the oldest admin."""
    try:
        with db.session() as s:
            accounts.remove_user(s, name, settings)
    except accounts.AccountError as err:
        raise HTTPException(err.status, err.message) from None
    return Response(status_code=204)
