"""`install(app, settings, db)`: the token, the first admin, the owner of old rows, the middleware
and the routes of the chosen mode, in one call from api/main.create_app."""

from __future__ import annotations

import ipaddress
import logging
import os

from fastapi import FastAPI

from ...config import Settings
from ...data import uploads
from ...store import repo
from ...store.db import Database
from . import accounts, credentials
from .limiter import LoginLimiter
from .middleware import AuthMiddleware
from .routes import auth_router, users_router

log = logging.getLogger("netcanvas.auth")

ADMIN_PASSWORD_ENV = "NETCANVAS_ADMIN_PASSWORD"
ADMIN_NAME_ENV = "NETCANVAS_ADMIN_NAME"  # default "admin"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind_problem(settings: Settings, host: str) -> str | None:
    """Why this server must not start (auth none on an address others can reach), else None."""
    if settings.auth == "none" and not is_loopback(host):
        return (f"NETCANVAS_AUTH=none (or --no-auth) lets anyone who reaches the port use the server, so it only "
                f"binds a loopback address (127.0.0.1, ::1, localhost), not '{host}'; use the token or users "
                "mode, or bind 127.0.0.1.")
    return None


def bootstrap_users(settings: Settings, db: Database) -> None:
    """Users mode at start-up: the first admin from NETCANVAS_ADMIN_PASSWORD when nobody exists yet,
    then graphs, runs and uploads without an owner go to the oldest admin (docs/security.md)."""
    with db.session() as s:
        password = os.environ.get(ADMIN_PASSWORD_ENV)
        if accounts.count_users(s) == 0 and password:
            name = os.environ.get(ADMIN_NAME_ENV) or "admin"
            try:
                accounts.create_user(s, name, password, is_admin=True)
            except accounts.AccountError as err:
                raise SystemExit(f"netcanvas: {ADMIN_PASSWORD_ENV}/{ADMIN_NAME_ENV}: {err.message}") from None
            log.warning("created the admin '%s' from %s", name, ADMIN_PASSWORD_ENV)
        admin = accounts.first_admin(s)
        if admin is None:
            log.warning("users mode without any admin: nobody can sign in; create one with "
                        "`netcanvas users add NAME --admin` or set %s", ADMIN_PASSWORD_ENV)
            return
        claimed = repo.claim_unowned(s, admin.id)
        claimed += len(uploads.set_owner(settings, None, admin.id))
        if claimed:
            log.warning("gave %d graph(s), run(s) and upload(s) without an owner to the admin '%s'",
                        claimed, admin.name)


def install(app: FastAPI, settings: Settings, db: Database) -> None:
    token = None
    if settings.auth == "token":
        token = settings.token or credentials.new_secret()
    elif settings.auth == "users":
        bootstrap_users(settings, db)
    app.state.auth_token = token  # `netcanvas serve` prints it as http://HOST:PORT/?token=…
    app.state.login_limiter = LoginLimiter()
    app.add_middleware(AuthMiddleware, mode=settings.auth, token=token, db=db)
    app.include_router(auth_router)
    app.include_router(users_router)
