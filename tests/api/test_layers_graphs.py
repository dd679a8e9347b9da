from __future__ import annotations

import pytest
from api_factories import mlp_graph

from netcanvas.api.schemas import ValidationReport


def test_layers_list_every_kind_with_defaults(client):
    r = client.get("/api/layers")
    assert r.status_code == 200
    body = r.json()
    kinds = {e["type"]: e for e in body["data"]}
    assert body["count"] == len(body["data"]) >= 5
    assert {"Input", "Dense", "Flatten"} <= set(kinds)
    dense = kinds["Dense"]
    assert dense["family"] == "core"
    assert "units" in dense["params_schema"]["properties"]
    assert "units" in dense["defaults"]


def test_validate_good_graph_reports_shapes_and_params(client):
    r = client.post("/api/graphs/validate", json=mlp_graph(hidden=16))
    assert r.status_code == 200
    rep = r.json()
    assert rep["ok"] is True, rep["problems"]
    assert rep["nodes"]["flat"]["output_shapes"] == [[64]]
    assert rep["nodes"]["out"]["output_shapes"] == [[10]]
    assert rep["total_params"] == 64 * 16 + 16 + 16 * 10 + 10
    assert rep["inputs"] == ["in"] and rep["outputs"] == ["out"]
    assert ValidationReport.model_validate(rep).model_dump(mode="json") == rep  # the documented schema, exactly


def test_validate_answers_keras_count_lines(client):
    g = mlp_graph(hidden=16)
    g["nodes"].insert(3, {"id": "bn", "type": "BatchNormalization", "params": {"scale": False}})
    g["edges"] = [e for e in g["edges"] if e["target"] != "out"] + [
        {"source": "h", "target": "bn"}, {"source": "bn", "target": "out"}]
    rep = client.post("/api/graphs/validate", json=g).json()
    assert rep["ok"], rep["problems"]
    # BatchNormalization(scale=False) on 16 features: beta 16 trainable; moving mean, variance 32 not
    dense = 64 * 16 + 16 + 16 * 10 + 10
    assert (rep["trainable_params"], rep["non_trainable_params"]) == (dense + 16, 32)
    assert rep["total_params"] == dense + 48
    assert rep["nodes"]["bn"]["params"] == 48 and rep["nodes"]["bn"]["trainable_params"] == 16


def test_validate_bad_graph_names_the_node(client):
    g = mlp_graph()
    g["edges"] = [*g["edges"], {"source": "in", "target": "h", "target_port": 1}]  # Dense takes one input
    g["nodes"].append({"id": "bad", "type": "NoSuchLayer", "params": {}})
    r = client.post("/api/graphs/validate", json=g)
    assert r.status_code == 200
    rep = r.json()
    assert rep["ok"] is False
    assert any(p["node"] == "h" for p in rep["nodes"]["h"]["problems"]), rep
    assert rep["nodes"]["bad"]["problems"][0]["field"] == "type"
    assert "NoSuchLayer" in rep["nodes"]["bad"]["problems"][0]["message"]


