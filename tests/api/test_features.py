"""Features at any node, "Cut here" and "Replace head" (issue 9): predict at intermediate nodes,
a model cut at a node, a model with a new classifier head, and the 422s for what cannot be done."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from api_factories import make_client, wait_status

from netcanvas.graph.compile import compile_graph
from netcanvas.graph.schema import Graph
from netcanvas.training.bundle import bundle_dict

REAL_TRAINER = "netcanvas.training.engine:run_training"


def cnn_graph() -> dict:
    """digits (1×8×8) → conv → pool → flatten → dense → softmax over 10 classes."""
    return {
        "format": "netcanvas.graph/1", "name": "cnn",
        "nodes": [
            {"id": "in", "type": "Input", "params": {"shape": [1, 8, 8]}},
            {"id": "c1", "type": "Conv2D", "params": {"filters": 4, "kernel_size": 3, "activation": "relu"}},
            {"id": "p1", "type": "MaxPooling2D", "params": {"pool_size": 2}},
            {"id": "f", "type": "Flatten", "params": {}},
            {"id": "h", "type": "Dense", "params": {"units": 16, "activation": "relu"}},
            {"id": "out", "type": "Dense", "params": {"units": 10, "activation": "softmax"}},
        ],
        "edges": [{"source": a, "target": b} for a, b in
                  [("in", "c1"), ("c1", "p1"), ("p1", "f"), ("f", "h"), ("h", "out")]],
    }


def stored_run(client, graph_json: dict, *, fused: bool = True, seed: int = 0) -> tuple[str, dict]:
    """An `imported` run holding random weights for `graph_json`, stored as the import route stores
    one; `fused`: the output compiled as logits (softmax applied by predict), as training leaves it."""
    from netcanvas.api.routes.models import _store

    graph = Graph.model_validate(graph_json)
    torch.manual_seed(seed)
    linear = {"out"} if fused else set()
    module = compile_graph(graph, linear_outputs=linear)
    data = bundle_dict(graph, module, settings=None, linear_outputs=sorted(linear),
                       output_activations=["softmax" if fused else None], dataset="digits")
    made = SimpleNamespace(graph=graph, bundle=dict(data), state_dict=data["state_dict"], notes=[])
    app = client.app
    run = _store(app.state.db, app.state.settings, made, "model.pt", "cnn", "digits")
    return run.id, {k: v.clone() for k, v in data["state_dict"].items()}


def batch(n: int = 3, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).random((n, 1, 8, 8), dtype=np.float32)


def predict(client, run_id: str, x: np.ndarray, nodes: list[str] | None = None):
    body: dict = {"inputs": x.tolist()}
    if nodes is not None:
        body["nodes"] = nodes
    return client.post(f"/api/runs/{run_id}/predict", json=body)


def test_predict_at_nodes_equals_a_direct_torch_computation(client):
    run_id, w = stored_run(client, cnn_graph())
    x = batch()
    r = predict(client, run_id, x, ["p1", "h"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["nodes"] == ["p1", "h"] and body["shapes"] == [[4, 3, 3], [16]]
    pooled, hidden = (np.asarray(v, dtype=np.float32) for v in body["outputs"])

    t = torch.from_numpy(x)
    want_pool = F.max_pool2d(F.relu(F.conv2d(t, w["c1.conv.weight"], w["c1.conv.bias"])), 2)
    want_hidden = F.relu(F.linear(want_pool.flatten(1), w["h.linear.weight"], w["h.linear.bias"]))
    assert pooled.shape == (3, 4, 3, 3) and hidden.shape == (3, 16)
    np.testing.assert_allclose(pooled, want_pool.numpy(), atol=1e-5)
    np.testing.assert_allclose(hidden, want_hidden.numpy(), atol=1e-5)

    # The output node asked by name: the probabilities predict gives (the bundle holds it as logits).
    full = np.asarray(predict(client, run_id, x).json()["outputs"])
    at_out = np.asarray(predict(client, run_id, x, ["out"]).json()["outputs"])
    np.testing.assert_allclose(at_out, full, atol=1e-6)
    assert np.allclose(at_out.sum(1), 1, atol=1e-5)
    # asked again: the same answer (from the cache)
    again = np.asarray(predict(client, run_id, x, ["p1", "h"]).json()["outputs"][1], dtype=np.float32)
    np.testing.assert_array_equal(again, hidden)


def test_predict_at_unknown_or_input_nodes_is_422_naming_them(client):
    run_id, _ = stored_run(client, cnn_graph())
    r = predict(client, run_id, batch(), ["block3_pool"])
    assert r.status_code == 422 and "'block3_pool'" in r.json()["detail"]
    r = predict(client, run_id, batch(), ["in"])
    assert r.status_code == 422 and "'in' is an Input" in r.json()["detail"]
    r = predict(client, run_id, batch(), [])
    assert r.status_code == 422 and "nodes" in r.text
    r = client.post(f"/api/runs/{run_id}/predict", json={"inputs": [[1, 2]], "nodes": ["h"]})
    assert r.status_code == 422 and "'in'" in r.json()["detail"]


def test_predict_at_nodes_refuses_an_answer_too_big_to_send(client, monkeypatch):
    from netcanvas.training import features

    monkeypatch.setattr(features, "MAX_VALUES", 100)
    run_id, _ = stored_run(client, cnn_graph())
    r = predict(client, run_id, batch(3), ["p1"])  # 3 × 36 values
    assert r.status_code == 422, r.text
    assert "fewer samples (at most 2)" in r.json()["detail"] and "'p1'" in r.json()["detail"]


def test_cut_here_makes_a_graph_and_run_predicting_what_the_node_gave(client):
    run_id, _ = stored_run(client, cnn_graph())
    x = batch(4)
    r = client.post(f"/api/runs/{run_id}/cut", json={"node": "h"})
    assert r.status_code == 201, r.text
    made = r.json()
    graph, run = made["graph"], made["run"]
    assert [n["id"] for n in graph["graph"]["nodes"]] == ["in", "c1", "p1", "f", "h"]
    assert graph["graph"]["outputs"] == ["h"]
    assert run["status"] == "imported" and run["request"]["graph_id"] == graph["id"]
    assert client.get(f"/api/graphs/{graph['id']}").json()["graph"]["outputs"] == ["h"]
    assert any("'out'" in note for note in made["notes"])

    want = np.asarray(predict(client, run_id, x, ["h"]).json()["outputs"])
    got = np.asarray(predict(client, run["id"], x).json()["outputs"])
    assert got.shape == (4, 16)
    np.testing.assert_array_equal(got, want)

    # cut at the (fused) output: the new model gives the probabilities, as the source does
    r = client.post(f"/api/runs/{run_id}/cut", json={"node": "out"})
    assert r.status_code == 201, r.text
    got = np.asarray(predict(client, r.json()["run"]["id"], x).json()["outputs"])
    np.testing.assert_allclose(got, np.asarray(predict(client, run_id, x).json()["outputs"]), atol=1e-6)


def test_cut_at_unknown_or_input_node_is_422(client):
    run_id, _ = stored_run(client, cnn_graph())
    r = client.post(f"/api/runs/{run_id}/cut", json={"node": "nope"})
    assert r.status_code == 422 and "'nope' is not a node" in r.json()["detail"]
    r = client.post(f"/api/runs/{run_id}/cut", json={"node": "in"})
    assert r.status_code == 422 and "Input" in r.json()["detail"]
    assert client.post("/api/runs/no-such-run/cut", json={"node": "h"}).status_code == 404


def test_replace_head_keeps_every_other_weight_and_the_head_is_new(client):
    run_id, before = stored_run(client, cnn_graph())
    r = client.post(f"/api/runs/{run_id}/replace-head", json={"from_node": "out", "classes": 3})
    assert r.status_code == 201, r.text
    made = r.json()
    nodes = {n["id"]: n for n in made["graph"]["graph"]["nodes"]}
    assert "out" not in nodes and nodes["head"]["params"] == {"units": 3, "activation": "softmax"}
    assert made["graph"]["graph"]["outputs"] == ["head"]

    from netcanvas import model_file

    after = model_file.read(client.app.state.settings.runs_dir / made["run"]["id"] / "model.pt")["state_dict"]
    kept = [k for k in before if not k.startswith("out.")]
    assert kept and all(torch.equal(after[k], before[k]) for k in kept)
    head = [k for k in after if k.startswith("head.")]
    assert head and all(after[k].shape[0] == 3 for k in head)
    # the new model predicts 3 probabilities per sample
    out = np.asarray(predict(client, made["run"]["id"], batch()).json()["outputs"])
    assert out.shape == (3, 3) and np.allclose(out.sum(1), 1, atol=1e-5)


def test_replace_head_on_an_image_needs_pooling_and_adds_it_when_asked(client):
    run_id, _ = stored_run(client, cnn_graph())
    body = {"from_node": "f", "dataset": "digits"}
    r = client.post(f"/api/runs/{run_id}/replace-head", json=body)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert "'p1' gives (4, 3, 3)" in detail and "GlobalAveragePooling2D" in detail and "add_pooling" in detail

    r = client.post(f"/api/runs/{run_id}/replace-head", json={**body, "add_pooling": True})
    assert r.status_code == 201, r.text
    g = r.json()["graph"]["graph"]
    assert [n["type"] for n in g["nodes"]] == ["Input", "Conv2D", "MaxPooling2D", "GlobalAveragePooling2D", "Dense"]
    assert any("added GlobalAveragePooling2D" in n for n in r.json()["notes"])
    assert r.json()["run"]["dataset"] == "digits"


def test_a_head_on_top_of_a_base_keeps_that_layer(client):
    run_id, before = stored_run(client, cnn_graph())
    r = client.post(f"/api/runs/{run_id}/replace-head", json={"after_node": "p1", "classes": 2, "add_pooling": True})
    assert r.status_code == 201, r.text
    g = r.json()["graph"]["graph"]
    assert [n["id"] for n in g["nodes"]] == ["in", "c1", "p1", "head_pool", "head"]
    assert g["nodes"][-1]["params"] == {"units": 2, "activation": "softmax"}
    assert "Put the new head on 'p1'" in r.json()["notes"][1]
    from netcanvas import model_file

    after = model_file.read(client.app.state.settings.runs_dir / r.json()["run"]["id"] / "model.pt")["state_dict"]
    assert torch.equal(after["c1.conv.weight"], before["c1.conv.weight"])
    r = client.post(f"/api/runs/{run_id}/replace-head", json={"from_node": "out", "after_node": "h", "classes": 2})
    assert r.status_code == 422 and "one of from_node" in r.text


def test_replace_head_422s_name_the_node_and_the_fix(client):
    run_id, _ = stored_run(client, cnn_graph())
    url = f"/api/runs/{run_id}/replace-head"
    r = client.post(url, json={"from_node": "fc1", "dataset": "digits"})
    assert r.status_code == 422 and "'fc1' is not a node" in r.json()["detail"]
    r = client.post(url, json={"from_node": "in", "dataset": "digits"})
    assert r.status_code == 422 and "'in' is an Input" in r.json()["detail"]
    r = client.post(url, json={"from_node": "out", "dataset": "no-such-set"})
    assert r.status_code == 422 and "no-such-set" in r.json()["detail"]
    r = client.post(url, json={"from_node": "out"})
    assert r.status_code == 422 and "classes" in r.json()["detail"]
    r = client.post(url, json={"from_node": "out", "dataset": "digits", "classes": 3})
    assert r.status_code == 422 and "10 classes" in r.json()["detail"]
    # a head for a data set whose inputs the model does not take
    r = client.post(url, json={"from_node": "out", "dataset": "iris"})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert "'in'" in detail["message"] and "set the Input shape to [4]" in detail["message"]


@pytest.mark.slow
def test_a_replaced_head_trains_further_and_its_loss_goes_down(settings):
    with make_client(settings, trainer=REAL_TRAINER) as client:
        run_id, _ = stored_run(client, cnn_graph())
        made = client.post(f"/api/runs/{run_id}/replace-head",
                           json={"from_node": "h", "dataset": "digits"}).json()
        assert made["run"]["request"]["loss"] == "sparse_categorical_crossentropy"
        body = {"init_from_run": made["run"]["id"], "graph_id": made["graph"]["id"], "dataset": "digits",
                "epochs": 3, "batch_size": 64, "device": "cpu", "seed": 0,
                "optimizer": {"type": "adam", "learning_rate": 0.01}}
        r = client.post("/api/runs", json=body)
        assert r.status_code == 201, r.text
        run = wait_status(client, r.json()["id"], {"succeeded", "failed"}, timeout=180)
        assert run["status"] == "succeeded", run["error"]
        losses = [e["metrics"]["loss"] for e in run["epochs"]]
        assert len(losses) == 3 and losses[-1] < losses[0]


def block_graph() -> dict:
    """digits → Flatten → Block "tower" (two Dense layers, a definition) → Dense softmax."""
    tower = {"nodes": [{"id": "x", "type": "Input", "params": {"shape": [64]}},
                       {"id": "d1", "type": "Dense", "params": {"units": 12, "activation": "relu"}},
                       {"id": "d2", "type": "Dense", "params": {"units": 6, "activation": "tanh"}}],
             "edges": [{"source": "x", "target": "d1"}, {"source": "d1", "target": "d2"}]}
    return {
        "format": "netcanvas.graph/1", "name": "blocky",
        "nodes": [{"id": "in", "type": "Input", "params": {"shape": [1, 8, 8]}},
                  {"id": "f", "type": "Flatten", "params": {}},
                  {"id": "t1", "type": "Block", "block": "tower", "params": {}},
                  {"id": "out", "type": "Dense", "params": {"units": 10, "activation": "softmax"}}],
        "edges": [{"source": "in", "target": "f"}, {"source": "f", "target": "t1"}, {"source": "t1", "target": "out"}],
        "blocks": {"tower": tower},
    }


def test_features_cut_and_new_head_reach_inside_blocks(client):
    run_id, w = stored_run(client, block_graph())
    x = batch()
    r = predict(client, run_id, x, ["t1/d1", "t1"])
    assert r.status_code == 200, r.text
    inner, block_out = (np.asarray(v, dtype=np.float32) for v in r.json()["outputs"])
    t = torch.from_numpy(x).flatten(1)
    d1 = next(k for k in w if k.endswith("d1.linear.weight"))
    want = F.relu(F.linear(t, w[d1], w[d1.replace("weight", "bias")]))
    np.testing.assert_allclose(inner, want.numpy(), atol=1e-5)
    assert block_out.shape == (3, 6)

    r = client.post(f"/api/runs/{run_id}/cut", json={"node": "t1/d1"})
    assert r.status_code == 201, r.text
    got = np.asarray(predict(client, r.json()["run"]["id"], x).json()["outputs"], dtype=np.float32)
    np.testing.assert_array_equal(got, inner)

    # a new head on the block: the block (and its definition) stays, its weights kept
    r = client.post(f"/api/runs/{run_id}/replace-head", json={"from_node": "out", "classes": 4})
    assert r.status_code == 201, r.text
    g = r.json()["graph"]["graph"]
    assert "tower" in g["blocks"] and any(n["type"] == "Block" for n in g["nodes"])
    new_id = r.json()["run"]["id"]
    got = np.asarray(predict(client, new_id, x, ["t1"]).json()["outputs"], dtype=np.float32)
    np.testing.assert_array_equal(got, block_out)


@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")
def test_features_and_cut_of_an_imported_keras_model_equal_keras_at_that_layer(client, keras, tmp_path):
    L = keras.layers
    x_in = keras.Input((8, 8, 3), name="image")
    y = L.Conv2D(4, 3, padding="same", activation="relu", name="block1_conv1")(x_in)
    y = L.BatchNormalization(name="block1_bn")(y)
    y = L.MaxPooling2D(2, name="block1_pool")(y)
    y = L.Conv2D(5, 3, activation="relu", name="block2_conv1")(y)
    y = L.Dense(3, activation="softmax", name="predictions")(L.Flatten(name="flatten")(y))
    model = keras.Model(x_in, y, name="tiny_vgg")
    rng = np.random.default_rng(0)
    bn = model.get_layer("block1_bn")  # statistics that are not the identity, so inference mode shows
    bn.set_weights([rng.normal(1, 0.2, 4), rng.normal(0, 0.2, 4), rng.normal(0, 0.5, 4), rng.uniform(0.5, 2, 4)])
    model.save(tmp_path / "tiny.h5")
    with open(tmp_path / "tiny.h5", "rb") as f:
        r = client.post("/api/models/import", files={"file": ("tiny.h5", f, "application/x-hdf5")})
    assert r.status_code == 201, r.text
    run_id = r.json()["id"]

    x = rng.normal(size=(2, 8, 8, 3)).astype("float32")
    layers = ["block1_bn", "block1_pool", "block2_conv1"]
    tap = keras.Model(x_in, [model.get_layer(n).output for n in layers])
    want = [np.asarray(keras.ops.convert_to_numpy(o)).transpose(0, 3, 1, 2) for o in tap(x)]
    r = client.post(f"/api/runs/{run_id}/predict", json={"inputs": x.transpose(0, 3, 1, 2).tolist(), "nodes": layers})
    assert r.status_code == 200, r.text
    for got, exp in zip(r.json()["outputs"], want, strict=True):
        assert np.abs(np.asarray(got) - exp).max() <= 1e-4

    r = client.post(f"/api/runs/{run_id}/cut", json={"node": "block1_pool"})
    assert r.status_code == 201, r.text
    got = client.post(f"/api/runs/{r.json()['run']['id']}/predict", json={"inputs": x.transpose(0, 3, 1, 2).tolist()})
    assert np.abs(np.asarray(got.json()["outputs"]) - want[1]).max() <= 1e-4
