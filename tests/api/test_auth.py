"""NETCANVAS_AUTH end to end through the app: token, users and none modes (docs/security.md)."""

from __future__ import annotations

import pytest
from api_factories import mlp_graph, run_request
from auth_helpers import PASSWORD, client_for, settings_for, sign_in
from starlette.websockets import WebSocketDisconnect

from netcanvas.api.auth.limiter import LoginLimiter
from netcanvas.api.auth.setup import ADMIN_PASSWORD_ENV

TOKEN = "t0ken-for-the-tests-0123456789abcdef"
PROTECTED = [("get", "/api/runs"), ("get", "/api/graphs"), ("get", "/api/datasets"), ("get", "/api/layers"),
             ("get", "/api/runs/abc/artifacts/model.pt"), ("post", "/api/graphs/validate"),
             ("delete", "/api/runs/abc"), ("get", "/api/openapi.json")]


def _refused_ws(client, path: str) -> tuple[int, str]:
    with pytest.raises(WebSocketDisconnect) as err, client.websocket_connect(path) as ws:
        ws.receive_json()
    return err.value.code, err.value.reason


# -- token mode ---------------------------------------------------------------------------------


@pytest.fixture
def token_client(tmp_path):
    with client_for(settings_for(tmp_path, "token", token=TOKEN)) as c:
        yield c


def test_token_mode_refuses_every_api_route_without_the_token(token_client):
    for method, path in PROTECTED:
        r = getattr(token_client, method)(path)
        assert r.status_code == 401, (method, path, r.status_code)
        assert r.json()["detail"].startswith("Sign in: ") and "token" in r.json()["detail"]
        assert r.headers["www-authenticate"] == "Bearer"
    bad = token_client.get("/api/runs", headers={"Authorization": "Bearer not-the-token-at-all-0000000"})
    assert bad.status_code == 401
    assert token_client.get("/api/runs", headers={"Cookie": "netcanvas_session=wrong"}).status_code == 401
    # open: health, the auth routes and the front end
    assert token_client.get("/api/health").status_code == 200
    assert token_client.get("/api/auth/me").json() == {"mode": "token", "user": None}
    assert token_client.get("/").status_code == 200


def test_token_mode_websocket_needs_the_token(token_client):
    run_id = token_client.post("/api/runs", json=run_request(), headers={"Authorization": f"Bearer {TOKEN}"}).json()["id"]
    code, reason = _refused_ws(token_client, f"/api/runs/{run_id}/stream")
    assert code == 4401 and "Sign in" in reason
    with token_client.websocket_connect(f"/api/runs/{run_id}/stream?token={TOKEN}") as ws:
        assert ws.receive_json()["type"] == "status"
    with token_client.websocket_connect(f"/api/runs/{run_id}/stream",
                                        headers={"Authorization": f"Bearer {TOKEN}"}) as ws:
        assert ws.receive_json()["type"] == "status"


def test_token_in_the_address_sets_the_cookie_and_redirects_without_it(token_client):
    r = token_client.get(f"/runs/abc?token={TOKEN}&tab=log", follow_redirects=False)
    assert r.status_code == 302
    assert r.headers["location"] == "/runs/abc?tab=log"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"netcanvas_session={TOKEN};")
    for flag in ("HttpOnly", "SameSite=Strict", "Path=/"):
        assert flag in cookie
    # the client keeps the cookie: the API answers now, and /me says who
    assert token_client.get("/api/runs").status_code == 200
    assert token_client.get("/api/auth/me").json() == {"mode": "token", "user": {"name": "local", "is_admin": False}}
    # a wrong token in the address is no redirect and no cookie
    token_client.cookies.clear()
    r = token_client.get("/?token=wrong", follow_redirects=False)
    assert r.status_code == 200 and "set-cookie" not in r.headers


