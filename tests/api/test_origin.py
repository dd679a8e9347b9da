"""Host and Origin checks (api/origin.py): a foreign Host is 400, a cross-site change or websocket is
refused before the app sees it (so before any body is read), and docker compose publishes on
localhost unless told otherwise."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from api_factories import mlp_graph
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from live_server import serve
from netcanvas.api.main import create_app
from netcanvas.api.origin import HostPolicy, OriginMiddleware, split_host
from netcanvas.config import REPO_ROOT, Settings

SERVER = "http://127.0.0.1:8000"  # as a browser on this machine addresses `netcanvas serve`
EVIL = {"origin": "http://evil.example"}


def table_csv(rows: int = 60) -> bytes:
    return ("a,b,label\n" + "".join(f"{i % 7},{(i * 3) % 5},{'yes' if i % 2 else 'no'}\n"
                                    for i in range(rows))).encode()


def make(tmp_path: Path, base_url: str = SERVER, **kw: object) -> TestClient:
    kw.setdefault("auth", "none")
    settings = Settings(data_dir=tmp_path / "store", frontend_dist=tmp_path / "no-frontend", **kw)
    return TestClient(create_app(settings), base_url=base_url)


@pytest.fixture
def web(tmp_path: Path) -> Iterator[TestClient]:
    with make(tmp_path) as c:
        yield c


def upload_ids(client: TestClient) -> set[str]:
    r = client.get("/api/datasets")
    assert r.status_code == 200, r.text
    return {d["id"] for d in r.json()["data"]}


# --- Origin -----------------------------------------------------------------------------------------

def test_a_foreign_origin_upload_is_refused_and_creates_nothing(web: TestClient, tmp_path: Path) -> None:
    before = upload_ids(web)
    r = web.post("/api/datasets", files={"file": ("t.csv", io.BytesIO(table_csv()))}, headers=EVIL)
    assert r.status_code == 403, r.text
    assert r.json()["detail"].startswith("Cross-site request from 'http://evil.example' refused: ")
    assert "NETCANVAS_ALLOWED_HOSTS" in r.json()["detail"]
    assert upload_ids(web) == before
    uploads = tmp_path / "store" / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())  # not even a partial file


def test_a_same_origin_upload_and_one_without_origin_are_served(web: TestClient) -> None:
    before = upload_ids(web)
    r = web.post("/api/datasets", files={"file": ("t.csv", io.BytesIO(table_csv()))},
                 headers={"origin": SERVER, "sec-fetch-site": "same-origin"})
    assert r.status_code == 201, r.text
    r2 = web.post("/api/datasets", files={"file": ("u.csv", io.BytesIO(table_csv()))})  # curl, scripts
    assert r2.status_code == 201, r2.text
    assert upload_ids(web) - before == {r.json()["id"], r2.json()["id"]}


def test_a_foreign_model_import_is_refused_and_nothing_is_parsed(web: TestClient) -> None:
    r = web.post("/api/models/import", files={"file": ("m.h5", b"\x89HDF\r\n\x1a\n" + b"\x01" * 500)},
                 headers=EVIL)
    assert r.status_code == 403, r.text
    assert web.get("/api/runs").json()["count"] == 0
    # the same bytes from the server's own page reach the importer (which refuses them itself)
    r = web.post("/api/models/import", files={"file": ("m.h5", b"\x89HDF\r\n\x1a\n" + b"\x01" * 500)},
                 headers={"origin": SERVER})
    assert r.status_code == 422 and "m.h5" in r.json()["detail"]


def test_foreign_put_and_delete_are_refused_and_change_nothing(web: TestClient) -> None:
    created = web.post("/api/graphs", json={"graph": mlp_graph("g")}, headers={"origin": SERVER})
    assert created.status_code == 201, created.text
    gid = created.json()["id"]
    assert web.delete(f"/api/graphs/{gid}", headers=EVIL).status_code == 403
    assert web.put(f"/api/graphs/{gid}", json={"graph": mlp_graph("pwned")},
                   headers=EVIL).status_code == 403
    r = web.get(f"/api/graphs/{gid}", headers=EVIL)  # a GET from anywhere is served: it changes nothing
    assert r.status_code == 200 and r.json()["name"] == "g"
    assert web.delete(f"/api/graphs/{gid}", headers={"origin": SERVER}).status_code == 204


@pytest.mark.parametrize("origin", [
    "http://evil.example", "null", "http://127.0.0.1:8000.evil.example", "http://127.0.0.1@evil.example",
    "https://evil.example:8000", "http://8.8.8.8:8000", "file://", "garbage", "http://[::1",
])
def test_origins_that_are_not_the_server_are_refused(web: TestClient, origin: str) -> None:
    r = web.post("/api/graphs/validate", json={"graph": mlp_graph()}, headers={"origin": origin})
    assert r.status_code == 403, (origin, r.text)
    assert r.json()["detail"].startswith("Cross-site request from '")


@pytest.mark.parametrize("origin", [
    "http://127.0.0.1:8000", "http://127.0.0.1:8000/", "HTTP://127.0.0.1:8000",
    "http://localhost:5173",  # the Vite dev server, which proxies /api with changeOrigin
    "http://[::1]:3000",
])
def test_own_and_loopback_origins_are_served(web: TestClient, origin: str) -> None:
    r = web.post("/api/graphs/validate", json={"graph": mlp_graph()}, headers={"origin": origin})
    assert r.status_code == 200, (origin, r.text)


def test_without_origin_a_browser_marked_cross_site_request_is_refused(web: TestClient) -> None:
    r = web.post("/api/graphs/validate", json={"graph": mlp_graph()}, headers={"sec-fetch-site": "cross-site"})
    assert r.status_code == 403 and "Sec-Fetch-Site: cross-site" in r.json()["detail"]
    for site in ("same-origin", "none", "same-site"):
        r = web.post("/api/graphs/validate", json={"graph": mlp_graph()}, headers={"sec-fetch-site": site})
        assert r.status_code == 200, (site, r.text)


def test_an_origin_is_own_when_it_matches_the_host_a_proxy_forwards(tmp_path: Path) -> None:
    with make(tmp_path, base_url="http://lab.example.org", allowed_hosts=["lab.example.org"]) as c:
        r = c.post("/api/graphs/validate", json={"graph": mlp_graph()}, headers={"origin": "https://lab.example.org"})
        assert r.status_code == 200, r.text


def test_star_opens_the_host_check_but_not_the_origin_check(tmp_path: Path) -> None:
    with make(tmp_path, base_url="http://anything.example", allowed_hosts=["*"]) as c:
        assert c.get("/api/health").status_code == 200
        assert c.post("/api/graphs/validate", json={"graph": mlp_graph()}, headers=EVIL).status_code == 403
        own = c.post("/api/graphs/validate", json={"graph": mlp_graph()},
                     headers={"origin": "http://anything.example"})
        assert own.status_code == 200


def test_an_origin_on_a_listed_name_is_served(tmp_path: Path) -> None:
    with make(tmp_path, allowed_hosts=["tools.example.org", "*.uni.example"]) as c:
        for origin in ("https://tools.example.org", "http://a.b.uni.example:9000", "https://uni.example"):
            r = c.post("/api/graphs/validate", json={"graph": mlp_graph()}, headers={"origin": origin})
            assert r.status_code == 200, (origin, r.text)
        r = c.post("/api/graphs/validate", json={"graph": mlp_graph()}, headers={"origin": "http://evil-uni.example"})
        assert r.status_code == 403


# --- Host ---------------------------------------------------------------------------------------------

def test_a_foreign_host_is_400_with_the_fix(web: TestClient) -> None:
    for method, path in (("GET", "/api/health"), ("GET", "/"), ("POST", "/api/graphs/validate")):
        r = web.request(method, path, headers={"host": "evil.example:8000"})
        assert r.status_code == 400, (path, r.text)
        assert r.json() == {"detail": "Host 'evil.example' is not one this server is served under; "
                                      "add it to NETCANVAS_ALLOWED_HOSTS."}


@pytest.mark.parametrize("host", [
    "localhost:8000", "127.0.0.1", "[::1]:8000", "LOCALHOST.", "192.168.1.10:8000", "[fe80::1]:8000",
])
def test_loopback_names_and_ip_addresses_are_served(web: TestClient, host: str) -> None:
    assert web.get("/api/health", headers={"host": host}).status_code == 200, host


@pytest.mark.parametrize("host", ["localhost.evil.example", "127.0.0.1.nip.io", "evil.example:x", "[::1", ""])
def test_names_that_merely_look_local_are_refused(web: TestClient, host: str) -> None:
    assert web.get("/api/health", headers={"host": host}).status_code == 400, host


def test_allowed_hosts_and_the_configured_host_are_served(tmp_path: Path) -> None:
    with make(tmp_path, host="workstation.local",
              allowed_hosts=["lab.example.org", "https://Tools.Example.Org:8443/", "*.uni.example"]) as c:
        for host in ("lab.example.org", "lab.example.org:8000", "tools.example.org", "workstation.local:8000",
                     "gpu1.cs.uni.example", "uni.example"):
            assert c.get("/api/health", headers={"host": host}).status_code == 200, host
        for host in ("other.example.org", "notuni.example", "example.org"):
            assert c.get("/api/health", headers={"host": host}).status_code == 400, host


def test_the_testclient_name_is_the_servers_own_address(tmp_path: Path) -> None:
    """Host equal to the address the connection arrived on (ASGI scope["server"]) is served: that is
    how every other test's TestClient ("testserver") reaches the app."""
    with make(tmp_path, base_url="http://testserver") as c:
        assert c.get("/api/health").status_code == 200
        assert c.get("/api/health", headers={"host": "evil.example"}).status_code == 400


