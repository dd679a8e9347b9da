"""Legacy Keras weights files whose layer names differ from the graph's load by ORDER, as Keras's own
`model.load_weights(path)` does (the published files were written in Keras 2 sessions, whose
auto-generated names "conv2d_1", … are one off from a fresh Keras 3 model's "conv2d", …).
The reference is always Keras itself: a fresh-named Keras model loaded with its load_weights."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient
from test_keras_weights import chain_graph, node, save_legacy, upload

from netcanvas.api.main import create_app
from netcanvas.config import Settings
from netcanvas.export.keras_weights import load_keras_weights
from netcanvas.graph.compile import compile_graph

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")

IMAGE = (8, 8, 1)


@pytest.fixture
def client(tmp_path):
    settings = Settings(data_dir=tmp_path / "store", frontend_dist=tmp_path / "none", max_upload_mb=2)
    with TestClient(create_app(settings)) as c:
        yield c


def small_model(keras, shifted: bool):
    """Conv2D, BatchNormalization, Conv2D, then three Dense(4) (equal shapes: by name, a shifted
    "dense_2" would silently fit the wrong layer), every layer auto-named. `shifted`: a throwaway
    layer of each kind first, so the names start at _1 as in a Keras 2 session."""
    L = keras.layers
    keras.backend.clear_session()
    if shifted:
        L.Conv2D(1, 1), L.BatchNormalization(), L.Dense(1)  # only their names count
    x = inp = keras.Input(IMAGE, name="input_1")
    x = L.Conv2D(4, 3, padding="same", activation="relu")(x)
    x = L.BatchNormalization()(x)
    x = L.Conv2D(4, 3, padding="same", activation="relu")(x)
    x = L.Flatten()(x)
    x = L.Dense(4, activation="relu")(x)
    x = L.Dense(4, activation="relu")(x)
    x = L.Dense(4, activation="softmax")(x)
    model = keras.Model(inp, x)
    rng = np.random.default_rng(3)
    for w in model.weights:
        value = rng.normal(size=tuple(w.shape)).astype("float32") * 0.4
        w.assign(np.abs(value) + 0.5 if "variance" in w.path else value)
    return model


def fresh_graph(conv1_filters: int = 4, denses: int = 3):
    """The same network with a fresh Keras 3 session's names as node ids."""
    nodes = [node("input_1", "Input", shape=[1, 8, 8]),
             node("conv2d", "Conv2D", filters=4, kernel_size=3, padding="same", activation="relu"),
             node("batch_normalization", "BatchNormalization"),
             node("conv2d_1", "Conv2D", filters=conv1_filters, kernel_size=3, padding="same", activation="relu"),
             node("flatten", "Flatten")]
    names = ["dense", "dense_1", "dense_2"][:denses]
    nodes += [node(n, "Dense", units=4, activation="softmax" if i == denses - 1 else "relu")
              for i, n in enumerate(names)]
    return chain_graph(nodes, "shifted")


@pytest.fixture
def shifted_file(keras, tmp_path):
    """A legacy weights file with shifted names, and the Keras reference: a fresh-named model that
    loaded it with Keras's own load_weights (by order)."""
    model = small_model(keras, shifted=True)
    path = tmp_path / "shifted.h5"
    save_legacy(model, path)
    with h5py.File(path, "r") as f:
        assert [n.decode() if isinstance(n, bytes) else n for n in f.attrs["layer_names"]][1:3] == [
            "conv2d_1", "batch_normalization_1"]
    reference = small_model(keras, shifted=False)
    assert reference.layers[1].name == "conv2d"
    reference.load_weights(path)
    x = np.random.default_rng(0).normal(size=(3, *IMAGE)).astype("float32")
    want = keras.ops.convert_to_numpy(reference(x))
    assert np.abs(want - keras.ops.convert_to_numpy(model(x))).max() <= 1e-6  # Keras loaded it by order
    return path, x, want


