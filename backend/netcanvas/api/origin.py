"""Host and Origin checks: a web page on another site cannot drive this server (docs/security.md).

Two attacks, two checks, both in one pure ASGI middleware that answers before the app (and so
before any body is read — a hostile multipart upload is refused unparsed):

- **DNS rebinding.** A page at http://evil.example re-points its name at 127.0.0.1; the browser
  then treats the API as same-origin with the page. The request still says `Host: evil.example`,
  so every request (HTTP and websocket) must name the server by one of the names it is served
  under: localhost, 127.0.0.1, ::1, `Settings.host`, `Settings.allowed_hosts` ("*" any,
  "*.example.org" a domain and its subdomains), the address the connection arrived on, or any IP
  address (rebinding needs a name: a Host that is an IP literal was typed by whoever connected).
  Refused: 400.
- **Cross-site requests** (CSRF, and websockets, which browsers open across origins without
  CORS). A state-changing request (POST, PUT, PATCH, DELETE) or a websocket handshake whose
  `Origin` is not the server's own — its host:port equal to the request's Host, or its host one
  of the names above (so the Vite dev server on localhost:5173 works) — is refused: 403, or the
  websocket closed before it is accepted (4403). Without `Origin` (curl, scripts, the CLI) a
  request passes unless the browser marked it `Sec-Fetch-Site: cross-site`. GET, HEAD and OPTIONS pass:
  they change nothing, and a foreign page cannot read their answers (no CORS headers).

"*" in allowed_hosts opens the Host check only; an Origin must still be the server's own or a
listed name, or the cross-site check would be gone with it.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ..config import Settings

log = logging.getLogger("netcanvas.api.origin")

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
ALL_INTERFACES = frozenset({"0.0.0.0", "::", ""})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})  # change nothing (OPTIONS: a CORS preflight; no route answers it)
DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}
# A refused websocket's close code: 4000 + the status an HTTP request would get (as stream.py's 4404).
WS_CLOSE = {400: 4400, 403: 4403}
_SHOWN = 120  # characters of a refused Host or Origin quoted back


def split_host(value: str) -> tuple[str, int | None] | None:
    """"name[:port]" or "[v6]:port" → (lower-case name without brackets or a trailing dot, port);
    None when it is not a host."""
    value = value.strip().lower()
    port: int | None = None
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[1:end], value[end + 1:]
        if rest:
            if not rest.startswith(":") or not rest[1:].isdigit():
                return None
            port = int(rest[1:])
    else:
        name, sep, port_text = value.rpartition(":")
        if not sep:
            name = port_text
        elif ":" in name:  # a bare IPv6 address (no brackets, so no port)
            name = value
        elif port_text.isdigit():
            port = int(port_text)
        else:
            return None
    name = name.rstrip(".")
    if not name or any(c.isspace() or c in "/\\@?#" for c in name) or (port is not None and port > 65535):
        return None
    return name, port


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _entry_name(entry: str) -> str:
    """An allowed_hosts entry as a bare name: a scheme, a path or a port written with it are dropped."""
    entry = entry.strip().lower()
    if "://" in entry:
        entry = urlsplit(entry).netloc
    if entry.startswith("*."):
        return entry
    parsed = split_host(entry.split("/", 1)[0])
    return parsed[0] if parsed else entry


@dataclass(frozen=True)
class HostPolicy:
    """The names this server is served under (module docstring)."""

    names: frozenset[str]
    domains: tuple[str, ...] = ()  # from "*.example.org": example.org and its subdomains
    any_host: bool = False  # "*" in allowed_hosts

    @classmethod
    def from_settings(cls, host: str, allowed_hosts: Iterable[str]) -> HostPolicy:
        names = set(LOOPBACK_NAMES)
        if host.strip("[]") not in ALL_INTERFACES:
            names.add(_entry_name(host))
        domains: list[str] = []
        any_host = False
        for entry in allowed_hosts:
            name = _entry_name(entry)
            if name == "*":
                any_host = True
            elif name.startswith("*."):
                domains.append(name[2:].rstrip("."))
            elif name:
                names.add(name)
        return cls(frozenset(names), tuple(domains), any_host)

    def names_server(self, name: str) -> bool:
        """A name listed for this server (not "*", not any IP): what an Origin's host may be."""
        return name in self.names or any(name == d or name.endswith("." + d) for d in self.domains)

    def allows_host(self, name: str, server_name: str | None) -> bool:
        return self.any_host or self.names_server(name) or name == server_name or _is_ip(name)


