"""POST /api/models/weights: Keras weights files (written here with Keras: pretrained files cannot be
downloaded) applied by layer name to a graph, giving an imported run that predicts like Keras."""

from __future__ import annotations

import json
import time
from itertools import pairwise

import h5py
import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient

from netcanvas import model_file
from netcanvas.api.main import create_app
from netcanvas.config import Settings

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")

IMAGE = (8, 8, 1)  # digits' images, channels-last: the imported base then trains on digits


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path / "store", frontend_dist=tmp_path / "none", max_upload_mb=2)


@pytest.fixture
def client(settings):
    with TestClient(create_app(settings)) as c:
        yield c


def vgg_like(keras, top: bool):
    """A small VGG-shaped base (block1_conv1 … block2_pool, Keras's names) with random weights,
    BatchNormalization statistics included; `top` adds flatten, fc1 and predictions."""
    L = keras.layers
    x = inp = keras.Input(IMAGE, name="input_1")
    x = L.Conv2D(4, 3, padding="same", activation="relu", name="block1_conv1")(x)
    x = L.BatchNormalization(name="block1_bn")(x)
    x = L.MaxPooling2D(name="block1_pool")(x)
    x = L.Conv2D(6, 3, padding="same", activation="relu", name="block2_conv1")(x)
    x = L.MaxPooling2D(name="block2_pool")(x)
    if top:
        x = L.Flatten(name="flatten")(x)
        x = L.Dense(5, activation="relu", name="fc1")(x)
        x = L.Dense(10, activation="softmax", name="predictions")(x)
    model = keras.Model(inp, x, name="vgg_like")
    rng = np.random.default_rng(3)
    for w in model.weights:
        value = rng.normal(size=tuple(w.shape)).astype("float32") * 0.4
        w.assign(np.abs(value) + 0.5 if "variance" in w.path else value)
    return model


def save_legacy(model, path):
    """The keras.applications layout: weights only, root attribute layer_names (Keras 2's format)."""
    from keras.src.legacy.saving import legacy_h5_format

    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
    with h5py.File(path, "r") as f:
        assert "layer_names" in f.attrs and "model_config" not in f.attrs


def node(nid, kind, **params):
    return {"id": nid, "type": kind, "params": params}


def base_nodes():
    return [
        node("input_1", "Input", shape=[1, 8, 8]),
        node("block1_conv1", "Conv2D", filters=4, kernel_size=3, padding="same", activation="relu"),
        node("block1_bn", "BatchNormalization"),
        node("block1_pool", "MaxPooling2D", pool_size=2),
        node("block2_conv1", "Conv2D", filters=6, kernel_size=3, padding="same", activation="relu"),
        node("block2_pool", "MaxPooling2D", pool_size=2),
    ]


def chain_graph(nodes, name="vgg_like"):
    ids = [n["id"] for n in nodes]
    return {"format": "netcanvas.graph/1", "name": name, "nodes": nodes,
            "edges": [{"source": a, "target": b} for a, b in pairwise(ids)]}


def with_top():
    return chain_graph(base_nodes() + [node("flatten", "Flatten"), node("fc1", "Dense", units=5, activation="relu"),
                                       node("predictions", "Dense", units=10, activation="softmax")])


def with_new_head():
    return chain_graph(base_nodes() + [node("flatten", "Flatten"),
                                       node("new_head", "Dense", units=10, activation="softmax")], "new_head")


def upload(client, path, graph, **form):
    with open(path, "rb") as f:
        return client.post("/api/models/weights", files={"file": (path.name, f, "application/x-hdf5")},
                           data={"graph": json.dumps(graph), **form})


def state_of(settings, run_id):
    return model_file.read(settings.runs_dir / run_id / "model.pt")["state_dict"]


FILES = {"legacy": "vgg_like_weights.h5", "keras3": "vgg_like.weights.h5", "archive": "vgg_like.keras",
         "keras2": "vgg_like_weights_tf_dim_ordering_tf_kernels.h5"}


def save_keras2(model, path):
    """The layout of the files keras.applications published with Keras 2, written with h5py as Keras
    2 did: fixed-length byte-string attributes, weight names with ':0', and the Theano-era names
    ('block1_conv1_W_1:0') of the oldest VGG16 files for the convolutions."""
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([lay.name.encode() for lay in model.layers], dtype="S")
        f.attrs["backend"], f.attrs["keras_version"] = b"tensorflow", b"2.2.4"
        for lay in model.layers:
            g = f.create_group(lay.name)
            old = lay.name.endswith("conv1")
            names = [f"{lay.name}_{'W' if i == 0 else 'b'}_1:0" if old else f"{lay.name}/{w.name}:0"
                     for i, w in enumerate(lay.weights)]
            g.attrs["weight_names"] = np.array([n.encode() for n in names], dtype="S")
            for n, w in zip(names, lay.weights, strict=True):
                g.create_dataset(n, data=np.asarray(w.numpy()))