def test_validate_bad_params_name_the_field(client):
    g = mlp_graph()
    g["nodes"][2]["params"] = {"units": -3, "nonsense": 1}
    rep = client.post("/api/graphs/validate", json=g).json()
    fields = {p["field"] for p in rep["nodes"]["h"]["problems"]}
    assert {"units", "nonsense"} <= fields, rep["nodes"]["h"]


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2, 3]",
        b'{"nodes": "x"}',
        b'{"nodes": [{"id": "", "type": "Dense"}]}',
        b'{"nodes": [{"id": "a", "type": "Dense", "params": 5}]}',
        b'{"edges": [{"source": 1}]}',
        b'{"format": "other/9"}',
        b"null",
    ],
)
def test_validate_garbage_is_422_never_500(client, body):
    r = client.post("/api/graphs/validate", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert isinstance(r.json()["detail"], list)


@pytest.mark.parametrize(
    "graph",
    [
        {"nodes": []},
        {"nodes": [{"id": "a", "type": "Dense", "params": {"units": 3}}], "edges": [{"source": "a", "target": "a"}]},
        {"nodes": [{"id": "i", "type": "Input", "params": {"shape": "abc"}}]},
        {"nodes": [{"id": "i", "type": "Input", "params": {"shape": [1]}}], "outputs": ["nope"]},
        {"nodes": [{"id": "i", "type": "Input", "params": {}}, {"id": "i", "type": "Input", "params": {}}]},
        {"nodes": [{"id": "i", "type": "Input", "params": {"shape": [4]}},
                   {"id": "d", "type": "Dense", "params": {"units": 2}}],
         "edges": [{"source": "i", "target": "d", "source_port": 3}]},
    ],
)
def test_validate_odd_graphs_are_200_with_problems(client, graph):
    r = client.post("/api/graphs/validate", json=graph)
    assert r.status_code == 200, r.text
    assert r.json()["ok"] is False
    assert r.json()["problems"]
    ValidationReport.model_validate(r.json())


def test_graph_crud_and_versions(client):
    g1 = mlp_graph(name="first", hidden=8)
    r = client.post("/api/graphs", json={"graph": g1})
    assert r.status_code == 201
    created = r.json()
    gid = created["id"]
    assert created["version"] == 1 and created["name"] == "first"
    assert created["graph"]["nodes"][2]["params"] == {"units": 8, "activation": "relu"}

    g2 = mlp_graph(name="second", hidden=12)
    r = client.put(f"/api/graphs/{gid}", json={"graph": g2})
    assert r.status_code == 200
    assert r.json()["version"] == 2 and r.json()["name"] == "second"

    latest = client.get(f"/api/graphs/{gid}").json()
    assert latest["version"] == 2 and latest["graph"]["nodes"][2]["params"]["units"] == 12
    v1 = client.get(f"/api/graphs/{gid}", params={"version": 1}).json()
    assert v1["version"] == 1 and v1["graph"]["nodes"][2]["params"]["units"] == 8
    r = client.get(f"/api/graphs/{gid}", params={"version": 7})
    assert r.status_code == 404 and "version 7" in r.json()["detail"]

    client.post("/api/graphs", json={"graph": mlp_graph(name="other")})
    listed = client.get("/api/graphs").json()
    assert listed["count"] == 2 and {g["name"] for g in listed["data"]} == {"second", "other"}

    assert client.delete(f"/api/graphs/{gid}").status_code == 204
    r = client.get(f"/api/graphs/{gid}")
    assert r.status_code == 404 and gid in r.json()["detail"]
    assert client.get("/api/graphs").json()["count"] == 1


def test_graph_404s_and_bad_bodies(client):
    assert client.get("/api/graphs/nope").status_code == 404
    assert client.put("/api/graphs/nope", json={"graph": mlp_graph()}).status_code == 404
    assert client.delete("/api/graphs/nope").status_code == 404
    assert client.post("/api/graphs", json={"graph": {"nodes": 3}}).status_code == 422
    assert client.post("/api/graphs", json=mlp_graph()).status_code == 422  # not wrapped in {"graph": …}


def test_openapi_operation_ids(client):
    spec = client.get("/api/openapi.json").json()
    ids = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {"runs-get_run", "runs-create_run", "graphs-validate", "layers-list_layers"} <= ids
    assert all(i.split("-", 1)[0] in {"health", "layers", "graphs", "runs", "artifacts", "datasets", "models",
                                            "templates", "auth", "users", "sweeps"}
               for i in ids), ids
    assert any(i.startswith("datasets-") for i in ids)


def test_frontend_placeholder_and_api_404(client):
    r = client.get("/")
    assert r.status_code == 200 and "not built" in r.text
    assert client.get("/some/page").status_code == 200
    r = client.get("/api/nothing-here")
    assert r.status_code == 404 and "detail" in r.json()


def test_frontend_dist_served_with_spa_fallback(tmp_path):
    from fastapi.testclient import TestClient

    from netcanvas.api.main import create_app
    from netcanvas.config import Settings

    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<html>app</html>")
    (dist / "assets" / "app.js").write_text("console.log(1)")
    with TestClient(create_app(Settings(data_dir=tmp_path / "s", frontend_dist=dist))) as c:
        assert c.get("/").text == "<html>app</html>"
        assert c.get("/assets/app.js").text == "console.log(1)"
        assert c.get("/runs/123").text == "<html>app</html>"
        assert c.get("/../../etc/passwd").text == "<html>app</html>"
        assert c.get("/%2e%2e/%2e%2e/etc/passwd").text == "<html>app</html>"
        assert c.get("/assets/..%2F..%2Fs%2Fnetcanvas.db").text == "<html>app</html>"
        assert c.get("/api/layers").status_code == 200