def _header(scope: Scope, key: bytes) -> str | None:
    for k, v in scope.get("headers", ()):
        if k == key:
            return str(v.decode("latin-1"))
    return None


def _quoted(value: str) -> str:
    return value if len(value) <= _SHOWN else value[:_SHOWN] + "…"


class OriginMiddleware:
    """Refuses foreign Hosts (400) and cross-site changes and websockets (403 / close 4403)."""

    def __init__(self, app: ASGIApp, policy: HostPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        refusal = self.bad_host(scope) or self.cross_site(scope)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        status, detail = refusal
        log.warning("refused %s %s: %s", scope.get("method", "websocket"), scope.get("path", ""), detail)
        if kind == "websocket":
            await receive()  # websocket.connect
            reason = detail.encode()[:123].decode(errors="ignore")  # a close frame holds 123 bytes of it
            await send({"type": "websocket.close", "code": WS_CLOSE[status], "reason": reason})
            return
        body = json.dumps({"detail": detail}).encode()
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    def bad_host(self, scope: Scope) -> tuple[int, str] | None:
        host = _header(scope, b"host")
        if host is None:  # no browser omits it: nothing to rebind
            return None
        parsed = split_host(host)
        server = scope.get("server")
        server_name = str(server[0]).lower() if server else None
        if parsed is not None and self.policy.allows_host(parsed[0], server_name):
            return None
        shown = parsed[0] if parsed else host
        return 400, (f"Host '{_quoted(shown)}' is not one this server is served under; "
                     "add it to NETCANVAS_ALLOWED_HOSTS.")

    def cross_site(self, scope: Scope) -> tuple[int, str] | None:
        if scope["type"] == "http" and scope.get("method", "GET").upper() in SAFE_METHODS:
            return None
        origin = _header(scope, b"origin")
        if origin is None:
            if (_header(scope, b"sec-fetch-site") or "").strip().lower() != "cross-site":
                return None  # curl, scripts, the CLI
            source = "a page on another site (Sec-Fetch-Site: cross-site)"
        elif self.own_origin(origin, scope):
            return None
        else:
            source = f"'{_quoted(origin)}'"
        what = "websocket" if scope["type"] == "websocket" else "request"
        return 403, (f"Cross-site {what} from {source} refused: only this server's own pages may change "
                     "it or watch its runs. To use it from a page served under another name, add that "
                     "name to NETCANVAS_ALLOWED_HOSTS.")

    def own_origin(self, origin: str, scope: Scope) -> bool:
        """The Origin names this server: its host:port equal to the request's Host, or its host a
        listed name ("*" aside). "null" (sandboxed frames, file: pages) is nobody's own."""
        try:
            parts = urlsplit(origin.strip())
            port = parts.port
        except ValueError:
            return False
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/") or parts.username:
            return False
        name = parts.hostname.lower().rstrip(".")
        if self.policy.names_server(name):
            return True
        host = _header(scope, b"host")
        if host is not None:
            own = split_host(host)
        else:
            server = scope.get("server")
            own = (str(server[0]).lower(), int(server[1])) if server else None
        if own is None:
            return False
        default = DEFAULT_PORTS[scheme]
        return (name, port or default) == (own[0], own[1] or default)


def install_origin_checks(app: FastAPI, settings: Settings) -> None:
    """Add the middleware (call it after every other add_middleware: the last added runs first, so
    a foreign Host or Origin is answered before authentication or any route) and say once at
    start-up what an all-interfaces bind accepts."""
    policy = HostPolicy.from_settings(settings.host, settings.allowed_hosts)
    if settings.host.strip("[]") in ALL_INTERFACES and not settings.allowed_hosts:
        log.warning(
            "serving on all interfaces (%s) with NETCANVAS_ALLOWED_HOSTS empty: requests that name "
            "this server by an IP address or localhost are served; one that names it by a host name "
            "is refused until that name is listed, e.g. NETCANVAS_ALLOWED_HOSTS='[\"lab.example.org\"]'",
            settings.host,
        )
    app.add_middleware(OriginMiddleware, policy=policy)
