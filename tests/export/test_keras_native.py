"""model.keras (Keras 3's native zip, written without Keras) and the compile settings of model.h5 / .keras.

- Every export case and every kind's examples: `keras.models.load_model("model.keras")` predicts
  what netcanvas predicts, and its model.weights.h5 holds exactly what Keras's own `model.save`
  writes for that model (same groups, same variables, same values): nested layers included.
- A run's training settings come back as Keras's compile settings: `load_model(...).evaluate(x, y)`
  works without compiling and gives netcanvas's loss and metrics (≤ 1e-4), fused softmax/sigmoid
  and from_logits included.
- Through the API: GET /api/runs/{id}/artifacts/model.keras predicts like the run's /predict.
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient
from nc_export_cases import (
    CASES,
    chain,
    graph,
    outputs_list,
    to_channels_first,
    to_channels_last,
    trained_like,
)

from netcanvas.api.main import create_app
from netcanvas.config import Settings
from netcanvas.data.base import Dataset, DatasetInfo, Sizes, Split, TargetInfo
from netcanvas.export import artifacts
from netcanvas.export.keras_compile import compile_config
from netcanvas.export.keras_native import export_keras, layer_keys, split_weights, to_snake_case
from netcanvas.graph.analyze import analyze
from netcanvas.graph.compile import compile_graph
from netcanvas.kerasio.model import KerasLayer
from netcanvas.layers import REGISTRY
from netcanvas.training.bundle import bundle_dict, evaluate, load_bundle, save_bundle
from netcanvas.training.plan import output_activation
from netcanvas.training.settings import TrainSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "layers"))
from kind_examples import channels_last, example_graph, first, inputs_for, randomize

pytestmark = [
    pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword"),
    pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer"),
]


def weights_of(path: Path) -> dict[str, np.ndarray]:
    with zipfile.ZipFile(path) as zf, h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r") as f:
        out: dict[str, np.ndarray] = {}
        f.visititems(lambda name, obj: out.__setitem__(name, np.asarray(obj)) if isinstance(obj, h5py.Dataset)
                     else None)
        return out


def groups_of(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as zf, h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r") as f:
        names: set[str] = set()
        f.visititems(lambda name, obj: names.add(name) if isinstance(obj, h5py.Group) else None)
        return names


def assert_same_as_keras_save(km, mine: Path, tmp_path: Path) -> None:
    """Keras's own model.save of the loaded model writes the same variables where ours are."""
    theirs = tmp_path / "theirs.keras"
    km.save(theirs)
    a, b = weights_of(mine), weights_of(theirs)
    assert sorted(a) == sorted(b)
    for k in a:
        # netcanvas writes every variable as float32; Keras casts on loading (Normalization's int count)
        assert a[k].shape == b[k].shape and np.array_equal(a[k].astype(b[k].dtype), b[k]), k
    # every group Keras has (the layers with no variables too) is there
    assert {g for g in groups_of(theirs) if not g.startswith("optimizer")} <= groups_of(mine)


def keras_outputs(km, xs: list[np.ndarray]) -> list[np.ndarray]:
    kx = [to_channels_last(x) for x in xs]
    out = km(kx[0] if len(kx) == 1 else kx, training=False)
    outs = out if isinstance(out, (list, tuple)) else [out]
    return [to_channels_first(np.asarray(o.detach().cpu())) for o in outs]


@pytest.mark.parametrize("case", sorted(CASES))
def test_keras_file_loads_and_predicts_the_same(case, keras, tmp_path):
    a, m, xs = trained_like(CASES[case]())
    with torch.no_grad():
        want = outputs_list(m(*xs))
    path = tmp_path / "model.keras"
    export_keras(a, m.state_dict(), path)
    with zipfile.ZipFile(path) as zf:
        assert zf.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        meta = json.loads(zf.read("metadata.json"))
        assert meta["keras_version"] == keras.__version__ and "date_saved" in meta
        assert "compile_config" not in json.loads(zf.read("config.json"))  # no settings: uncompiled
    km = keras.models.load_model(path)
    got = keras_outputs(km, [x.numpy() for x in xs])
    assert [g.shape for g in got] == [w.shape for w in want]
    diff = max(float(np.abs(g - w).max()) for g, w in zip(got, want, strict=True))
    assert diff <= 1e-4, diff
    assert_same_as_keras_save(km, path, tmp_path)