def save_as(model, path, layout):
    if layout == "legacy":
        save_legacy(model, path)
    elif layout == "keras2":
        save_keras2(model, path)
    elif layout == "keras3":
        model.save_weights(path)
    else:  # a whole .keras model: its model.weights.h5 is what loads
        model.save(path)


@pytest.mark.parametrize("layout", list(FILES))
def test_a_weights_file_loads_by_name_and_predicts_like_keras(client, settings, keras, tmp_path, layout):
    model = vgg_like(keras, top=True)
    path = tmp_path / FILES[layout]
    save_as(model, path, layout)

    r = upload(client, path, with_top(), name="vgg from file")
    assert r.status_code == 201, r.text
    body = r.json()
    run, report = body["run"], body["report"]
    assert run["status"] == "imported" and run["name"] == "vgg from file"
    assert set(run["artifacts"]) == {"model.pt", "weights_report.json"}
    assert [x["node"] for x in report["loaded"]] == ["block1_conv1", "block1_bn", "block2_conv1", "fc1", "predictions"]
    assert report["initialised"] == [] and report["skipped"] == []

    x = np.random.default_rng(0).normal(size=(3, *IMAGE)).astype("float32")
    want = model(x).detach().numpy()
    r = client.post(f"/api/runs/{run['id']}/predict", json={"inputs": x.transpose(0, 3, 1, 2).tolist()})
    assert r.status_code == 200, r.text
    assert np.abs(np.array(r.json()["outputs"]) - want).max() <= 1e-4  # the Flatten → Dense order too

    stored = client.get(f"/api/runs/{run['id']}/artifacts/weights_report.json").json()
    assert stored == report
    with client.websocket_connect(f"/api/runs/{run['id']}/stream") as ws:
        logs = [ws.receive_json() for _ in range(2)]
    assert logs[0]["type"] == "log" and "'block1_conv1'" in logs[0]["message"] and "5 layer(s)" in logs[0]["message"]


def test_a_notop_file_gives_the_base_its_weights_and_the_new_head_fresh_ones(client, settings, keras, tmp_path):
    base = vgg_like(keras, top=False)
    path = tmp_path / "vgg_like_weights_tf_dim_ordering_tf_kernels_notop.h5"
    save_legacy(base, path)

    # the base alone: its output equals Keras's (channels-last there)
    r = upload(client, path, chain_graph(base_nodes()))
    assert r.status_code == 201, r.text
    x = np.random.default_rng(1).normal(size=(2, *IMAGE)).astype("float32")
    out = client.post(f"/api/runs/{r.json()['run']['id']}/predict",
                      json={"inputs": x.transpose(0, 3, 1, 2).tolist()}).json()["outputs"]
    want = base(x).detach().numpy()
    assert np.abs(np.array(out).transpose(0, 2, 3, 1) - want).max() <= 1e-4

    # with a new head: the base as in Keras, the head initialised (from the seed), all listed
    r = upload(client, path, with_new_head(), seed="7")
    assert r.status_code == 201, r.text
    report = r.json()["report"]
    assert [x["node"] for x in report["loaded"]] == ["block1_conv1", "block1_bn", "block2_conv1"]
    assert [x["node"] for x in report["initialised"]] == ["new_head"]
    assert "has no layer 'new_head'" in report["initialised"][0]["reason"]
    state = state_of(settings, r.json()["run"]["id"])
    kernel = keras.ops.convert_to_numpy(base.get_layer("block2_conv1").kernel)  # (kh, kw, in, out)
    assert np.array_equal(state["block2_conv1.conv.weight"].numpy(), kernel.transpose(3, 2, 0, 1))
    bn = base.get_layer("block1_bn")
    assert np.array_equal(state["block1_bn.bn.running_var"].numpy(), keras.ops.convert_to_numpy(bn.moving_variance))
    again = upload(client, path, with_new_head(), seed="7").json()["run"]["id"]
    assert torch.equal(state_of(settings, again)["new_head.linear.weight"], state["new_head.linear.weight"])


def test_a_layer_whose_shapes_do_not_fit_is_skipped_with_the_reason_or_422_when_strict(client, keras, tmp_path):
    path = tmp_path / "w.weights.h5"
    vgg_like(keras, top=True).save_weights(path)
    graph = with_top()
    graph["nodes"][-2]["params"]["units"] = 7  # fc1: 5 units in the file
    graph["nodes"][-1]["params"] = {"units": 10}
    r = upload(client, path, graph)
    assert r.status_code == 201, r.text
    report = r.json()["report"]
    skipped = {s["source"]: s for s in report["skipped"]}
    assert skipped["fc1"]["node"] == "fc1"
    assert "(24, 5)" in skipped["fc1"]["reason"] and "(24, 7)" in skipped["fc1"]["reason"]
    assert "(5, 10)" in skipped["predictions"]["reason"] and "(7, 10)" in skipped["predictions"]["reason"]
    assert {i["node"] for i in report["initialised"]} == {"fc1", "predictions"}

    r = upload(client, path, graph, strict="true")
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert "w.weights.h5" in detail and "'fc1'" in detail and "without strict" in detail


