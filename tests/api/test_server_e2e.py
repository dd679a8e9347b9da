"""End to end against a real `python -m netcanvas serve` with the real worker and trainer:
a tiny MLP on digits for 2 epochs, watched over real websockets."""

from __future__ import annotations

import importlib.util
import io
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import torch
from api_factories import mlp_graph, run_request
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from live_server import serve


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("server")
    env = {"NETCANVAS_FRONTEND_DIST": str(data_dir / "no-frontend")}
    with serve(data_dir, env, args=("--log-level", "warning")) as base, \
            httpx.Client(base_url=base, timeout=30) as client:
        yield client, base.replace("http://", "ws://"), data_dir


def read_all(ws_url: str, run_id: str, n: int | None = None) -> tuple[list[dict], int | None, str]:
    out: list[dict] = []
    with connect(f"{ws_url}/api/runs/{run_id}/stream", open_timeout=10) as ws:
        try:
            while n is None or len(out) < n:
                out.append(json.loads(ws.recv(timeout=60)))
        except ConnectionClosed:
            pass
        if n is not None:
            return out, None, ""
        return out, ws.close_code, ws.close_reason


def test_train_watch_download_predict(server):
    http, ws_url, data_dir = server
    # Train a saved graph: graph_id resolves to its latest version.
    gid = http.post("/api/graphs", json={"graph": mlp_graph(name="digits-mlp", hidden=4)}).json()["id"]
    http.put(f"/api/graphs/{gid}", json={"graph": mlp_graph(name="digits-mlp", hidden=16)})
    r = http.post("/api/runs", json={"graph_id": gid, "dataset": "digits", "epochs": 2, "batch_size": 64,
                                     "device": "cpu"})
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["request"]["graph_id"] == gid and created["request"]["graph_version"] == 2
    assert created["graph"]["nodes"][2]["params"]["units"] == 16
    run_id = created["id"]

    first, _, _ = read_all(ws_url, run_id, n=1)  # a watcher that leaves early harms nothing
    assert first[0]["type"] == "status"
    with ThreadPoolExecutor(2) as pool:  # two watchers at once
        first_watcher, second_watcher = pool.submit(read_all, ws_url, run_id), pool.submit(read_all, ws_url, run_id)
        a, code_a, _ = first_watcher.result()
        a2, code_a2, _ = second_watcher.result()
    b, code_b, _ = read_all(ws_url, run_id)  # connects after the end: history from the database
    assert code_a == code_a2 == code_b == 1000
    assert [e for e in a2 if e["type"] != "batch"] == [e for e in a if e["type"] != "batch"]
    assert a[-1]["type"] == "status" and a[-1]["status"] == "succeeded", a[-3:]
    assert [e["epoch"] for e in a if e["type"] == "epoch"] == [1, 2]
    assert any(e["type"] == "batch" for e in a) and any(e["type"] == "result" for e in a)
    stored = [e for e in b if e["type"] != "batch"]
    assert [e for e in a if e["type"] != "batch"] == stored

    run = http.get(f"/api/runs/{run_id}").json()
    assert run["status"] == "succeeded" and run["device"] == "cpu"
    assert len(run["epochs"]) == 2 and "val_loss" in run["epochs"][-1]["metrics"]
    assert 0 <= run["test_metrics"]["accuracy"] <= 1
    assert "model.pt" in run["artifacts"]

    r = http.get(f"/api/runs/{run_id}/artifacts/model.pt")
    assert r.status_code == 200
    bundle = torch.load(io.BytesIO(r.content), weights_only=True)
    assert isinstance(bundle, dict) and bundle["state_dict"]

    r = http.post(f"/api/runs/{run_id}/predict", json={"inputs": [[[[0.5] * 8] * 8]] * 3})
    assert r.status_code == 200, r.text
    out = r.json()["outputs"]
    assert len(out) == 3 and len(out[0]) == 10 and abs(sum(out[0]) - 1) < 1e-4
    r = http.post(f"/api/runs/{run_id}/predict", json={"inputs": [[1, 2, 3]]})
    assert r.status_code == 422 and "'in'" in r.json()["detail"]
    for junk in ({"inputs": "abc"}, {"inputs": None}, {"inputs": [[["x"]]]}, {}):
        r = http.post(f"/api/runs/{run_id}/predict", json=junk)
        assert r.status_code == 422, (junk, r.text)

    r = http.post(f"/api/runs/{run_id}/evaluate")
    assert r.status_code == 200, r.text
    ev = r.json()
    assert ev["metrics"]["accuracy"] == pytest.approx(run["test_metrics"]["accuracy"], abs=1e-6)
    assert len(ev["confusion_matrix"]) == 10 and sum(map(sum, ev["confusion_matrix"])) == 360
    assert ev["class_names"] == [str(i) for i in range(10)]
    r = http.post(f"/api/runs/{run_id}/evaluate", params={"dataset": "iris"})
    assert r.status_code == 422 and "iris" in r.json()["detail"]
    r = http.post(f"/api/runs/{run_id}/evaluate", params={"dataset": "nope"})
    assert r.status_code == 422 and "nope" in r.json()["detail"]

    if importlib.util.find_spec("netcanvas.export.artifacts"):
        r = http.get(f"/api/runs/{run_id}/artifacts/model.py")
        assert r.status_code == 200 and "class" in r.text

    r = http.get(f"/api/runs/{run_id}/artifacts/nothing.bin")
    assert r.status_code == 404 and "model.pt" in r.json()["detail"]
    for bad in ("..%2F..%2Fnetcanvas.db", "%2E%2E", "..%2F", ".hidden", "%2Fetc%2Fpasswd", "a%5C..%5Cb"):
        r = http.get(f"/api/runs/{run_id}/artifacts/{bad}")
        assert r.status_code in (400, 404), (bad, r.status_code)
        assert "SQLite" not in r.text
    assert (Path(data_dir) / "runs" / run_id / "model.pt").is_file()