EXAMPLES = [(kind, i) for kind, cls in sorted(REGISTRY.items()) if cls.keras_classes
            for i in range(len(cls.examples))]


@pytest.mark.parametrize(("kind", "i"), EXAMPLES)
def test_every_kind_example_writes_keras_layout(kind, i, keras, tmp_path):
    params, shapes = REGISTRY[kind].examples[i]
    a = analyze(example_graph(kind, params, shapes))
    m = compile_graph(a)
    randomize(m, i)
    m.eval()
    xs = inputs_for(kind, params, shapes, i)
    with torch.no_grad():
        want = first(m(*xs)).numpy()
    path = tmp_path / "model.keras"
    export_keras(a, m.state_dict(), path)
    km = keras.models.load_model(path, compile=False)
    kx = [channels_last(x.numpy()) for x in xs]
    got = np.asarray(first(km(kx[0] if len(kx) == 1 else kx, training=False)).detach().cpu())
    got = to_channels_first(got) if got.ndim == 4 else got
    assert float(np.abs(got - want).max()) <= 1e-4, f"{kind} {params}"
    assert_same_as_keras_save(km, path, tmp_path)


def test_nested_layers_split_as_keras_keeps_them():
    lstm = {"class_name": "LSTM", "config": {"units": 2, "name": "rnn"}}
    assert split_weights("LSTM", {}, 3) == [("cell", 3, "lstm_cell")]
    assert split_weights("Bidirectional", {"layer": lstm}, 6) == [
        ("forward_layer", 0, "forward_rnn"), ("forward_layer/cell", 3, "lstm_cell"),
        ("backward_layer", 0, "backward_rnn"), ("backward_layer/cell", 3, "lstm_cell")]
    dense = {"class_name": "Dense", "config": {"name": "d"}}
    assert split_weights("TimeDistributed", {"layer": dense}, 2) == [("layer", 0, "d"), ("layer", 2, "d")]
    assert [p[:2] for p in split_weights("MultiHeadAttention", {"use_bias": False}, 4)] == [
        ("query_dense", 1), ("key_dense", 1), ("value_dense", 1), ("output_dense", 1), ("_softmax", 0),
        ("_dropout_layer", 0)]
    assert split_weights("Dense", {"name": "d"}, 2) == [("", 2, "d")]
    with pytest.raises(ValueError, match="has 5 weights where Keras keeps 8"):
        split_weights("MultiHeadAttention", {}, 5)
    assert [to_snake_case(c) for c in ("Conv2DTranspose", "ReLU", "SimpleRNN", "UpSampling2D", "PReLU")] == [
        "conv2d_transpose", "re_lu", "simple_rnn", "up_sampling2d", "p_re_lu"]
    layers = [KerasLayer(c, f"n{i}", {}, [], False) for i, c in enumerate(["InputLayer", "Dense", "Dense", "Dense"])]
    assert layer_keys(layers) == ["input_layer", "dense", "dense_1", "dense_2"]


# -- compile settings --------------------------------------------------------------------------


def _classifier(out: int, activation: str):
    return chain("clf", [6], [("Dense", {"units": 8, "activation": "tanh"}), ("BatchNormalization", {}),
                              ("Dense", {"units": out, "activation": activation})])


def _two_outputs():
    return graph("two", [
        {"id": "x", "type": "Input", "params": {"shape": [6]}},
        {"id": "h", "type": "Dense", "params": {"units": 5, "activation": "relu"}},
        {"id": "a", "type": "Dense", "params": {"units": 2}},
        {"id": "b", "type": "Dense", "params": {"units": 3, "activation": "sigmoid"}},
    ], [{"source": "x", "target": "h"}, {"source": "h", "target": "a"}, {"source": "h", "target": "b"}],
        outputs=["a", "b"])


