"""Users mode: every graph, run, upload and artifact has an owner; another user's answers exactly as
a missing one (404 / "Unknown data set" / "not a saved graph"), lists show only one's own."""

from __future__ import annotations

import io

import pytest
from api_factories import mlp_graph, run_request
from auth_helpers import PASSWORD, client_for, settings_for, upload
from starlette.websockets import WebSocketDisconnect

from netcanvas.api.auth.setup import ADMIN_PASSWORD_ENV

DIGIT = [[[0.5] * 8 for _ in range(8)]]  # one 1×8×8 sample


def without_graph(**kw: object) -> dict:
    """A run request naming a saved graph or a run to start from instead of giving a graph."""
    body = run_request(**kw)
    del body["graph"]
    return body


def bearer(client, name: str) -> dict[str, str]:
    r = client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    sid = client.cookies["netcanvas_session"]
    client.cookies.clear()  # each request below names its user
    return {"Authorization": f"Bearer {sid}"}


@pytest.fixture
def world(tmp_path, monkeypatch):
    """An admin, users ada and bob; ada owns a graph, a trained run and an upload."""
    monkeypatch.setenv(ADMIN_PASSWORD_ENV, PASSWORD)
    with client_for(settings_for(tmp_path, "users")) as c:
        admin = bearer(c, "admin")
        for name in ("ada", "bob"):
            assert c.post("/api/users", json={"name": name, "password": PASSWORD}, headers=admin).status_code == 201
        ada, bob = bearer(c, "ada"), bearer(c, "bob")
        graph = c.post("/api/graphs", json={"graph": mlp_graph("ada's")}, headers=ada).json()
        run = c.post("/api/runs", json=without_graph(graph_id=graph["id"]), headers=ada).json()
        c.cookies.clear()
        up = c.post("/api/datasets", files={"file": ("t.csv", io.BytesIO(_csv()))}, headers=ada).json()
        yield c, {"admin": admin, "ada": ada, "bob": bob}, graph["id"], run["id"], up["id"]


def _csv() -> bytes:
    from auth_helpers import table_csv

    return table_csv()


def test_lists_show_only_ones_own(world):
    c, who, graph_id, run_id, up_id = world
    assert [g["id"] for g in c.get("/api/graphs", headers=who["ada"]).json()["data"]] == [graph_id]
    runs = c.get("/api/runs", headers=who["ada"]).json()
    assert runs["count"] == 1 and runs["data"][0]["id"] == run_id
    assert up_id in [d["id"] for d in c.get("/api/datasets", headers=who["ada"]).json()["data"]]
    for name in ("bob", "admin"):  # the admin sees their own too: no god mode
        assert c.get("/api/graphs", headers=who[name]).json() == {"data": [], "count": 0}
        assert c.get("/api/runs", headers=who[name]).json() == {"data": [], "count": 0}
        ids = [d["id"] for d in c.get("/api/datasets", headers=who[name]).json()["data"]]
        assert up_id not in ids and "digits" in ids  # built-in sets are everyone's


def test_another_users_run_is_not_found(world):
    c, who, _, run_id, _ = world
    ada, bob = who["ada"], who["bob"]
    # ada's own run works (the trained model predicts, the artifact downloads)
    assert c.get(f"/api/runs/{run_id}", headers=ada).json()["status"] == "succeeded"
    assert c.post(f"/api/runs/{run_id}/predict", json={"inputs": [DIGIT]}, headers=ada).status_code == 200
    assert c.get(f"/api/runs/{run_id}/artifacts/model.pt", headers=ada).status_code == 200
    missing = c.get("/api/runs/0123456789abcdef0123456789abcdef", headers=bob)
    assert missing.status_code == 404
    for method, path, body in [
        ("get", f"/api/runs/{run_id}", None),
        ("post", f"/api/runs/{run_id}/predict", {"inputs": [DIGIT]}),
        ("post", f"/api/runs/{run_id}/evaluate", None),
        ("get", f"/api/runs/{run_id}/artifacts/model.pt", None),
        ("post", f"/api/runs/{run_id}/cancel", None),
        ("post", f"/api/runs/{run_id}/cut", {"node": "h"}),
        ("delete", f"/api/runs/{run_id}", None),
    ]:
        kw = {"json": body} if body is not None else {}
        r = getattr(c, method)(path, headers=bob, **kw)
        assert r.status_code == 404, (method, path, r.status_code, r.text)
        assert r.json()["detail"] == f"Run '{run_id}' not found."  # word for word as a missing run
    with pytest.raises(WebSocketDisconnect) as err, \
            c.websocket_connect(f"/api/runs/{run_id}/stream", headers=bob) as ws:
        ws.receive_json()
    assert err.value.code == 4404
    with c.websocket_connect(f"/api/runs/{run_id}/stream", headers=ada) as ws:
        assert ws.receive_json()["type"] == "status"
    assert c.get(f"/api/runs/{run_id}", headers=ada).status_code == 200  # bob's delete did nothing