def test_the_checks_come_before_authentication(tmp_path: Path) -> None:
    """A foreign Host or Origin is told so (400/403), not asked to sign in (401): the middleware is
    the outermost, so the auth layer never sees the request."""
    with make(tmp_path, auth="token", token="t" * 32) as c:
        assert c.get("/api/runs").status_code == 401  # the auth layer is there
        assert c.get("/api/runs", headers={"host": "evil.example"}).status_code == 400
        assert c.post("/api/graphs/validate", json={"graph": mlp_graph()}, headers=EVIL).status_code == 403
        bearer = {"authorization": "Bearer " + "t" * 32}
        assert c.post("/api/graphs/validate", json={"graph": mlp_graph()},
                      headers={**bearer, **EVIL}).status_code == 403  # a token does not excuse a foreign page
        assert c.post("/api/graphs/validate", json={"graph": mlp_graph()},
                      headers={**bearer, "origin": SERVER}).status_code == 200


# --- websocket ----------------------------------------------------------------------------------------

def closed_with(client: TestClient, headers: dict[str, str] | dict[str, bytes]) -> WebSocketDisconnect:
    """How the stream of a run that does not exist ends for a watcher sending these headers."""
    with pytest.raises(WebSocketDisconnect) as err, client.websocket_connect("/api/runs/nope/stream",
                                                                             headers=headers) as ws:
        ws.receive_json()
    return err.value