def predict(client, run_id, x):
    r = client.post(f"/api/runs/{run_id}/predict", json={"inputs": x.transpose(0, 3, 1, 2).tolist()})
    assert r.status_code == 200, r.text
    return np.array(r.json()["outputs"])


def test_auto_loads_a_file_with_shifted_names_by_order_and_predicts_like_keras(client, shifted_file):
    path, x, want = shifted_file
    r = upload(client, path, fresh_graph())
    assert r.status_code == 201, r.text
    report = r.json()["report"]
    assert report["matching"] == "order"
    assert "as Keras's load_weights does" in report["matching_reason"]
    assert "conv2d_1 ≠ conv2d" in report["matching_reason"]
    assert [(e["node"], e["source"]) for e in report["loaded"]] == [
        ("conv2d", "conv2d_1"), ("batch_normalization", "batch_normalization_1"), ("conv2d_1", "conv2d_2"),
        ("dense", "dense_1"), ("dense_1", "dense_2"), ("dense_2", "dense_3")]
    assert report["initialised"] == [] and report["skipped"] == []
    run_id = r.json()["run"]["id"]
    assert np.abs(predict(client, run_id, x) - want).max() <= 1e-4

    assert client.get(f"/api/runs/{run_id}/artifacts/weights_report.json").json()["matching"] == "order"
    with client.websocket_connect(f"/api/runs/{run_id}/stream") as ws:
        logs = [ws.receive_json()["message"] for _ in range(2)]
    assert logs[0].startswith("Loaded by order from shifted.h5: 6 layer(s)")
    assert logs[1].startswith("Matched by order, as Keras's load_weights does") and "conv2d_1 ≠ conv2d" in logs[1]

    # asked for explicitly: the same
    r = upload(client, path, fresh_graph(), match="order")
    assert r.status_code == 201, r.text
    assert np.abs(predict(client, r.json()["run"]["id"], x) - want).max() <= 1e-4


def test_match_name_pairs_by_name_even_where_that_takes_the_wrong_layer(client, shifted_file):
    """What auto avoids: the file's "dense_2" (the second Dense) fits the graph's third by shape."""
    path, x, want = shifted_file
    r = upload(client, path, fresh_graph(), match="name")
    assert r.status_code == 201, r.text
    report = r.json()["report"]
    assert report["matching"] == "name" and report["matching_reason"] is None
    assert [(e["node"], e["source"]) for e in report["loaded"]] == [("dense_2", "dense_2")]
    assert np.abs(predict(client, r.json()["run"]["id"], x) - want).max() > 1e-3


def test_a_file_that_does_not_fit_in_order_is_422_naming_both_layers_and_shapes(client, shifted_file):
    path, _, _ = shifted_file
    r = upload(client, path, fresh_graph(conv1_filters=5), match="order")
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert "shifted.h5 does not load by order" in detail
    assert "layer #2 (node 'conv2d_1' in the graph, 'conv2d_2' in shifted.h5)" in detail
    assert "(3, 3, 4, 4) in the file, the node needs (3, 3, 4, 5)" in detail and "match 'name'" in detail

    no_bias = fresh_graph()
    no_bias["nodes"][1]["params"]["use_bias"] = False
    r = upload(client, path, no_bias, match="order")
    assert r.status_code == 422
    assert ("Weight count mismatch for layer #0 (node 'conv2d' in the graph, 'conv2d_1' in shifted.h5): the node "
            "needs 1 weight(s) (kernel), the file has 2") in r.json()["detail"]

    r = upload(client, path, fresh_graph(denses=2), match="order")
    assert r.status_code == 422
    assert "Layer count mismatch: the graph has 5 layers with weights, shifted.h5 has 6" in r.json()["detail"]

    # auto: neither by name nor in order, so by name with skips, and the report says why
    r = upload(client, path, fresh_graph(conv1_filters=5))
    assert r.status_code == 201, r.text
    report = r.json()["report"]
    assert report["matching"] == "name" and "Shape mismatch for layer #2" in report["matching_reason"]
    assert {e["source"] for e in report["skipped"]} >= {"conv2d_1", "conv2d_2", "dense_3"}


