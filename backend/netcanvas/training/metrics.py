"""Keras metrics as on-device sums: each batch adds to a tensor, nothing is read back per batch.

A metric is a `Metric(name, total, count)`: `total(out, y)` gives the batch's sum as a 0-d tensor
and `count(out, y)` how many items that sum covers, as a Python int from the shapes (no host sync).
The epoch value is Σ total / Σ count, like Keras's mean metrics.

"accuracy" resolves as Keras does: by the loss first (binary / categorical / sparse categorical
crossentropy), otherwise by the shapes (one output unit: binary; integer targets: sparse;
otherwise categorical).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from .losses import class_dim


@dataclass(frozen=True)
class Metric:
    name: str  # Keras history key (without the val_ prefix)
    total: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    count: Callable[[torch.Tensor, torch.Tensor], int]


def _numel(out: torch.Tensor, y: torch.Tensor) -> int:
    return y.numel()


def _rows(out: torch.Tensor, y: torch.Tensor) -> int:
    return out.numel() // out.shape[class_dim(out)]


def _argmax(out: torch.Tensor) -> torch.Tensor:
    return out.argmax(dim=class_dim(out))


def sparse_categorical_accuracy(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (_argmax(out) == y).sum()


def categorical_accuracy(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return (_argmax(out) == y.argmax(dim=class_dim(y))).sum()


def binary_accuracy(threshold: float) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    # threshold 0.5 on probabilities; 0 on logits (sigmoid(0) = 0.5).
    def total(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return ((out > threshold) == (y > 0.5)).sum()

    return total


def top_k(k: int, sparse: bool) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    def total(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        dim = class_dim(out)
        kk = min(k, out.shape[dim])
        top = out.topk(kk, dim=dim).indices
        target = y if sparse else y.argmax(dim=dim)
        return (top == target.unsqueeze(dim)).any(dim=dim).sum()

    return total


def resolve_accuracy(loss: str, out_shape: tuple[int | None, ...], sparse_targets: bool) -> str:
    """Which accuracy Keras means by "accuracy" for this loss and output."""
    by_loss = {
        "binary_crossentropy": "binary_accuracy",
        "categorical_crossentropy": "categorical_accuracy",
        "sparse_categorical_crossentropy": "sparse_categorical_accuracy",
    }
    if loss in by_loss:
        return by_loss[loss]
    if out_shape and out_shape[-1] == 1:
        return "binary_accuracy"
    return "sparse_categorical_accuracy" if sparse_targets else "categorical_accuracy"


def make_metric(
    name: str,
    *,
    loss: str,
    out_shape: tuple[int | None, ...],
    sparse_targets: bool,
    logits_activation: str | None,
    k: int = 5,
) -> Metric:
    """One Keras metric. `logits_activation`: the output holds logits that this activation
    ("softmax"/"sigmoid") turns into what the user's model predicts (a fused output)."""
    key = name
    if name in ("accuracy", "acc"):  # "acc": the Keras 2 name, kept as the history key as Keras 3 does
        name = resolve_accuracy(loss, out_shape, sparse_targets)
    if name == "sparse_categorical_accuracy":
        return Metric(key, sparse_categorical_accuracy, _numel)
    if name == "categorical_accuracy":
        return Metric(key, categorical_accuracy, _rows)
    if name == "binary_accuracy":
        return Metric(key, binary_accuracy(0.0 if logits_activation == "sigmoid" else 0.5), _numel)
    if name == "top_k_categorical_accuracy":
        return Metric(key, top_k(k, sparse=False), _rows)
    if name == "sparse_top_k_categorical_accuracy":
        return Metric(key, top_k(k, sparse=True), _numel)
    if name in ("mae", "mse"):
        act = activate_fn(logits_activation)

        def total(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            d = act(out) - y
            return (d.abs() if name == "mae" else d * d).sum()

        return Metric(key, total, _numel)
    raise ValueError(f"Unknown metric '{name}'.")


def activate_fn(activation: str | None) -> Callable[[torch.Tensor], torch.Tensor]:
    """The fused activation an output's logits need to become the model's predictions."""
    if activation == "softmax":
        return lambda t: torch.softmax(t, dim=class_dim(t))
    if activation == "sigmoid":
        return torch.sigmoid
    return lambda t: t