def test_another_users_graph_is_not_found(world):
    c, who, graph_id, run_id, _ = world
    bob = who["bob"]
    for method, kw in [("get", {}), ("put", {"json": {"graph": mlp_graph("mine now")}}), ("delete", {})]:
        r = getattr(c, method)(f"/api/graphs/{graph_id}", headers=bob, **kw)
        assert r.status_code == 404 and r.json()["detail"] == f"Graph '{graph_id}' not found."
    r = c.post("/api/runs", json=without_graph(graph_id=graph_id), headers=bob)
    assert r.status_code == 422 and r.json()["detail"] == f"graph_id '{graph_id}' is not a saved graph."
    r = c.post("/api/runs", json=without_graph(init_from_run=run_id), headers=bob)
    assert r.status_code == 422 and "has no trained model" in r.json()["detail"]
    # ada may do both
    assert c.post("/api/runs", json=without_graph(init_from_run=run_id), headers=who["ada"]).status_code == 201
    assert c.get(f"/api/graphs/{graph_id}", headers=who["ada"]).json()["name"] == "ada's"


def test_another_users_upload_is_an_unknown_data_set(world):
    c, who, _, _, up_id = world
    bob, ada = who["bob"], who["ada"]
    assert c.get(f"/api/datasets/{up_id}", headers=ada).status_code == 200
    for method, path, kw in [
        ("get", f"/api/datasets/{up_id}", {}),
        ("get", f"/api/datasets/{up_id}/preview", {}),
        ("get", f"/api/datasets/{up_id}/samples", {}),
        ("get", f"/api/datasets/{up_id}/vocabulary", {}),
        ("put", f"/api/datasets/{up_id}/options", {"json": {"label_mode": "int"}}),
        ("delete", f"/api/datasets/{up_id}", {}),
    ]:
        r = getattr(c, method)(path, headers=bob, **kw)
        assert r.status_code == 404, (method, path, r.status_code, r.text)
        assert r.json()["detail"].startswith(f"Unknown data set '{up_id}'"), r.json()
        assert up_id not in r.json()["detail"].split("Known:")[-1]
    graph = mlp_graph()
    graph["nodes"][0]["params"]["shape"] = [2]
    graph["nodes"] = [n for n in graph["nodes"] if n["type"] != "Flatten"]
    graph["edges"] = [{"source": "in", "target": "h"}, {"source": "h", "target": "out"}]
    graph["nodes"][-1]["params"]["units"] = 2
    r = c.post("/api/runs", json=run_request(graph, dataset=up_id), headers=bob)
    assert r.status_code == 422 and r.json()["detail"].startswith(f"Unknown data set '{up_id}'")
    assert c.post("/api/runs", json=run_request(graph, dataset=up_id), headers=ada).status_code == 201
    assert c.get(f"/api/datasets/{up_id}", headers=ada).status_code == 200  # bob's delete did nothing


def test_imported_and_derived_runs_are_owned(world):
    c, who, _, run_id, _ = world
    ada, bob = who["ada"], who["bob"]
    model = c.get(f"/api/runs/{run_id}/artifacts/model.pt", headers=ada).content
    r = c.post("/api/models/import", files={"file": ("model.pt", io.BytesIO(model))}, headers=ada)
    assert r.status_code == 201, r.text
    imported = r.json()["id"]
    r = c.post(f"/api/runs/{run_id}/cut", json={"node": "h"}, headers=ada)
    assert r.status_code == 201, r.text
    cut_run, cut_graph = r.json()["run"]["id"], r.json()["graph"]["id"]
    mine = {x["id"] for x in c.get("/api/runs", headers=ada).json()["data"]}
    assert {run_id, imported, cut_run} <= mine
    assert cut_graph in {g["id"] for g in c.get("/api/graphs", headers=ada).json()["data"]}
    assert c.get("/api/runs", headers=bob).json()["count"] == 0
    for rid in (imported, cut_run):
        assert c.get(f"/api/runs/{rid}", headers=bob).status_code == 404


