import numpy as np
import pytest
from fastapi.testclient import TestClient
from nc_export_cases import CASES, to_channels_first, trained_like

from netcanvas.api.main import create_app
from netcanvas.config import Settings
from netcanvas.layers import REGISTRY
from netcanvas.training.bundle import bundle_dict, save_bundle

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path / "store", frontend_dist=tmp_path / "none", max_upload_mb=1)


@pytest.fixture
def client(settings):
    with TestClient(create_app(settings)) as c:
        yield c


def keras_cnn(keras, path):
    L = keras.layers
    x = keras.Input((6, 5, 2), name="image")
    y = L.Conv2D(3, 3, activation="relu", name="conv")(x)
    y = L.Dense(4, activation="softmax", name="out")(L.Flatten(name="flat")(y))
    model = keras.Model(x, y, name="tiny_cnn")
    model.save(path)
    return model


def test_keras_upload_becomes_an_imported_run_that_predicts_like_keras(client, settings, keras, tmp_path):
    model = keras_cnn(keras, tmp_path / "tiny.h5")
    with open(tmp_path / "tiny.h5", "rb") as f:
        r = client.post("/api/models/import", files={"file": ("tiny.h5", f, "application/x-hdf5")})
    assert r.status_code == 201, r.text
    run = r.json()
    assert run["status"] == "imported" and run["artifacts"] == ["model.pt"] and run["name"] == "tiny_cnn"
    assert {n["id"] for n in run["graph"]["nodes"]} == {"image", "conv", "flat", "out"}
    assert not any(n["position"] for n in run["graph"]["nodes"])  # the canvas lays it out
    assert client.get(f"/api/runs/{run['id']}").json()["status"] == "imported"
    x = np.random.default_rng(0).normal(size=(2, 6, 5, 2)).astype("float32")
    want = model(x).detach().numpy()
    r = client.post(f"/api/runs/{run['id']}/predict", json={"inputs": to_channels_first(x).tolist()})
    assert r.status_code == 200, r.text
    assert np.abs(np.array(r.json()["outputs"]) - want).max() <= 1e-4
    # and it downloads again as Keras, predicting the same
    r = client.get(f"/api/runs/{run['id']}/artifacts/model.h5")
    assert r.status_code == 200
    (tmp_path / "again.h5").write_bytes(r.content)
    again = keras.models.load_model(tmp_path / "again.h5", compile=False)
    assert np.abs(again(x).detach().numpy() - want).max() <= 1e-4
    for name in ("model.py", "model_keras.py", "model.onnx", "model.pt2", "model.pt"):
        r = client.get(f"/api/runs/{run['id']}/artifacts/{name}")
        assert r.status_code == 200 and r.content, (name, r.text[:300])
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:
        assert ws.receive_json() == {"type": "status", "status": "imported", "device": None, "error": None}


