"""`netcanvas users add|list|remove` and how `netcanvas serve` starts in each auth mode."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from netcanvas.cli import main
from netcanvas.config import get_settings

PASSWORD = "a long enough password"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("NETCANVAS_DATA_DIR", str(tmp_path / "store"))
    monkeypatch.setenv("NETCANVAS_FRONTEND_DIST", str(tmp_path / "no-frontend"))
    monkeypatch.setenv("NETCANVAS_PASSWORD", PASSWORD)
    get_settings.cache_clear()
    yield tmp_path / "store"
    get_settings.cache_clear()


@pytest.fixture
def served(monkeypatch):
    """uvicorn.run replaced: what `serve` would have served, and where."""
    import uvicorn

    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
    return seen


def test_users_add_list_remove(data_dir, capsys):
    assert main(["users", "list"]) == 0
    assert "no users yet" in capsys.readouterr().err
    assert main(["users", "add", "root", "--admin"]) == 0
    assert main(["users", "add", "ada"]) == 0
    assert "added user ada" in capsys.readouterr().out
    assert main(["users", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[:2] for line in lines] == [["root", "admin"], ["ada", "user"]]
    assert main(["users", "add", "ada"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["users", "remove", "ada"]) == 0
    assert main(["users", "remove", "ada"]) == 2
    assert "No user named 'ada'" in capsys.readouterr().err
    assert main(["users", "remove", "root"]) == 2
    assert "only admin" in capsys.readouterr().err
    main(["users", "list"])
    assert [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()] == ["root"]


def test_users_add_refuses_a_short_password_and_no_password_without_a_terminal(data_dir, monkeypatch, capsys):
    monkeypatch.setenv("NETCANVAS_PASSWORD", "short")
    assert main(["users", "add", "ada"]) == 2
    assert "at least 8 characters" in capsys.readouterr().err
    monkeypatch.delenv("NETCANVAS_PASSWORD")
    assert main(["users", "add", "ada"]) == 2  # pytest's stdin is no terminal
    assert "NETCANVAS_PASSWORD" in capsys.readouterr().err


def test_a_user_the_cli_added_signs_in_to_the_server(data_dir, monkeypatch, served):
    assert main(["users", "add", "root", "--admin"]) == 0
    monkeypatch.setenv("NETCANVAS_AUTH", "users")
    get_settings.cache_clear()
    assert main(["serve", "--port", "8123"]) == 0
    with TestClient(served["app"]) as c:
        assert c.get("/api/runs").status_code == 401
        r = c.post("/api/auth/login", json={"username": "root", "password": PASSWORD})
        assert r.status_code == 200 and r.json()["user"] == {"name": "root", "is_admin": True}
        assert c.get("/api/runs").status_code == 200


def test_serve_prints_the_token_address(data_dir, monkeypatch, served, capsys):
    monkeypatch.setenv("NETCANVAS_AUTH", "token")
    get_settings.cache_clear()
    assert main(["serve", "--port", "8123"]) == 0
    token = served["app"].state.auth_token
    assert f"http://127.0.0.1:8123/?token={token}" in capsys.readouterr().err
    assert served["host"] == "127.0.0.1" and served["port"] == 8123
    with TestClient(served["app"]) as c:
        assert c.get("/api/runs").status_code == 401
        assert c.get(f"/?token={token}").status_code == 200  # redirected, with the cookie
        assert c.get("/api/runs").status_code == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "example.org"])
def test_serve_refuses_no_auth_on_an_address_others_reach(data_dir, monkeypatch, served, capsys, host):
    monkeypatch.setenv("NETCANVAS_AUTH", "token")  # the flag alone turns auth off
    get_settings.cache_clear()
    assert main(["serve", "--no-auth", "--host", host]) == 2
    err = capsys.readouterr().err
    assert "only binds a loopback address" in err and f"'{host}'" in err
    assert "app" not in served  # nothing was served


def test_serve_refuses_auth_none_from_the_environment_too(data_dir, monkeypatch, served, capsys):
    monkeypatch.setenv("NETCANVAS_AUTH", "none")
    monkeypatch.setenv("NETCANVAS_HOST", "0.0.0.0")
    get_settings.cache_clear()
    assert main(["serve"]) == 2
    assert "NETCANVAS_AUTH=none" in capsys.readouterr().err


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_serve_no_auth_on_loopback(data_dir, monkeypatch, served, capsys, host):
    monkeypatch.setenv("NETCANVAS_AUTH", "token")
    get_settings.cache_clear()
    assert main(["serve", "--no-auth", "--host", host, "--port", "8124"]) == 0
    assert served["host"] == host
    with TestClient(served["app"]) as c:
        assert c.get("/api/runs").status_code == 200
        assert c.get("/api/auth/me").json() == {"mode": "none", "user": None}
