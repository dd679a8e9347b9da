"""Normalization layers adapt to the training split before training, as Keras's adapt() does."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netcanvas.data.base import Split
from netcanvas.data.registry import DatasetRegistry
from netcanvas.graph.compile import compile_graph
from netcanvas.graph.schema import Graph
from netcanvas.training.adapt import adapt_normalization
from netcanvas.training.bundle import load_bundle
from netcanvas.training.engine import run_training
from netcanvas.training.settings import TrainSettings

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


def chain(name: str, shape: list[int], *layers: tuple[str, dict]) -> Graph:
    nodes = [{"id": "in", "type": "Input", "params": {"shape": shape}}]
    nodes += [{"id": f"n{i}", "type": kind, "params": params} for i, (kind, params) in enumerate(layers)]
    edges = [{"source": nodes[i]["id"], "target": nodes[i + 1]["id"]} for i in range(len(nodes) - 1)]
    return Graph.model_validate({"name": name, "nodes": nodes, "edges": edges})


def test_iris_run_adapts_normalization_to_its_training_split(tmp_path):
    graph = chain("iris-norm", [4], ("Normalization", {}), ("Dense", {"units": 3, "activation": "softmax"}))
    settings = TrainSettings(dataset="iris", epochs=1, batch_size=16, device="cpu")
    events: list = []
    assert run_training(graph, settings, events.append, lambda: False, tmp_path / "run") == "succeeded"
    state = load_bundle(tmp_path / "run" / "model.pt").module.state_dict()
    x = np.asarray(DatasetRegistry.from_environment().load("iris").train.x, dtype=np.float64)
    np.testing.assert_allclose(state["n0.mean"].numpy(), x.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(state["n0.variance"].numpy(), x.var(axis=0), rtol=1e-5)
    assert float(state["n0.count"]) == len(x)
    assert any("adapted" in getattr(e, "message", "") for e in events)

    # Training further from that run keeps its statistics (no second adapt).
    again = settings.model_copy(update={"epochs": 1})
    run_training(graph, again, lambda e: None, lambda: False, tmp_path / "further",
                 init_weights=tmp_path / "run" / "model.pt")
    kept = load_bundle(tmp_path / "further" / "model.pt").module.state_dict()
    assert torch.equal(kept["n0.mean"], state["n0.mean"])


def test_adapt_sees_what_reaches_the_layer_and_combines_batches_exactly():
    graph = chain("deep", [3, 4, 5], ("Conv2D", {"filters": 2, "kernel_size": 1}), ("Normalization", {"axis": [1, 2]}),
                  ("Normalization", {"axis": []}), ("Normalization", {"mean": 1.0, "variance": 4.0}))
    m = compile_graph(graph)
    x = np.random.default_rng(0).normal(3.0, 2.0, (50, 3, 4, 5)).astype("float32")
    with torch.no_grad():
        conv = m.n0(torch.from_numpy(x)).double().numpy()
    names = adapt_normalization(m, Split(x=x, y=np.zeros(50, np.int64)), torch.device("cpu"))
    assert names == ["n1", "n2"]  # the given one keeps its constants
    np.testing.assert_allclose(m.n1.mean.numpy(), conv.mean(axis=(0, 3)), rtol=1e-5)  # per (channel, row)
    np.testing.assert_allclose(m.n1.variance.numpy(), conv.var(axis=(0, 3)), rtol=1e-5)
    with torch.no_grad():
        after = m.n1(torch.from_numpy(conv).float()).double().numpy()
    # The second layer adapted to the first one's output: one mean and variance over everything.
    np.testing.assert_allclose(float(m.n2.mean), after.mean(), atol=1e-5)
    np.testing.assert_allclose(float(m.n2.variance), after.var(), rtol=1e-5)

    # Batches of 7 give the statistics of the whole split.
    from netcanvas.training.adapt import adapt_layer

    m2 = compile_graph(graph)
    m2.load_state_dict(m.state_dict())
    adapt_layer(m2.eval(), m2.n1, Split(x=x, y=np.zeros(50, np.int64)), torch.device("cpu"), batch_size=7)
    torch.testing.assert_close(m2.n1.mean, m.n1.mean, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(m2.n1.variance, m.n1.variance, rtol=1e-6, atol=1e-6)


def test_adapted_image_normalization_equals_keras_adapt_and_exports(keras, tmp_path):
    from netcanvas.export.keras_h5 import build_keras_model, write_h5

    x = np.random.default_rng(1).uniform(0, 255, (40, 3, 6, 5)).astype("float32")
    graph = chain("img", [3, 6, 5], ("Normalization", {}))
    m = compile_graph(graph)
    adapt_normalization(m, Split(x=x, y=np.zeros(40, np.int64)), torch.device("cpu"))
    layer = keras.layers.Normalization(axis=-1)
    layer.adapt(np.moveaxis(x, 1, -1))
    mean, var = (np.asarray(w) for w in layer.get_weights()[:2])
    np.testing.assert_allclose(m.n0.mean.numpy(), mean, rtol=1e-5)
    np.testing.assert_allclose(m.n0.variance.numpy(), var, rtol=1e-4)

    write_h5(build_keras_model(graph, m.state_dict()), tmp_path / "m.h5")
    km = keras.models.load_model(tmp_path / "m.h5", compile=False)
    got = np.moveaxis(np.asarray(km(np.moveaxis(x[:4], 1, -1), training=False)), -1, 1)
    with torch.no_grad():
        want = m.eval()(torch.from_numpy(x[:4])).numpy()
    assert np.abs(got - want).max() <= 1e-4