def test_a_removed_users_work_passes_to_the_admin(world):
    c, who, graph_id, run_id, up_id = world
    assert c.delete("/api/users/ada", headers=who["admin"]).status_code == 204
    admin = who["admin"]
    assert c.get(f"/api/runs/{run_id}", headers=admin).status_code == 200
    assert c.get(f"/api/graphs/{graph_id}", headers=admin).status_code == 200
    assert c.get(f"/api/datasets/{up_id}", headers=admin).status_code == 200
    assert c.get(f"/api/runs/{run_id}", headers=who["bob"]).status_code == 404


def test_rows_from_before_accounts_go_to_the_first_admin(tmp_path, monkeypatch):
    with client_for(settings_for(tmp_path, "none")) as c:  # made with no owner
        graph_id = c.post("/api/graphs", json={"graph": mlp_graph()}).json()["id"]
        run_id = c.post("/api/runs", json=run_request()).json()["id"]
        up_id = upload(c)["id"]
    monkeypatch.setenv(ADMIN_PASSWORD_ENV, PASSWORD)
    with client_for(settings_for(tmp_path, "users")) as c:
        admin = bearer(c, "admin")
        assert c.post("/api/users", json={"name": "bob", "password": PASSWORD}, headers=admin).status_code == 201
        bob = bearer(c, "bob")
        assert [r["id"] for r in c.get("/api/runs", headers=admin).json()["data"]] == [run_id]
        assert c.get(f"/api/graphs/{graph_id}", headers=admin).status_code == 200
        assert c.get(f"/api/datasets/{up_id}", headers=admin).status_code == 200
        assert c.get("/api/runs", headers=bob).json()["count"] == 0
        assert c.get(f"/api/datasets/{up_id}", headers=bob).status_code == 404
    with client_for(settings_for(tmp_path, "none")) as c:  # token/none mode: one person sees all again
        assert c.get("/api/runs").json()["count"] == 1


def test_the_accounts_migration_keeps_existing_runs_and_their_history(tmp_path):
    """0001 → 0002 on a database with a run and its events: nothing is lost (owner_id is added in
    place, without the table rebuild that would cascade-delete run_events), and the owner is NULL."""
    from alembic import command
    from sqlalchemy import text

    from netcanvas.store.db import Database, alembic_config, make_engine

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(text("INSERT INTO runs (id, name, status, request, graph, dataset, created_at, artifacts) "
                          "VALUES ('r1', 'old', 'succeeded', '{}', '{}', 'digits', '2026-01-01', '[]')"))
        conn.execute(text("INSERT INTO run_events (run_id, seq, type, payload, created_at) "
                          "VALUES ('r1', 1, 'status', '{}', '2026-01-01')"))
    engine.dispose()
    db = Database(url)  # migrates to head
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT id, owner_id FROM runs")).all() == [("r1", None)]
        assert conn.execute(text("SELECT count(*) FROM run_events")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 0
    db.dispose()


def test_a_vocabulary_is_read_only_through_the_callers_registry(tmp_path):
    """A model's data set label (an import can carry any) never opens another user's upload: /predict
    on texts and /generate ask vocabulary_of with the caller's registry."""
    import json

    from netcanvas.api.auth.datasets import OwnedDatasets
    from netcanvas.data import uploads
    from netcanvas.data.registry import DatasetNotFound, DatasetRegistry
    from netcanvas.data.vocabularies import vocabulary_of

    settings = settings_for(tmp_path, "users")
    up = uploads.folder(settings, "up-0123456789ab")
    up.mkdir(parents=True)
    (up / "vocabulary.json").write_text(json.dumps(["", "<oov>", "secret"]))
    meta = {"id": "up-0123456789ab", "owner": "ada-id", "info": {}, "load_options": {}, "preprocessing": {}}
    (up / uploads.META).write_text(json.dumps(meta))
    base = DatasetRegistry(settings)
    assert uploads.owner_of(settings, "up-0123456789ab") == "ada-id"
    with pytest.raises(DatasetNotFound, match="Unknown data set 'up-0123456789ab'"):
        vocabulary_of(settings, "up-0123456789ab", OwnedDatasets(base, "bob-id"))