def test_a_foreign_websocket_is_closed_before_it_is_accepted(web: TestClient) -> None:
    closed = closed_with(web, EVIL)
    assert closed.code == 4403 and "Cross-site websocket from 'http://evil.example'" in closed.reason


def test_a_foreign_host_websocket_is_closed(web: TestClient) -> None:
    assert closed_with(web, {"host": "evil.example", "origin": SERVER}).code == 4400


@pytest.mark.parametrize("headers", [{"origin": SERVER}, {}])
def test_a_same_origin_websocket_reaches_the_stream(web: TestClient, headers: dict[str, str]) -> None:
    # accepted by the stream route, which then says the run does not exist (4404), not the origin check
    assert closed_with(web, headers).code == 4404


# --- the middleware alone -----------------------------------------------------------------------------

def test_a_refusal_never_reads_the_body_nor_calls_the_app() -> None:
    async def app(scope, receive, send):  # pragma: no cover - must not run
        raise AssertionError("the app was called")

    async def receive():  # pragma: no cover - must not run
        raise AssertionError("the body was read")

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    mw = OriginMiddleware(app, HostPolicy.from_settings("127.0.0.1", []))
    scope = {"type": "http", "method": "POST", "path": "/api/datasets", "server": ("127.0.0.1", 8000),
             "headers": [(b"host", b"127.0.0.1:8000"), (b"origin", b"http://evil.example"),
                         (b"content-type", b"multipart/form-data; boundary=x"), (b"content-length", b"999999999")]}
    asyncio.run(mw(scope, receive, send))
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 403
    assert b"Cross-site request from 'http://evil.example'" in sent[1]["body"]