def test_bearer_token_works_and_each_start_makes_a_new_random_token(token_client, tmp_path):
    ok = token_client.get("/api/runs", headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 200 and ok.json()["count"] == 0
    tokens = set()
    for i in range(2):
        app = client_for(settings_for(tmp_path / str(i), "token")).app
        tokens.add(app.state.auth_token)
    assert len(tokens) == 2 and all(len(t) >= 43 for t in tokens)  # 32 random bytes, URL-safe


def test_users_routes_say_they_need_users_mode(token_client):
    r = token_client.get("/api/users", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 409 and "NETCANVAS_AUTH=users" in r.json()["detail"]
    r = token_client.post("/api/auth/login", json={"username": "a", "password": "b"})
    assert r.status_code == 409


# -- none mode ----------------------------------------------------------------------------------


def test_none_mode_needs_nothing(tmp_path):
    with client_for(settings_for(tmp_path, "none")) as c:
        assert c.get("/api/runs").status_code == 200
        assert c.get("/api/auth/me").json() == {"mode": "none", "user": None}
        graph = c.post("/api/graphs", json={"graph": mlp_graph()}).json()
        assert c.get(f"/api/graphs/{graph['id']}").status_code == 200


# -- users mode ---------------------------------------------------------------------------------


@pytest.fixture
def users_client(tmp_path, monkeypatch):
    monkeypatch.setenv(ADMIN_PASSWORD_ENV, PASSWORD)
    with client_for(settings_for(tmp_path, "users")) as c:
        yield c


def test_users_mode_refuses_without_a_session(users_client):
    for method, path in PROTECTED:
        r = getattr(users_client, method)(path)
        assert r.status_code == 401, (method, path)
        assert "POST /api/auth/login" in r.json()["detail"]
    assert users_client.get("/api/auth/me").json() == {"mode": "users", "user": None}
    code, _ = _refused_ws(users_client, "/api/runs/abc/stream")
    assert code == 4401


def test_login_logout_and_wrong_password(users_client):
    r = users_client.post("/api/auth/login", json={"username": "admin", "password": "wrong password"})
    assert r.status_code == 401 and r.json()["detail"] == "Wrong user name or password."
    r = users_client.post("/api/auth/login", json={"username": "nobody", "password": PASSWORD})
    assert r.status_code == 401 and r.json()["detail"] == "Wrong user name or password."
    assert "set-cookie" not in r.headers
    r = users_client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    assert r.status_code == 200 and r.json() == {"user": {"name": "admin", "is_admin": True}}
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    sid = users_client.cookies["netcanvas_session"]
    assert users_client.get("/api/runs").status_code == 200
    assert users_client.get("/api/auth/me").json()["user"] == {"name": "admin", "is_admin": True}
    # the session id also works as a Bearer token (scripts)
    users_client.cookies.clear()
    assert users_client.get("/api/graphs").status_code == 401
    assert users_client.get("/api/graphs", headers={"Authorization": f"Bearer {sid}"}).status_code == 200
    users_client.cookies.set("netcanvas_session", sid)
    r = users_client.post("/api/auth/logout")
    assert r.status_code == 204 and "Max-Age=0" in r.headers["set-cookie"]
    users_client.cookies.clear()
    assert users_client.get("/api/runs").status_code == 401
    # the session is gone from the server, not just from this client
    assert users_client.get("/api/runs", headers={"Authorization": f"Bearer {sid}"}).status_code == 401


def test_sessions_are_stored_hashed(users_client):
    from netcanvas.store.models import SessionRow

    sign_in(users_client, "admin")
    sid = users_client.cookies["netcanvas_session"]
    with users_client.app.state.db.session() as s:
        stored = [r.id_hash for r in s.query(SessionRow).all()]
    assert len(stored) == 1 and sid not in stored[0] and len(stored[0]) == 64


def test_an_expired_session_is_refused(users_client):
    from datetime import timedelta

    from netcanvas.store.models import SessionRow, utcnow

    sign_in(users_client, "admin")
    with users_client.app.state.db.session() as s:
        for row in s.query(SessionRow).all():
            row.expires_at = utcnow() - timedelta(seconds=1)
        s.commit()
    assert users_client.get("/api/runs").status_code == 401


def test_lockout_after_ten_wrong_passwords(users_client):
    now = [1000.0]
    users_client.app.state.login_limiter = LoginLimiter(clock=lambda: now[0])
    wrong = {"username": "admin", "password": "not it at all"}
    for _ in range(10):
        assert users_client.post("/api/auth/login", json=wrong).status_code == 401
    r = users_client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    assert r.status_code == 429 and "try again in 60 s" in r.json()["detail"]
    assert r.headers["retry-after"] == "60"
    now[0] += 61
    sign_in(users_client, "admin")  # the lock is over and the right password works


def test_admin_manages_users_and_others_are_refused(users_client):
    sign_in(users_client, "admin")
    r = users_client.post("/api/users", json={"name": "ada", "password": PASSWORD})
    assert r.status_code == 201 and r.json()["name"] == "ada" and r.json()["is_admin"] is False
    assert users_client.post("/api/users", json={"name": "ada", "password": PASSWORD}).status_code == 409
    r = users_client.post("/api/users", json={"name": "bob", "password": "short"})
    assert r.status_code == 422 and "password" in r.json()["detail"]
    r = users_client.post("/api/users", json={"name": "no spaces", "password": PASSWORD})
    assert r.status_code == 422 and "name" in r.json()["detail"]
    listed = users_client.get("/api/users").json()
    assert listed["count"] == 2 and [u["name"] for u in listed["data"]] == ["admin", "ada"]
    assert set(listed["data"][0]) == {"name", "is_admin", "created_at"}
    r = users_client.delete("/api/users/admin")
    assert r.status_code == 409 and "only admin" in r.json()["detail"]
    users_client.post("/api/auth/logout")
    users_client.cookies.clear()

    sign_in(users_client, "ada")
    assert users_client.get("/api/users").status_code == 403
    assert users_client.post("/api/users", json={"name": "eve", "password": PASSWORD}).status_code == 403
    assert users_client.delete("/api/users/admin").status_code == 403
    users_client.post("/api/auth/logout")
    users_client.cookies.clear()

    sign_in(users_client, "admin")
    assert users_client.delete("/api/users/ada").status_code == 204
    assert users_client.delete("/api/users/ada").status_code == 404
    r = users_client.post("/api/auth/login", json={"username": "ada", "password": PASSWORD})
    assert r.status_code == 401


def test_removing_a_user_ends_their_sessions(users_client, tmp_path):
    sign_in(users_client, "admin")
    users_client.post("/api/users", json={"name": "ada", "password": PASSWORD})
    admin_cookie = users_client.cookies["netcanvas_session"]
    users_client.cookies.clear()
    sign_in(users_client, "ada")
    ada = users_client.cookies["netcanvas_session"]
    users_client.cookies.clear()
    assert users_client.delete("/api/users/ada", headers={"Authorization": f"Bearer {admin_cookie}"}).status_code == 204
    assert users_client.get("/api/runs", headers={"Authorization": f"Bearer {ada}"}).status_code == 401


def test_users_mode_without_any_admin_starts_and_nobody_signs_in(tmp_path, monkeypatch, caplog):
    monkeypatch.delenv(ADMIN_PASSWORD_ENV, raising=False)
    with client_for(settings_for(tmp_path, "users")) as c:
        r = c.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
        assert r.status_code == 401
    assert "netcanvas users add" in caplog.text
