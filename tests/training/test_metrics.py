"""Keras metrics: "accuracy" resolution, the sums they add per batch, and their counts."""

from __future__ import annotations

import pytest
import torch

from netcanvas.training.metrics import make_metric, resolve_accuracy


@pytest.mark.parametrize(
    ("loss", "shape", "sparse", "expected"),
    [
        ("sparse_categorical_crossentropy", (10,), True, "sparse_categorical_accuracy"),
        ("categorical_crossentropy", (10,), False, "categorical_accuracy"),
        ("binary_crossentropy", (1,), False, "binary_accuracy"),
        ("mean_squared_error", (1,), False, "binary_accuracy"),
        ("mean_squared_error", (3,), True, "sparse_categorical_accuracy"),
        ("mean_squared_error", (3,), False, "categorical_accuracy"),
    ],
)
def test_accuracy_resolves_like_keras(loss, shape, sparse, expected):
    assert resolve_accuracy(loss, shape, sparse) == expected


def metric(name, loss="sparse_categorical_crossentropy", shape=(3,), sparse=True, act=None, k=2):
    return make_metric(name, loss=loss, out_shape=shape, sparse_targets=sparse, logits_activation=act, k=k)


def value(m, out, y):
    return m.total(out, y).item() / m.count(out, y)


OUT = torch.tensor([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.3, 0.5], [0.3, 0.3, 0.4]])
Y = torch.tensor([1, 1, 2, 0])


def test_sparse_accuracy_keeps_the_keras_key():
    m = metric("accuracy")
    assert m.name == "accuracy"
    assert value(m, OUT, Y) == 0.5


def test_categorical_accuracy_with_one_hot_targets():
    m = metric("accuracy", loss="categorical_crossentropy", sparse=False)
    assert value(m, OUT, torch.eye(3)[Y]) == 0.5


def test_binary_accuracy_threshold_on_probabilities_and_on_fused_logits():
    y = torch.tensor([[1.0], [0.0], [1.0], [0.0]])
    probs = torch.tensor([[0.9], [0.6], [0.4], [0.1]])
    assert value(metric("accuracy", loss="binary_crossentropy", shape=(1,), sparse=False), probs, y) == 0.5
    logits = torch.logit(probs)
    fused = metric("accuracy", loss="binary_crossentropy", shape=(1,), sparse=False, act="sigmoid")
    assert value(fused, logits, y) == 0.5


def test_top_k():
    assert value(metric("sparse_top_k_categorical_accuracy", k=2), OUT, Y) == 1.0
    assert value(metric("sparse_top_k_categorical_accuracy", k=1), OUT, Y) == 0.5
    one_hot = metric("top_k_categorical_accuracy", loss="categorical_crossentropy", sparse=False, k=2)
    assert value(one_hot, OUT, torch.eye(3)[Y]) == 1.0
    assert value(metric("sparse_top_k_categorical_accuracy", k=5), OUT, Y) == 1.0  # k beyond classes


def test_mae_mse_read_probabilities_from_fused_logits():
    logits = torch.tensor([[0.0, 0.0]])
    y = torch.tensor([[1.0, 0.0]])
    assert value(metric("mae", act="softmax", shape=(2,), sparse=False), logits, y) == pytest.approx(0.5)
    assert value(metric("mse", shape=(2,), sparse=False), logits, y) == pytest.approx(0.5)
