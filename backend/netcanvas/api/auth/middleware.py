"""A pure ASGI middleware (HTTP and websocket): finds the caller and refuses /api without credentials.

Credentials, in this order: `Authorization: Bearer <secret>`, the `netcanvas_session` cookie, and
`?token=` (token mode only). The secret is the server's token in token mode, a session id in users
mode. Open without credentials: /api/health, /api/auth/*, and everything outside /api (the front
end), so the sign-in page can load. In token mode, a page visited with a valid `?token=` sets the
cookie and is redirected to the same URL without it (as Jupyter does), so the token leaves the
address bar and the history.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

from anyio import to_thread
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from ...store.db import Database
from . import accounts, credentials
from .identity import COOKIE, SCOPE_KEY, TOKEN_MODE_NAME, Mode, Principal

OPEN = ("/api/health", "/api/auth/")
UNAUTHORIZED_WS = 4401  # 4000 + HTTP 401: a websocket close code the front end can tell apart
WS_SENTENCE = "Sign in first: the session cookie, 'Authorization: Bearer …' or ?token=… (token mode)."
MAX_AGE_S = accounts.SESSION_DAYS * 24 * 3600


def sign_in_sentence(mode: Mode) -> str:
    if mode == "token":
        return ("Sign in: open the address with ?token=… that `netcanvas serve` printed, or send "
                "'Authorization: Bearer <token>'.")
    return "Sign in: POST /api/auth/login with your user name and password (the canvas's sign-in page)."


def cookie_header(value: str, secure: bool, max_age: int = MAX_AGE_S) -> tuple[bytes, bytes]:
    """Set-Cookie for the session: HttpOnly (no script reads it), SameSite=Strict (no other site's
    request carries it), Path=/; Secure when served over https."""
    parts = [f"{COOKIE}={value}", "HttpOnly", "SameSite=Strict", "Path=/", f"Max-Age={max_age}"]
    if secure:
        parts.append("Secure")
    return b"set-cookie", "; ".join(parts).encode("latin-1")


def is_protected(path: str) -> bool:
    return (path == "/api" or path.startswith("/api/")) and not path.startswith(OPEN)


class AuthMiddleware:
    def __init__(self, app: ASGIApp, mode: Mode, token: str | None, db: Database):
        self.app = app
        self.mode = mode
        self.token = token
        self.db = db

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        principal = await self._principal(scope)
        scope[SCOPE_KEY] = principal
        path: str = scope.get("path", "")
        if not principal.signed_in and is_protected(path):
            if scope["type"] == "websocket":
                await _close_websocket(receive, send, WS_SENTENCE)
            else:
                await _unauthorized(send, sign_in_sentence(self.mode))
            return
        query = self._query_token(scope)
        if query and self.token and scope["type"] == "http" and scope.get("method") == "GET" \
                and not path.startswith("/api") and credentials.same(query, self.token):
            await self._redirect_without_token(scope, send)
            return
        await self.app(scope, receive, send)

    # -- finding the caller ---------------------------------------------------------------------

    async def _principal(self, scope: Scope) -> Principal:
        if self.mode == "none":
            return Principal(mode="none", signed_in=True)
        secrets_given = _secrets(scope)
        if self.mode == "token":
            query = self._query_token(scope)
            for given in [*secrets_given, *([query] if query else [])]:
                if self.token is not None and credentials.same(given, self.token):
                    return Principal(mode="token", signed_in=True, name=TOKEN_MODE_NAME)
            return Principal(mode="token", signed_in=False)
        for given in secrets_given:
            found = await to_thread.run_sync(self._session_user, given)
            if found is not None:
                return Principal(mode="users", signed_in=True, user_id=found.user_id, name=found.name,
                                 is_admin=found.is_admin)
        return Principal(mode="users", signed_in=False)

    def _session_user(self, sid: str) -> accounts.SignedIn | None:
        with self.db.session() as s:
            return accounts.session_user(s, sid)

    def _query_token(self, scope: Scope) -> str | None:
        if self.mode != "token":
            return None
        query = scope.get("query_string", b"").decode("latin-1")
        return next((v for k, v in parse_qsl(query) if k == "token"), None)

    async def _redirect_without_token(self, scope: Scope, send: Send) -> None:
        query = scope.get("query_string", b"").decode("latin-1")
        rest = urlencode([(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "token"])
        location = (scope.get("root_path", "") + scope.get("path", "/")) + (f"?{rest}" if rest else "")
        assert self.token is not None
        await send({"type": "http.response.start", "status": 302, "headers": [
            (b"location", location.encode("latin-1")), cookie_header(self.token, scope.get("scheme") == "https"),
            (b"cache-control", b"no-store"), (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})


def _secrets(scope: Scope) -> list[str]:
    headers = Headers(scope=scope)
    found = []
    auth = headers.get("authorization", "")
    if auth[:7].lower() == "bearer " and auth[7:].strip():
        found.append(auth[7:].strip())
    raw = headers.get("cookie")
    if raw:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(raw)
        except Exception:  # noqa: BLE001  (a malformed Cookie header is no credential, not a 500)
            jar = SimpleCookie()
        if COOKIE in jar and jar[COOKIE].value:
            found.append(jar[COOKIE].value)
    return found


async def _unauthorized(send: Send, sentence: str) -> None:
    import json

    body = json.dumps({"detail": sentence}).encode()
    await send({"type": "http.response.start", "status": 401, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"www-authenticate", b"Bearer")]})
    await send({"type": "http.response.body", "body": body})


async def _close_websocket(receive: Receive, send: Send, sentence: str) -> None:
    """Accept, then close with 4401 and the sentence: a close before accept reaches a browser as a
    bare HTTP 403 without the reason."""
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": UNAUTHORIZED_WS, "reason": sentence})


__all__: list[str] = ["AuthMiddleware", "cookie_header", "is_protected", "sign_in_sentence"]
