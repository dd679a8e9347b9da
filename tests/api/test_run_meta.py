"""PATCH /api/runs/{id} (name, notes, tags) and GET /api/runs filters and sort."""

from __future__ import annotations

from api_factories import mlp_graph, run_request
from auth_helpers import client_for, settings_for
from test_ownership import world  # noqa: F401  (the users-mode fixture)

from netcanvas.store import repo


def _runs(c, names_datasets):
    ids = []
    for name, dataset in names_datasets:
        r = c.post("/api/runs", json=run_request(mlp_graph(name), dataset=dataset))
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    return ids


def test_default_name_patch_and_limits(tmp_path):
    with client_for(settings_for(tmp_path, "none")) as c:
        (run_id,) = _runs(c, [("mlp", "digits")])
        run = c.get(f"/api/runs/{run_id}").json()
        assert run["name"] == "mlp · digits" and run["notes"] == "" and run["tags"] == []
        r = c.patch(f"/api/runs/{run_id}", json={"name": "  first  ", "tags": [" a ", "b", "a"], "notes": "lr 1e-3"})
        assert r.status_code == 200, r.text
        assert (r.json()["name"], r.json()["tags"], r.json()["notes"]) == ("first", ["a", "b"], "lr 1e-3")
        r = c.patch(f"/api/runs/{run_id}", json={"notes": ""})  # what is left out stays
        assert r.json()["name"] == "first" and r.json()["tags"] == ["a", "b"] and r.json()["notes"] == ""
        for bad, field in [({"name": " "}, "name"), ({"name": "x" * 201}, "name"), ({"notes": "x" * 10_001}, "notes"),
                           ({"tags": ["t"] * 33}, "tags"), ({"tags": ["x" * 41]}, "tags"), ({"tags": [""]}, "tags")]:
            r = c.patch(f"/api/runs/{run_id}", json=bad)
            assert r.status_code == 422 and field in r.text, (bad, r.text)
        assert c.get(f"/api/runs/{run_id}").json()["name"] == "first"


def test_filters_and_sort(tmp_path):
    with client_for(settings_for(tmp_path, "none")) as c:
        a, b, d = _runs(c, [("alpha", "digits"), ("beta", "digits"), ("gamma", "digits")])
        c.patch(f"/api/runs/{a}", json={"tags": ["keep"], "notes": "wide layer"})
        c.patch(f"/api/runs/{b}", json={"tags": ["keeper"]})
        with c.app.state.db.session() as s:  # final metrics as epochs would leave them
            for run_id, acc in ((a, 0.5), (b, 0.9)):
                row = repo.get_run(s, run_id, None)
                assert row is not None
                row.final_metrics = {"val_accuracy": acc}
                row.test_metrics = {"accuracy": 1 - acc}
            s.commit()

        def ids(**params):
            body = c.get("/api/runs", params=params).json()
            return [r["id"] for r in body["data"]], body["count"]

        assert ids(tag="keep") == ([a], 1)  # exact tag, not "keeper"
        assert ids(q="WIDE") == ([a], 1)
        assert ids(q="keep")[1] == 2
        assert ids(q="gam") == ([d], 1)
        assert ids(status="succeeded")[1] == 3 and ids(status="failed") == ([], 0)
        assert ids(sort="name", order="asc")[0] == [a, b, d]
        assert ids(sort="val_accuracy", order="desc")[0] == [b, a, d]  # no metric: last
        assert ids(sort="val_accuracy", order="asc")[0] == [a, b, d]
        assert ids(sort="test_accuracy", order="desc")[0] == [a, b, d]
        assert ids(sort="val_accuracy", order="desc", limit=1, offset=1) == ([a], 3)
        assert c.get("/api/runs", params={"order": "up"}).status_code == 422


def test_another_users_run_cannot_be_patched(world):  # noqa: F811
    c, who, graph_id, run_id, _ = world
    assert c.patch(f"/api/runs/{run_id}", json={"name": "bob's"}, headers=who["bob"]).status_code == 404
    assert c.get(f"/api/runs/{run_id}/history", headers=who["bob"]).status_code == 404
    assert c.get(f"/api/graphs/{graph_id}/versions", headers=who["bob"]).status_code == 404
    assert c.get(f"/api/graphs/{graph_id}/versions/1", headers=who["bob"]).status_code == 404
    assert c.get(f"/api/runs/{run_id}", headers=who["ada"]).json()["name"] != "bob's"
