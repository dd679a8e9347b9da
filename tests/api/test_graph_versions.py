"""GET /api/graphs/{id}/versions and /versions/{n}: older saves of a graph."""

from __future__ import annotations

from api_factories import mlp_graph
from auth_helpers import client_for, settings_for


def test_versions_list_and_read(tmp_path):
    with client_for(settings_for(tmp_path, "none")) as c:
        graph_id = c.post("/api/graphs", json={"graph": mlp_graph("v1", hidden=8)}).json()["id"]
        c.put(f"/api/graphs/{graph_id}", json={"graph": mlp_graph("v2", hidden=32)})
        listed = c.get(f"/api/graphs/{graph_id}/versions").json()
        assert [v["version"] for v in listed] == [1, 2] and all(v["created_at"] for v in listed)
        old = c.get(f"/api/graphs/{graph_id}/versions/1").json()
        assert old["version"] == 1 and old["graph"]["name"] == "v1"
        assert old["graph"]["nodes"][2]["params"]["units"] == 8
        assert c.get(f"/api/graphs/{graph_id}/versions/2").json()["graph"]["nodes"][2]["params"]["units"] == 32
        assert c.get(f"/api/graphs/{graph_id}/versions/3").status_code == 404
        assert c.get("/api/graphs/0123456789abcdef0123456789abcdef/versions").status_code == 404