def test_run_requests_with_problems_are_422(server):
    http, ws_url, _ = server
    g = mlp_graph()
    g["nodes"] = [n for n in g["nodes"] if n["id"] != "flat"]
    g["edges"] = [{"source": "in", "target": "h"}, {"source": "h", "target": "out"}]
    r = http.post("/api/runs", json=run_request(g))
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail["message"].startswith("The graph does not fit data set")
    assert any("add a Flatten" in p["message"] for p in detail["problems"]), detail

    g = mlp_graph()
    g["nodes"][0]["params"]["shape"] = [64]
    g["nodes"][1] = {"id": "flat", "type": "Dropout", "params": {"rate": 0.1}}
    r = http.post("/api/runs", json=run_request(g))
    assert r.status_code == 422
    assert "Input 'in'" in r.json()["detail"]["problems"][0]["message"], r.json()
    r = http.post("/api/runs", json=run_request(mlp_graph(), dataset="iris"))
    assert r.status_code == 422 and "iris" in r.json()["detail"]["message"]

    r = http.post("/api/runs", json=run_request(dataset="no-such-data"))
    assert r.status_code == 422 and "no-such-data" in r.json()["detail"]
    r = http.post("/api/runs", json={"graph_id": "missing", "dataset": "digits"})
    assert r.status_code == 422 and "missing" in r.json()["detail"]
    r = http.post("/api/runs", json={"dataset": "digits"})
    assert r.status_code == 422
    r = http.post("/api/runs", content=b"{{{", headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert http.get("/api/runs/nope").status_code == 404
    assert http.post("/api/runs/nope/cancel").status_code == 404
    assert http.post("/api/runs/nope/predict", json={"inputs": []}).status_code == 404
    assert http.get("/api/runs/nope/artifacts/model.pt").status_code == 404

    events, code, reason = read_all(ws_url, "nope")
    assert events == [] and code == 4404 and "nope" in reason