def test_netcanvas_bundle_upload_keeps_class_names(client, tmp_path):
    a, m, xs = trained_like(CASES["mlp"]())
    save_bundle(tmp_path / "model.pt", bundle_dict(a.graph, m, settings=None, linear_outputs=["dense_4"],
                                                  output_activations=["softmax"], class_names=list("abcde")))
    r = client.post("/api/models/import", files={"file": ("model.pt", (tmp_path / "model.pt").read_bytes())},
                    data={"name": "again"})
    assert r.status_code == 201, r.text
    run = r.json()
    assert run["name"] == "again" and run["class_names"] == list("abcde")
    out = client.post(f"/api/runs/{run['id']}/predict", json={"inputs": xs[0].tolist()}).json()["outputs"]
    assert np.allclose(np.array(out).sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize(("filename", "data", "status", "message"), [
    ("broken.h5", b"\x89HDF\r\n\x1a\n" + b"\x01" * 500, 422, "broken.h5"),
    ("notes.txt", b"hello", 422, "notes.txt is not a model file"),
    ("huge.h5", b"\x89HDF\r\n\x1a\n" + b"\x00" * (2 << 20), 413, "over the limit of 1 MB (setting max_upload_mb)"),
])
def test_bad_uploads_are_4xx_naming_the_file_and_leave_nothing(client, settings, filename, data, status, message):
    r = client.post("/api/models/import", files={"file": (filename, data)})
    assert r.status_code == status, r.text
    assert message in r.json()["detail"]
    assert client.get("/api/runs").json()["count"] == 0
    runs_dir = settings.runs_dir
    assert not runs_dir.exists() or not list(runs_dir.iterdir())


def test_graph_code_gives_pytorch_and_keras(client, monkeypatch):
    graph = CASES["mlp"]().model_dump(mode="json")
    r = client.post("/api/graphs/code", json={"graph": graph})
    assert r.status_code == 200, r.text
    body = r.json()
    assert "class Mlp(nn.Module):" in body["pytorch"] and "def build_model()" in body["keras"]
    assert body["keras_error"] is None
    monkeypatch.setattr(REGISTRY["Dropout"], "keras_classes", ())  # as if Dropout had no Keras side
    body = client.post("/api/graphs/code", json={"graph": graph}).json()
    assert body["keras"] is None and "Node 'dropout_1' is a Dropout" in body["keras_error"]
    assert "class Mlp(nn.Module):" in body["pytorch"]
    bad = {**graph, "edges": []}
    r = client.post("/api/graphs/code", json={"graph": bad})
    assert r.status_code == 422 and r.json()["detail"]["problems"]


def crash_reader(filename, data):
    import os

    os._exit(3)


def test_a_file_that_crashes_the_reader_costs_only_the_reader_process(tmp_path):
    from netcanvas.export.keras_import import ImportFailed, import_model_isolated

    with pytest.raises(ImportFailed, match="evil.h5 made the model reader crash"):
        import_model_isolated("evil.h5", b"\x89HDF\r\n\x1a\n", target=crash_reader)


def test_a_frozen_nested_base_imports_frozen_and_its_run_says_so(client, keras, tmp_path):
    L = keras.layers
    inp = keras.Input((6, 6, 2))
    base = keras.Model(inp, L.Conv2D(3, 3, name="base_conv")(inp), name="base")
    base.trainable = False  # the transfer-learning pattern: freeze the base, train a new head
    model = keras.Sequential([keras.Input((6, 6, 2)), base, L.Flatten(name="flat"), L.Dense(2, name="head")])
    model.save(tmp_path / "transfer.keras")
    with open(tmp_path / "transfer.keras", "rb") as f:
        r = client.post("/api/models/import", files={"file": ("transfer.keras", f, "application/zip")})
    assert r.status_code == 201, r.text
    # the imported run's graph keeps Keras's flag, so training it further leaves the base as it is;
    # the nested base is a block (graph/blocks.py), frozen as a whole as Keras froze it
    assert {n["id"]: n["trainable"] for n in r.json()["graph"]["nodes"] if n["type"] != "Input"} == {
        "base": False, "flat": True, "head": True}
    assert [n["id"] for n in r.json()["graph"]["blocks"]["base"]["nodes"]] == ["input", "base_conv"]
    with client.websocket_connect(f"/api/runs/{r.json()['id']}/stream") as ws:
        note = ws.receive_json()
        assert note["type"] == "log" and note["level"] == "warning"
        assert "frozen (trainable=False) in Keras: base_conv. They stay frozen here" in note["message"]
        assert ws.receive_json()["status"] == "imported"


def test_model_keras_download_refuses_clearly(client, keras, tmp_path, monkeypatch):
    assert client.get("/api/runs/no-such-run/artifacts/model.keras").status_code == 404
    keras_cnn(keras, tmp_path / "tiny.h5")
    with open(tmp_path / "tiny.h5", "rb") as f:
        run = client.post("/api/models/import", files={"file": ("tiny.h5", f, "application/x-hdf5")}).json()
    monkeypatch.setattr(REGISTRY["Conv2D"], "keras_classes", ())  # as if Conv2D had no Keras side
    r = client.get(f"/api/runs/{run['id']}/artifacts/model.keras")
    assert r.status_code == 422, r.text
    assert "Node 'conv' is a Conv2D" in r.json()["detail"]
