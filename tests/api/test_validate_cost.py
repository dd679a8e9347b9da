"""POST /api/graphs/validate: MACs in the report, and the Train panel's batch size and optimizer."""

from __future__ import annotations

from fastapi.testclient import TestClient


def _chain(units: int) -> dict:
    return {
        "nodes": [{"id": "in", "type": "Input", "params": {"shape": [10]}},
                  {"id": "d", "type": "Dense", "params": {"units": units}},
                  {"id": "r", "type": "ReLU", "params": {}}],
        "edges": [{"source": "in", "target": "d"}, {"source": "d", "target": "r"}],
    }


def test_validate_route_sizes_budget_with_batch_size(client: TestClient) -> None:
    graph = _chain(20)
    assert client.post("/api/graphs/validate", json=graph).json()["macs"] == 200
    bad = client.post("/api/graphs/validate?batch_size=0", json=graph)
    assert bad.status_code == 422 and "batch_size" in bad.text
    assert client.post("/api/graphs/validate?optimizer=foo", json=graph).status_code == 422
    # 10^6 units: 4 MB of outputs a sample fit batch 1, not batch 10^6
    big = _chain(1_000_000)
    assert all("batch size" not in p["message"] for p in client.post("/api/graphs/validate", json=big).json()["problems"])
    got = client.post("/api/graphs/validate?batch_size=1000000&optimizer=sgd", json=big).json()
    assert any("at batch size 1,000,000" in p["message"] and "lower batch_size" in p["message"]
               for p in got["problems"])