# (graph, settings, fused output nodes, targets: "ids" | "binary" | "values")
COMPILE_CASES = {
    "sparse_fused_adam": (lambda: _classifier(4, "softmax"), {
        "loss": "sparse_categorical_crossentropy", "metrics": ["accuracy", "sparse_top_k_categorical_accuracy"],
        "top_k": 2, "optimizer": {"type": "adam", "learning_rate": 0.003, "beta_1": 0.8, "beta_2": 0.99,
                            "epsilon": 1e-6, "clipnorm": 1.5}}, ["dense_2"], "ids"),
    "categorical_rmsprop": (lambda: _classifier(4, "softmax"), {
        "loss": "categorical_crossentropy", "metrics": ["accuracy", "top_k_categorical_accuracy", "mse"], "top_k": 3,
        "optimizer": {"type": "rmsprop", "momentum": 0.5, "rho": 0.8}}, ["dense_2"], "ids"),
    "logits_sgd": (lambda: _classifier(4, "linear"), {
        "loss": "sparse_categorical_crossentropy", "from_logits": True, "metrics": ["accuracy"],
        "optimizer": {"type": "sgd", "learning_rate": 0.05, "momentum": 0.9, "nesterov": True,
                   "weight_decay": 0.01}}, [], "ids"),
    "binary_fused_nadam": (lambda: _classifier(1, "sigmoid"), {
        "loss": "binary_crossentropy", "metrics": ["accuracy", "mae"], "optimizer": {"type": "nadam"}},
        ["dense_2"], "binary"),
    "regression_two_outputs_adamw": (_two_outputs, {
        "loss": "huber", "metrics": ["mae", "mse"], "optimizer": {"type": "adamw", "clipvalue": 0.5}}, [], "values"),
    "adadelta_mae": (lambda: _classifier(3, "relu"), {
        "loss": "mean_absolute_error", "metrics": ["accuracy"], "optimizer": {"type": "adadelta"}}, [], "ids"),
}


def _data(kind: str, n_out: int, a, rng) -> tuple[np.ndarray, object, object, TargetInfo]:
    x = rng.normal(size=(40, 6)).astype("float32")
    if kind == "values":
        ys = [rng.normal(size=(40, *a.nodes[o].output_shapes[0])).astype("float32") for o in a.outputs]
        return x, tuple(ys), ys, TargetInfo(kind="values")
    classes = 2 if kind == "binary" else n_out
    ids = rng.integers(0, classes, size=40)
    if kind == "binary":
        return x, ids, ids.reshape(-1, 1).astype("float32"), TargetInfo(kind="classes", num_classes=2)
    return x, ids, ids, TargetInfo(kind="classes", num_classes=classes)


