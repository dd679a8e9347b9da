"""Keras metrics as on-device sums: each batch adds to a state tensor, nothing is read back per batch.

A metric owns a flat state of `size` sums on the device: `update(state, out, y)` adds one batch to
it in place (no host sync), and `result(values, items)` turns the state, read back once, into its
history values (one per key in `keys`). Mean metrics (`MeanMetric`) keep one sum, the batch's
`total(out, y)`; `count(out, y)` says how many items it covers, as a Python int from the shapes, and
the epoch value is Σ total / Σ count, like Keras's mean metrics. The confusion-matrix metrics
(precision, recall, auc, f1_score) live in confusion_metrics.py.

"accuracy" resolves as Keras does: by the loss first (binary / categorical / sparse categorical
crossentropy), otherwise by the shapes (one output unit: binary; integer targets: sparse;
otherwise categorical).
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from .losses import class_dim
from .metric_settings import (
    AUCSettings,
    F1ScoreSettings,
    MetricEntry,
    PrecisionSettings,
    RecallSettings,
    keras_names,
)


class Metric(ABC):
    name: str  # Keras history key (without the val_ prefix)

    @property
    def width(self) -> int:
        """How many sums the state holds."""
        return 1

    @property
    def keys(self) -> list[str]:
        """The history keys `result` gives values for (without prefixes)."""
        return [self.name]

    @abstractmethod
    def update(self, state: torch.Tensor, out: torch.Tensor, y: torch.Tensor) -> None:
        """Add one batch to `state` (a 1-D device tensor of `width` sums) in place."""

    def batch_items(self, out: torch.Tensor, y: torch.Tensor) -> int:
        """How many items one batch adds to a mean metric's denominator; unused by the others."""
        return 1

    @abstractmethod
    def result(self, values: Sequence[float], items: float) -> list[float]:
        """The history values from the state read back; `items`: Σ batch_items over the batches."""

    def renamed(self, name: str) -> Metric:
        return dataclasses.replace(self, name=name)  # type: ignore[type-var]


@dataclass(frozen=True)
class MeanMetric(Metric):
    name: str
    total: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    count: Callable[[torch.Tensor, torch.Tensor], int]

    def update(self, state: torch.Tensor, out: torch.Tensor, y: torch.Tensor) -> None:
        state.add_(self.total(out, y))

    def batch_items(self, out: torch.Tensor, y: torch.Tensor) -> int:
        return self.count(out, y)

    def result(self, values: Sequence[float], items: float) -> list[float]:
        return [values[0] / max(items, 1e-12)]


class MetricError(ValueError):
    """A metric that cannot work on this output; `field`: the option at fault ("" for the metric)."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


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
    name: MetricEntry,
    *,
    loss: str,
    out_shape: tuple[int | None, ...],
    sparse_targets: bool,
    logits_activation: str | None,
    k: int = 5,
) -> Metric:
    """One Keras metric: a name or an options object (metric_settings.py). `logits_activation`: the
    output holds logits that this activation ("softmax"/"sigmoid") turns into what the user's model
    predicts (a fused output)."""
    from .confusion_metrics import make_confusion_metric  # it builds on this module's Metric

    options = CONFUSION_DEFAULTS[name]() if isinstance(name, str) and name in CONFUSION_DEFAULTS else name
    if not isinstance(options, str):
        return make_confusion_metric(options, out_shape=out_shape, sparse_targets=sparse_targets,
                                     activate=activate_fn(logits_activation))
    key: str = options
    kind: str = options
    if kind in ("accuracy", "acc"):  # "acc": the Keras 2 name, kept as the history key as Keras 3 does
        kind = resolve_accuracy(loss, out_shape, sparse_targets)
    if kind == "sparse_categorical_accuracy":
        return MeanMetric(key, sparse_categorical_accuracy, _numel)
    if kind == "categorical_accuracy":
        return MeanMetric(key, categorical_accuracy, _rows)
    if kind == "binary_accuracy":
        return MeanMetric(key, binary_accuracy(0.0 if logits_activation == "sigmoid" else 0.5), _numel)
    if kind == "top_k_categorical_accuracy":
        return MeanMetric(key, top_k(k, sparse=False), _rows)
    if kind == "sparse_top_k_categorical_accuracy":
        return MeanMetric(key, top_k(k, sparse=True), _numel)
    if kind in ("mae", "mse"):
        act = activate_fn(logits_activation)

        def total(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            d = act(out) - y
            return (d.abs() if kind == "mae" else d * d).sum()

        return MeanMetric(key, total, _numel)
    raise ValueError(f"Unknown metric '{kind}'.")


# The metric names that are Keras metric classes with options: the name is the class with its defaults.
CONFUSION_DEFAULTS: dict[str, Callable[[], PrecisionSettings | RecallSettings | AUCSettings | F1ScoreSettings]] = {
    "precision": lambda: PrecisionSettings(type="precision"),
    "recall": lambda: RecallSettings(type="recall"),
    "auc": lambda: AUCSettings(type="auc"),
    "f1_score": lambda: F1ScoreSettings(type="f1_score"),
}


def make_metrics(
    entries: list[MetricEntry],
    *,
    loss: str,
    out_shape: tuple[int | None, ...],
    sparse_targets: bool,
    logits_activation: str | None,
    k: int = 5,
    node: str = "",
) -> list[Metric]:
    """An output's metrics (exact repeats dropped), named as Keras names them (repeats of a name get
    `_1`, `_2` …). Raises ValueError naming `metrics[i]` (and the option) when one cannot work here."""
    position: dict[MetricEntry, int] = {}  # each entry's index in the request, for the messages
    for i, entry in enumerate(entries):
        position.setdefault(entry, i)
    unique = list(position)
    where = f" on output '{node}'" if node else ""
    metrics: list[Metric] = []
    owner: dict[str, int] = {}
    for entry, name in zip(unique, keras_names(unique), strict=True):
        i = position[entry]
        try:
            metric = make_metric(entry, loss=loss, out_shape=out_shape, sparse_targets=sparse_targets,
                                 logits_activation=logits_activation, k=k)
        except MetricError as err:
            field = f"metrics[{i}]" + (f".{err.field}" if err.field else "")
            raise ValueError(f"{field}{where}: {err}") from None
        metric = metric.renamed(name) if metric.name != name else metric
        for key in metric.keys:
            if key in owner:
                raise ValueError(f"metrics[{i}]{where}: its history key '{key}' is also metrics[{owner[key]}]'s; "
                                 "give one of them another `name`.")
            owner[key] = i
        metrics.append(metric)
    return metrics


def activate_fn(activation: str | None) -> Callable[[torch.Tensor], torch.Tensor]:
    """The fused activation an output's logits need to become the model's predictions."""
    if activation == "softmax":
        return lambda t: torch.softmax(t, dim=class_dim(t))
    if activation == "sigmoid":
        return torch.sigmoid
    return lambda t: t
