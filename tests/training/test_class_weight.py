"""class_weight as Keras 3 applies it: the same weighted loss on the same predictions, and "balanced"
as scikit-learn's compute_class_weight."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")

from netcanvas.data.base import TargetSpec
from netcanvas.training.class_weight import class_weight_vector, weighted_loss

RNG = np.random.default_rng(0)
SPEC = TargetSpec(name="y", kind="classes", shape=(), num_classes=3, class_names=["cat", "dog", "eel"])


def keras_weighted(loss: keras.losses.Loss, y: np.ndarray, p: np.ndarray, w: np.ndarray, cls: np.ndarray) -> float:
    return float(loss(y, p, sample_weight=w[cls]))


def test_sparse_and_categorical_equal_keras_with_sample_weights():
    logits = RNG.normal(size=(8, 3)).astype(np.float32)
    p = torch.softmax(torch.as_tensor(logits), -1).numpy()
    y = RNG.integers(0, 3, size=8)
    w = class_weight_vector({"0": 2.0, "eel": 0.5}, SPEC, y)
    assert w.tolist() == [2.0, 1.0, 0.5]  # by index, by name, and 1.0 for the class not named
    ours = weighted_loss("sparse_categorical_crossentropy", False, w)(torch.as_tensor(p), torch.as_tensor(y))
    theirs = keras_weighted(keras.losses.SparseCategoricalCrossentropy(), y, p, w, y)
    assert abs(float(ours) - theirs) < 1e-5
    from_logits = weighted_loss("sparse_categorical_crossentropy", True, w)(torch.as_tensor(logits), torch.as_tensor(y))
    assert abs(float(from_logits) - theirs) < 1e-5
    one_hot = np.eye(3, dtype=np.float32)[y]
    cat = weighted_loss("categorical_crossentropy", False, w)(torch.as_tensor(p), torch.as_tensor(one_hot))
    assert abs(float(cat) - keras_weighted(keras.losses.CategoricalCrossentropy(), one_hot, p, w, y)) < 1e-5


def test_binary_equals_keras():
    p = RNG.uniform(0.05, 0.95, size=(10, 1)).astype(np.float32)
    y = RNG.integers(0, 2, size=(10, 1)).astype(np.float32)
    w = np.array([1.0, 4.0], dtype=np.float32)
    ours = weighted_loss("binary_crossentropy", False, w)(torch.as_tensor(p), torch.as_tensor(y))
    theirs = keras_weighted(keras.losses.BinaryCrossentropy(), y, p, w, y[:, 0].astype(int))
    assert abs(float(ours) - theirs) < 1e-5


def test_balanced_is_scikit_learns_formula():
    y = np.array([0, 0, 0, 0, 1, 1, 2, 0])
    w = class_weight_vector("balanced", SPEC, y)
    np.testing.assert_allclose(w, [8 / (3 * 5), 8 / (3 * 2), 8 / (3 * 1)], rtol=1e-6)


def test_a_run_with_class_weight_trains_and_logs_the_weights(tmp_path):
    from netcanvas.graph.schema import Graph
    from netcanvas.training.engine import run_training
    from netcanvas.training.events import LogEvent, ResultEvent
    from netcanvas.training.settings import TrainSettings

    graph = Graph.model_validate({"name": "mlp", "nodes": [
        {"id": "in", "type": "Input", "params": {"shape": [1, 8, 8]}},
        {"id": "flat", "type": "Flatten", "params": {}},
        {"id": "out", "type": "Dense", "params": {"units": 10, "activation": "softmax"}},
    ], "edges": [{"source": "in", "target": "flat"}, {"source": "flat", "target": "out"}]})
    events = []
    settings = TrainSettings(dataset="digits", epochs=1, class_weight="balanced", device="cpu")
    run_training(graph, settings, events.append, lambda: False, tmp_path)
    logs = [e.message for e in events if isinstance(e, LogEvent)]
    assert any(m.startswith("Class weights {") for m in logs), logs
    assert any(isinstance(e, ResultEvent) for e in events)