@pytest.mark.parametrize("case", sorted(COMPILE_CASES))
def test_keras_files_compile_with_the_runs_settings_and_evaluate_like_netcanvas(case, keras, tmp_path):
    make, raw, fused, target = COMPILE_CASES[case]
    a, m, _ = trained_like(make())
    settings = TrainSettings(dataset="t", **raw)
    rng = np.random.default_rng(0)
    n_out = a.nodes[a.outputs[0]].output_shapes[0][-1]
    x, y_nc, y_keras, target_info = _data(target, n_out, a, rng)
    if target == "ids" and settings.loss != "sparse_categorical_crossentropy":
        y_keras = np.eye(n_out, dtype="float32")[y_nc]  # netcanvas one-hot encodes these targets
    info = DatasetInfo(id="t", name="t", kind="table", input_shape=[6], target=target_info,
                       sizes=Sizes(train=40, test=40), suggested_loss=settings.loss)
    data = Dataset(info=info, train=Split(x, y_nc), test=Split(x, y_nc))
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    # as training saves it: fused outputs are compiled linear, predict() applies their activation
    acts = [output_activation(a, o) if o in fused else None for o in a.outputs]
    save_bundle(run_dir / "model.pt", bundle_dict(a.graph, m, settings=settings, linear_outputs=fused,
                                                  output_activations=acts))
    want = evaluate(load_bundle(run_dir / "model.pt"), data)["metrics"]
    for name in ("model.keras", "model.h5"):
        km = keras.models.load_model(artifacts.render(run_dir, name))  # compiled from the file
        opt = km.optimizer
        s = settings.optimizer
        assert type(opt).__name__.lower() == s.type.replace("_", ""), name
        if s.learning_rate is not None:
            assert float(opt.learning_rate) == pytest.approx(s.learning_rate, rel=1e-6)
        if s.type in ("adam", "nadam"):
            assert (opt.beta_1, opt.beta_2, opt.epsilon) == (s.beta_1, s.beta_2, s.epsilon)
        assert (opt.clipnorm, opt.clipvalue) == (s.clipnorm, s.clipvalue)
        got = km.evaluate(x, list(y_keras) if isinstance(y_keras, list) else y_keras, batch_size=len(x),
                          verbose=0, return_dict=True)
        assert got["loss"] == pytest.approx(want["loss"], abs=1e-4), (name, got, want)
        several = len(a.outputs) > 1
        for metric in dict.fromkeys(settings.metrics):
            keys = [f"{o}_{metric}" for o in a.outputs] if several else [metric]
            for key in keys:
                assert got[key] == pytest.approx(want[key], abs=1e-4), (name, key, got, want)


def test_compile_config_names_keras_objects_exactly():
    a = analyze(_classifier(4, "softmax"))
    s = TrainSettings(loss="sparse_categorical_crossentropy", from_logits=True, metrics=["accuracy", "mae"],
                      optimizer={"type": "adamw", "learning_rate": 0.002})
    cfg = compile_config(s, a)
    assert cfg["optimizer"]["class_name"] == "AdamW"
    assert cfg["optimizer"]["config"]["weight_decay"] == 0.004  # netcanvas's AdamW default, as Keras's
    assert cfg["loss"]["class_name"] == "SparseCategoricalCrossentropy" and cfg["loss"]["config"]["from_logits"]
    assert cfg["metrics"][0]["class_name"] == "SparseCategoricalAccuracy"
    assert cfg["metrics"][0]["config"]["name"] == "accuracy"
    assert (cfg["metrics"][1]["class_name"], cfg["metrics"][1]["config"]["name"]) == ("MeanAbsoluteError", "mae")


# -- through the API ---------------------------------------------------------------------------


def test_model_keras_download_predicts_like_the_run(keras, tmp_path):
    a, m, _xs = trained_like(_classifier(4, "softmax"))
    settings = TrainSettings(dataset="t", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    save_bundle(tmp_path / "model.pt", bundle_dict(a.graph, m, settings=settings, linear_outputs=["dense_2"],
                                                  output_activations=["softmax"]))
    app_settings = Settings(data_dir=tmp_path / "store", frontend_dist=tmp_path / "none", max_upload_mb=1)
    with TestClient(create_app(app_settings)) as client:
        r = client.post("/api/models/import", files={"file": ("model.pt", (tmp_path / "model.pt").read_bytes())})
        assert r.status_code == 201, r.text
        run = r.json()["id"]
        x = np.random.default_rng(1).normal(size=(5, 6)).astype("float32")
        predicted = np.array(client.post(f"/api/runs/{run}/predict", json={"inputs": x.tolist()}).json()["outputs"])
        r = client.get(f"/api/runs/{run}/artifacts/model.keras")
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/zip"
    (tmp_path / "got.keras").write_bytes(r.content)
    km = keras.models.load_model(tmp_path / "got.keras")
    assert np.abs(np.asarray(km(x, training=False).detach()) - predicted).max() <= 1e-5
    assert km.compiled and km.optimizer.__class__.__name__ == "Adam"