def test_order_is_refused_for_keras3_files_and_names_that_fit_stay_by_name(client, keras, tmp_path):
    model = small_model(keras, shifted=False)
    path = tmp_path / "fresh.weights.h5"
    model.save_weights(path)
    r = upload(client, path, fresh_graph(), match="order")
    assert r.status_code == 422 and "fresh.weights.h5 is a Keras 3 weights file" in r.json()["detail"]

    legacy = tmp_path / "fresh.h5"
    save_legacy(model, legacy)
    r = upload(client, legacy, fresh_graph())
    assert r.status_code == 201, r.text
    report = r.json()["report"]
    assert report["matching"] == "name" and "every layer of the file" in report["matching_reason"]
    assert len(report["loaded"]) == 6


def test_inception_v3_template_loads_a_file_named_as_the_published_one_by_order(keras, tmp_path):
    """InceptionV3 at 75×75 (its smallest input): a Keras 2 session's names (conv2d_1 …
    conv2d_94), loaded into the template, whose node ids are a fresh Keras 3 model's."""
    from netcanvas.templates import generate
    from netcanvas.templates.catalogue import ARCHITECTURES
    from netcanvas.templates.library import template

    keras.backend.clear_session()
    keras.layers.Conv2D(1, 1), keras.layers.BatchNormalization()  # names from _1, as in Keras 2
    shape = (75, 75, 3)
    model = keras.applications.InceptionV3(weights=None, include_top=False, input_shape=shape,
                                           input_tensor=keras.Input(shape, name="input"))
    rng = np.random.default_rng(0)  # BatchNormalization statistics away from 0 and 1: they load too
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.moving_mean.assign(rng.normal(0, 0.2, layer.moving_mean.shape))
            layer.moving_variance.assign(rng.uniform(0.5, 1.5, layer.moving_variance.shape))
    path = tmp_path / "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
    save_legacy(model, path)
    with h5py.File(path, "r") as f:
        names = {n.decode() if isinstance(n, bytes) else n for n in f.attrs["layer_names"]}
    assert {"conv2d_1", "conv2d_94"} <= names and "conv2d" not in names
    del model

    reference = generate.keras_model(ARCHITECTURES["inception_v3"], False, 75)  # fresh names: conv2d …
    reference.load_weights(path)  # Keras's own loader: by order
    x = np.random.default_rng(1).uniform(0, 1, size=(2, *shape)).astype("float32")
    want = keras.ops.convert_to_numpy(reference([x], training=False))
    del reference

    graph = template("inception_v3", False, 75)
    got = load_keras_weights(path.name, path.read_bytes(), graph_json=graph.model_dump(mode="json"))
    report = got.report
    assert report.matching == "order" and not report.initialised and not report.skipped
    assert len(report.loaded) == 188  # 94 Conv2D and their BatchNormalization
    pairs = {(e.node.rsplit("/", 1)[-1], e.source) for e in report.loaded}
    assert {("conv2d", "conv2d_1"), ("conv2d_93", "conv2d_94"), ("batch_normalization", "batch_normalization_1")} <= pairs
    module = compile_graph(got.graph)
    module.load_state_dict(got.state_dict, strict=True)
    with torch.no_grad():
        out = module.eval()(torch.from_numpy(np.moveaxis(x, -1, 1).copy()))
    out = (out[0] if isinstance(out, tuple) else out).permute(0, 2, 3, 1).numpy()
    assert out.shape == want.shape and np.abs(want).max() > 1e-3
    assert float(np.abs(out - want).max()) <= 1e-4


def test_the_route_offers_the_modes_and_refuses_others(client, shifted_file):
    path, _, _ = shifted_file
    with open(path, "rb") as f:
        r = client.post("/api/models/weights", files={"file": (path.name, f, "application/x-hdf5")},
                        data={"graph": json.dumps(fresh_graph()), "match": "position"})
    assert r.status_code == 422 and "match" in json.dumps(r.json()["detail"])