def test_split_host() -> None:
    assert split_host("Example.ORG:8080") == ("example.org", 8080)
    assert split_host("[::1]:8000") == ("::1", 8000)
    assert split_host("::1") == ("::1", None)
    assert split_host("localhost.") == ("localhost", None)
    for bad in ("a:b", "[::1", "[::1]x", "a b", "evil.example/x", "a:99999", ""):
        assert split_host(bad) is None, bad


# --- docker compose -----------------------------------------------------------------------------------

def _interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} (an unset required variable fails)."""
    def sub(m: re.Match[str]) -> str:
        name, op, arg = m.group(1), m.group(2), m.group(3) or ""
        value = env.get(name, "")
        if op == ":-":
            return value or arg
        if op == ":?" and not value:
            raise KeyError(f"{name}: {arg}")
        return value
    return re.sub(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}", sub, text)


def _compose(env: dict[str, str]) -> dict:
    """The file as compose reads it: YAML first, then variables substituted in each string value."""
    def walk(node: object) -> object:
        if isinstance(node, str):
            return _interpolate(node, env)
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        return node
    loaded = walk(yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text()))
    assert isinstance(loaded, dict)
    return loaded


def test_compose_publishes_on_localhost_with_accounts_on(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(KeyError, match="NETCANVAS_ADMIN_PASSWORD"):
        _compose({})  # no first-admin password, no start
    api = _compose({"NETCANVAS_ADMIN_PASSWORD": "s3cret"})["services"]["api"]
    assert api["ports"] == ["127.0.0.1:8000:8000"]
    assert api["environment"]["NETCANVAS_AUTH"] == "users"
    assert api["environment"]["NETCANVAS_ADMIN_PASSWORD"] == "s3cret"
    assert api["environment"]["NETCANVAS_ADMIN_NAME"] == "admin"
    assert "ports" not in _compose({"NETCANVAS_ADMIN_PASSWORD": "x"})["services"]["db"]  # never published
    # the allowed hosts parse as Settings reads them
    monkeypatch.setenv("NETCANVAS_ALLOWED_HOSTS", api["environment"]["NETCANVAS_ALLOWED_HOSTS"])
    assert Settings().allowed_hosts == []


def test_compose_opens_to_the_network_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"NETCANVAS_ADMIN_PASSWORD": "x", "NETCANVAS_BIND": "0.0.0.0", "NETCANVAS_PORT": "9000",
           "NETCANVAS_ALLOWED_HOSTS": '["lab.example.org"]'}
    api = _compose(env)["services"]["api"]
    assert api["ports"] == ["0.0.0.0:9000:8000"]
    assert api["environment"]["NETCANVAS_AUTH"] == "users"  # opening the port never turns accounts off
    monkeypatch.setenv("NETCANVAS_ALLOWED_HOSTS", api["environment"]["NETCANVAS_ALLOWED_HOSTS"])
    assert Settings().allowed_hosts == ["lab.example.org"]


# --- a real server --------------------------------------------------------------------------------

def test_a_real_server_refuses_foreign_hosts_origins_and_websockets(tmp_path: Path) -> None:
    """What uvicorn makes of it: the refused handshake is an HTTP 403, never an open socket."""
    env = {"NETCANVAS_FRONTEND_DIST": str(tmp_path / "no-frontend"), "NETCANVAS_AUTH": "none"}
    with serve(tmp_path, env, args=("--log-level", "warning")) as base, httpx.Client(base_url=base) as c:
        assert c.get("/api/health", headers={"host": "evil.example"}).status_code == 400
        r = c.post("/api/datasets", files={"file": ("t.csv", table_csv())}, headers=EVIL)
        assert r.status_code == 403 and r.json()["detail"].startswith("Cross-site request from")
        assert c.post("/api/datasets", files={"file": ("t.csv", table_csv())},
                      headers={"origin": base}).status_code == 201
        ws_url = base.replace("http://", "ws://") + "/api/runs/nope/stream"
        with pytest.raises(InvalidStatus) as refused, connect(ws_url, origin="http://evil.example", open_timeout=10):
            pass
        assert refused.value.response.status_code == 403
        with connect(ws_url, origin=base, open_timeout=10) as ws, pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404


def test_a_long_foreign_origin_still_closes_the_websocket_cleanly(web: TestClient) -> None:
    closed = closed_with(web, {"origin": ("http://" + "é" * 300 + ".example").encode("latin-1")})
    assert closed.code == 4403 and len(closed.reason.encode()) <= 123
