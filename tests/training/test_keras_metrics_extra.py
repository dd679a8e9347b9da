"""The Keras 2 alias `acc`: a metric named as the user wrote it, and monitors that find accuracy."""

from __future__ import annotations

import torch

from netcanvas.training.callbacks import resolve_monitor
from netcanvas.training.metrics import make_metric


def test_acc_metric_is_accuracy_under_its_own_key():
    # Keras 3: compile(metrics=["acc"]) logs history["acc"] (checked with keras.Model.fit)
    out = torch.tensor([[0.9, 0.1], [0.2, 0.8], [0.7, 0.3]])
    y = torch.tensor([0, 0, 0])
    acc = make_metric("acc", loss="sparse_categorical_crossentropy", out_shape=(2,), sparse_targets=True,
                      logits_activation=None)
    assert acc.name == "acc"
    assert float(acc.total(out, y)) / acc.count(out, y) == 2 / 3


def test_acc_monitors_resolve_to_accuracy_unless_the_run_reports_acc():
    assert resolve_monitor("val_acc", {"loss": 1.0, "val_accuracy": 0.5}) == "val_accuracy"
    assert resolve_monitor("acc", {"accuracy": 0.5}) == "accuracy"
    assert resolve_monitor("val_acc", {"acc": 0.5, "val_acc": 0.4}) == "val_acc"
