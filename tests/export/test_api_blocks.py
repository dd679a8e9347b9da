"""Blocks through the API: validation reports each Block node and problems inside it; a Keras model
with a nested base imports as a run whose graph has a block, predicts like Keras and downloads in
every format."""

import numpy as np
import pytest
from fastapi.testclient import TestClient
from nc_export_cases import to_channels_first

from block_cases import inception_def, inception_graph
from netcanvas.api.main import create_app
from netcanvas.api.schemas import ValidationReport
from netcanvas.config import Settings

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


@pytest.fixture
def client(tmp_path):
    settings = Settings(data_dir=tmp_path / "store", frontend_dist=tmp_path / "none")
    with TestClient(create_app(settings)) as c:
        yield c


def test_validate_reports_block_nodes_and_problems_inside_them(client):
    r = client.post("/api/graphs/validate", json=inception_graph().model_dump(mode="json"))
    assert r.status_code == 200
    rep = r.json()
    assert ValidationReport.model_validate(rep).model_dump(mode="json") == rep  # the documented schema
    assert rep["ok"] is True
    assert rep["nodes"]["mixed1"]["block"] == "inception" and rep["nodes"]["mixed1"]["output_shapes"] == [[10, 8, 8]]
    assert rep["nodes"]["mixed1/branch1x1"]["block"] is None
    bad = inception_def()
    bad["nodes"][1]["params"] = {"filters": 0, "kernel_size": 1}
    body = inception_graph(blocks={"inception": bad}).model_dump(mode="json")
    rep = client.post("/api/graphs/validate", json=body).json()
    assert not rep["ok"]
    inside = [(p["node"], p["field"]) for p in rep["nodes"]["mixed0"]["problems"]]
    assert ("mixed0/branch1x1", "filters") in inside
    r = client.post("/api/graphs/code", json={"graph": inception_graph().model_dump(mode="json")})
    assert r.status_code == 200 and "class Inception(nn.Module):" in r.json()["pytorch"]


def test_nested_keras_base_imports_as_a_block_run(client, keras, tmp_path):
    L = keras.layers
    inp = keras.Input((6, 6, 2))
    x = L.Conv2D(3, 3, activation="relu", name="conv")(inp)
    base = keras.Model(inp, L.BatchNormalization(name="bn")(x), name="base")
    model = keras.Sequential([keras.Input((6, 6, 2)), base, L.Flatten(name="flat"),
                              L.Dense(2, activation="softmax", name="head")], name="transfer")
    model.save(tmp_path / "transfer.keras")
    with open(tmp_path / "transfer.keras", "rb") as f:
        r = client.post("/api/models/import", files={"file": ("transfer.keras", f, "application/zip")})
    assert r.status_code == 201, r.text
    run = r.json()
    assert [n["id"] for n in run["graph"]["nodes"] if n["type"] == "Block"] == ["base"]
    assert [n["id"] for n in run["graph"]["blocks"]["base"]["nodes"]] == ["input", "conv", "bn"]
    x = np.random.default_rng(0).normal(size=(2, 6, 6, 2)).astype("float32")
    want = model(x, training=False).detach().numpy()
    r = client.post(f"/api/runs/{run['id']}/predict", json={"inputs": to_channels_first(x).tolist()})
    assert r.status_code == 200, r.text
    assert np.abs(np.array(r.json()["outputs"]) - want).max() <= 1e-4
    r = client.get(f"/api/runs/{run['id']}/artifacts/model.h5")
    assert r.status_code == 200
    (tmp_path / "again.h5").write_bytes(r.content)
    again = keras.models.load_model(tmp_path / "again.h5", compile=False)
    assert [lay.name for lay in again.layers][1:] == ["conv", "bn", "flat", "head"]  # Keras's names again
    assert np.abs(again(x, training=False).detach().numpy() - want).max() <= 1e-4
    for name in ("model.py", "model_keras.py", "model.onnx", "model.pt2", "model.keras"):
        r = client.get(f"/api/runs/{run['id']}/artifacts/{name}")
        assert r.status_code == 200 and r.content, (name, r.text[:300])