def test_files_that_do_not_fit_are_422_naming_the_file_and_the_fix(client, keras, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("not weights")
    r = upload(client, text, with_top())
    assert r.status_code == 422 and "notes.txt is not an HDF5 file" in r.json()["detail"]

    empty = tmp_path / "empty.h5"
    with h5py.File(empty, "w") as f:
        f.create_dataset("x", data=np.zeros(3))
    r = upload(client, empty, with_top())
    assert r.status_code == 422 and "empty.h5" in r.json()["detail"] and "not a Keras weights file" in r.json()["detail"]

    L = keras.layers
    other = keras.Sequential([keras.Input((4,)), L.Dense(3, name="alpha"), L.Dense(2, name="beta")])
    path = tmp_path / "other.weights.h5"
    other.save_weights(path)
    r = upload(client, path, with_top())
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert "No layer of other.weights.h5 fits" in detail and "'alpha'" in detail and "'block1_conv1'" in detail

    r = client.post("/api/models/weights", files={"file": ("w.h5", b"x", "application/x-hdf5")})
    assert r.status_code == 422 and "'graph'" in r.json()["detail"]
    broken = with_top()
    broken["edges"] = broken["edges"][:2]
    r = upload(client, path, broken)
    assert r.status_code == 422 and r.json()["detail"]["message"] == "The graph has problems."


def test_an_upload_over_the_limit_is_413(client, tmp_path):
    big = tmp_path / "big.h5"
    big.write_bytes(b"\x89HDF\r\n\x1a\n" + b"0" * (3 << 20))
    r = upload(client, big, with_top())
    assert r.status_code == 413 and "NETCANVAS_MAX_UPLOAD_MB" in r.json()["detail"]


def test_shapes_are_checked_before_any_array_is_read(keras, tmp_path, monkeypatch):
    """A layer whose dataset is far larger than the graph's weight is skipped unread."""
    from netcanvas.export import keras_weights

    path = tmp_path / "huge.h5"
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([b"predictions"], dtype=object)
        g = f.create_group("predictions")
        g.attrs["weight_names"] = np.array([b"predictions/kernel", b"predictions/bias"], dtype=object)
        # 4 GB declared, nothing written (h5py allocates lazily): reading it would be the bug
        g.create_dataset("predictions/kernel", shape=(1 << 15, 1 << 15), dtype="float32")
        g.create_dataset("predictions/bias", shape=(10,), dtype="float32")
    read = []
    monkeypatch.setattr(h5py.Dataset, "__getitem__", lambda self, key: read.append(self.name))
    with pytest.raises(keras_weights.ImportFailed, match="No layer of huge.h5 fits"):
        keras_weights.load_keras_weights("huge.h5", path.read_bytes(), graph_json=with_top())
    assert read == []


def test_the_imported_run_with_a_new_head_trains_further(client, settings, keras, tmp_path):
    path = tmp_path / "notop.h5"
    save_legacy(vgg_like(keras, top=False), path)
    imported = upload(client, path, with_new_head(), dataset="digits").json()["run"]
    assert imported["dataset"] == "digits"
    body = {"init_from_run": imported["id"], "dataset": "digits", "epochs": 1, "device": "cpu",
            "optimizer": {"type": "adam", "learning_rate": 0.01}}
    r = client.post("/api/runs", json=body)
    assert r.status_code == 201, r.text
    run_id = r.json()["id"]
    for _ in range(1200):
        run = client.get(f"/api/runs/{run_id}").json()
        if run["status"] in {"succeeded", "failed"}:
            break
        time.sleep(0.1)
    assert run["status"] == "succeeded", run["error"]
    before, after = state_of(settings, imported["id"]), state_of(settings, run_id)
    assert not torch.equal(before["new_head.linear.weight"], after["new_head.linear.weight"])
    assert run["test_metrics"]["accuracy"] > 0.2  # ten classes: chance is 0.1


def block_graph():
    """The first VGG block as a Block instance 'base': its layers' ids become 'base/block1_conv1'…"""
    inner = [node("x", "Input", shape=[1, 8, 8])] + base_nodes()[1:4]
    ids = [n["id"] for n in inner]
    block = {"nodes": inner, "edges": [{"source": a, "target": b} for a, b in pairwise(ids)]}
    nodes = [node("input_1", "Input", shape=[1, 8, 8]), {"id": "base", "type": "Block", "block": "vgg_block1",
                                                        "params": {}}] + base_nodes()[4:]
    g = chain_graph(nodes, "blocks")
    g["blocks"] = {"vgg_block1": block}
    return g


def test_layers_inside_a_block_load_by_their_own_names(client, settings, keras, tmp_path):
    base = vgg_like(keras, top=False)
    path = tmp_path / "notop.weights.h5"
    base.save_weights(path)
    r = upload(client, path, block_graph())
    assert r.status_code == 201, r.text
    report = r.json()["report"]
    assert {(x["node"], x["source"]) for x in report["loaded"]} == {
        ("base/block1_conv1", "block1_conv1"), ("base/block1_bn", "block1_bn"), ("block2_conv1", "block2_conv1")}
    x = np.random.default_rng(2).normal(size=(2, *IMAGE)).astype("float32")
    out = client.post(f"/api/runs/{r.json()['run']['id']}/predict",
                      json={"inputs": x.transpose(0, 3, 1, 2).tolist()}).json()["outputs"]
    assert np.abs(np.array(out).transpose(0, 2, 3, 1) - base(x).detach().numpy()).max() <= 1e-4


@pytest.mark.parametrize("layout", ["legacy", "keras3"])
def test_a_nested_base_model_loads_into_a_flat_graph(client, keras, tmp_path, layout):
    """Sequential([vgg_base, Flatten(), Dense()]): the base's layers are found inside its group."""
    L = keras.layers
    base = vgg_like(keras, top=False)
    model = keras.Sequential([keras.Input(IMAGE), base, L.Flatten(name="flatten"),
                              L.Dense(10, activation="softmax", name="predictions")])
    path = tmp_path / FILES[layout]
    save_as(model, path, layout)
    graph = chain_graph(base_nodes() + [node("flatten", "Flatten"),
                                        node("predictions", "Dense", units=10, activation="softmax")])
    r = upload(client, path, graph)
    assert r.status_code == 201, r.text
    loaded = {(x["node"], x["source"]) for x in r.json()["report"]["loaded"]}
    assert loaded == {("block1_conv1", "vgg_like/block1_conv1"), ("block1_bn", "vgg_like/block1_bn"),
                      ("block2_conv1", "vgg_like/block2_conv1"), ("predictions", "predictions")}
    x = np.random.default_rng(4).normal(size=(2, *IMAGE)).astype("float32")
    out = client.post(f"/api/runs/{r.json()['run']['id']}/predict",
                      json={"inputs": x.transpose(0, 3, 1, 2).tolist()}).json()["outputs"]
    assert np.abs(np.array(out) - model(x).detach().numpy()).max() <= 1e-4


def test_keras_applications_vgg16_notop_weights_load_into_its_architecture(keras, tmp_path):
    """The real thing at a small input size: VGG16 without top as keras.applications builds it, its
    weights written as the published notop file is laid out, loaded into the graph of its
    architecture (imported from the model JSON: node ids are Keras's layer names)."""
    vgg = keras.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    path = tmp_path / "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
    save_keras2(vgg, path)
    settings = Settings(data_dir=tmp_path / "store", frontend_dist=tmp_path / "none", max_upload_mb=200)
    with TestClient(create_app(settings)) as client:
        arch = client.post("/api/models/import", files={"file": ("vgg16.json", vgg.to_json().encode(), "application/json")})
        assert arch.status_code == 201, arch.text
        r = upload(client, path, arch.json()["graph"])
        assert r.status_code == 201, r.text
        report = r.json()["report"]
        assert len(report["loaded"]) == 13 and report["initialised"] == [] and report["skipped"] == []
        x = np.random.default_rng(5).uniform(0, 1, size=(2, 32, 32, 3)).astype("float32")
        out = client.post(f"/api/runs/{r.json()['run']['id']}/predict",
                          json={"inputs": x.transpose(0, 3, 1, 2).tolist()}).json()["outputs"]
        want = keras.ops.convert_to_numpy(vgg(x))
        assert np.abs(want).max() > 1e-3  # not all zeros after 13 ReLUs
        assert np.abs(np.array(out).transpose(0, 2, 3, 1) - want).max() <= 1e-4
        state = state_of(settings, r.json()["run"]["id"])
        assert sum(v.numel() for v in state.values()) == vgg.count_params() == 14_714_688


def test_a_keras_archive_that_inflates_far_beyond_the_graph_is_not_read(client, tmp_path):
    import zipfile

    bomb = tmp_path / "bomb.keras"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("config.json", "{}")
        z.writestr("model.weights.h5", b"\0" * (64 << 20))  # 64 MB of zeros: ~64 KB compressed
    assert bomb.stat().st_size < 1 << 20
    r = upload(client, bomb, with_top())
    assert r.status_code == 422
    assert "bomb.keras" in r.json()["detail"] and "inflates to 64 MB" in r.json()["detail"]
