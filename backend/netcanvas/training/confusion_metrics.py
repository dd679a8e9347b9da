"""Keras's confusion-matrix metrics, Precision, Recall, AUC and F1Score, as on-device counts.

Each batch adds its true/false positive (and negative) counts to the metric's state tensor on the
device (an index_add_ or a few sums: no host sync); `result` runs Keras's formulas on the counts read
back once per event. The semantics are keras/src/metrics/{confusion_metrics,f_score_metrics,
metrics_utils}.py (Keras 3):

- Precision / Recall: every output value is a binary prediction, positive when > the threshold
  (0.5); the targets' non-zero values are the positives. `top_k` first keeps each row's k largest
  values (on the class axis), `class_id` then keeps one class.
- AUC (multi_label=False): the same flattening, counted in `num_thresholds` evenly spaced buckets
  (Keras's `_update_confusion_matrix_variables_optimized`), integrated as Keras integrates.
- F1Score: per class (the outputs are (batch, classes)); without a threshold a row's largest value
  is its prediction.

Targets must be one-hot (or 0/1 per unit): Keras's versions do not read class ids (sparse targets),
so an output with sparse targets is refused, naming the loss that gives one-hot targets.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .losses import EPSILON, class_dim
from .metric_settings import (
    MAX_PER_CLASS_KEYS,
    AUCSettings,
    F1ScoreSettings,
    PrecisionSettings,
    RecallSettings,
    history_keys,
)
from .metrics import Metric, MetricError

NEG_INF = -1e10  # keras metrics_utils.NEG_INF: the threshold with top_k, the value of the values it drops

Activate = Callable[[torch.Tensor], torch.Tensor]


def _units(shape: tuple[int | None, ...]) -> int | None:
    """Values per sample on the class axis: channels for images (C, H, W), the last axis otherwise."""
    return shape[0] if len(shape) == 3 else shape[-1] if shape else None


def _counts(state: torch.Tensor, index: torch.Tensor) -> None:
    """state[index[j]] += 1 for every j, on the device (torch.bincount would sync to size its output)."""
    index = index.reshape(-1)
    state.index_add_(0, index, torch.ones(index.shape, dtype=state.dtype, device=state.device))


def _no_nan(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """keras.ops.divide_no_nan: 0 where the denominator is 0."""
    safe = np.where(den == 0, 1.0, den)
    return np.where(den == 0, 0.0, num / safe)


@dataclass(frozen=True)
class Thresholded(Metric):
    """keras.metrics.Precision / Recall. State: counts of (label, predicted) = (0,0), (0,1), (1,0), (1,1)."""

    name: str
    recall: bool  # False: precision
    threshold: float
    top_k: int | None
    class_id: int | None
    activate: Activate

    @property
    def width(self) -> int:
        return 4

    def update(self, state: torch.Tensor, out: torch.Tensor, y: torch.Tensor) -> None:
        p = self.activate(out)
        dim = class_dim(p)
        if self.top_k is not None:  # Keras's _filter_top_k: the rest become NEG_INF
            top = p.topk(self.top_k, dim=dim).indices
            keep = torch.zeros_like(p, dtype=torch.bool).scatter_(dim, top, True)
            p = torch.where(keep, p, torch.full_like(p, NEG_INF))
        if self.class_id is not None:
            p, y = p.select(dim, self.class_id), y.select(dim, self.class_id)
        _counts(state, (y != 0).long() * 2 + (p > self.threshold).long())

    def result(self, values: Sequence[float], items: float) -> list[float]:
        _, fp, fn, tp = values
        other = fn if self.recall else fp
        return [tp / (tp + other) if tp + other else 0.0]


@dataclass(frozen=True)
class AUC(Metric):
    """keras.metrics.AUC(multi_label=False). State: per threshold bucket the positives' count, then
    the negatives'; the cumulative counts at each threshold follow from a reversed cumsum."""

    name: str
    num_thresholds: int
    curve: str
    summation_method: str
    activate: Activate

    @property
    def width(self) -> int:
        return 2 * self.num_thresholds

    def update(self, state: torch.Tensor, out: torch.Tensor, y: torch.Tensor) -> None:
        t = self.num_thresholds
        # NaN predictions land in the first bucket rather than index out of range (Keras leaves them undefined)
        p = torch.nan_to_num(self.activate(out).float().reshape(-1).clamp(0.0, 1.0), nan=0.0)
        bucket = (torch.ceil(p * float(t - 1)) - 1.0).clamp_min(0.0).long()
        negative = (y.reshape(-1) == 0).long()
        _counts(state, bucket + t * negative)

    def result(self, values: Sequence[float], items: float) -> list[float]:
        t = self.num_thresholds
        v = np.asarray(values, dtype=np.float64)
        tp = np.cumsum(v[:t][::-1])[::-1]  # predictions above each threshold
        fp = np.cumsum(v[t:][::-1])[::-1]
        fn = v[:t].sum() - tp
        tn = v[t:].sum() - fp
        if self.curve == "PR" and self.summation_method == "interpolation":
            return [float(_interpolate_pr_auc(tp, fp, fn))]
        recall = _no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _no_nan(fp, fp + tn), recall
        else:
            x, y = recall, _no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return [float(np.sum((x[:-1] - x[1:]) * heights))]


def _interpolate_pr_auc(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> float:
    """Keras's AUC.interpolate_pr_auc (Davis & Goadrich 2006): interpolates the counts, not precision."""
    dtp = tp[:-1] - tp[1:]
    p = tp + fp
    dp = p[:-1] - p[1:]
    slope = _no_nan(dtp, np.maximum(dp, 0))
    intercept = tp[1:] - slope * p[1:]
    both = (p[:-1] > 0) & (p[1:] > 0)
    ratio = np.where(both, _no_nan(p[:-1], np.maximum(p[1:], 0)), 1.0)
    increment = _no_nan(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0))
    return float(np.sum(increment))


@dataclass(frozen=True)
class F1Score(Metric):
    """keras.metrics.F1Score. State: per class tp, then fp, fn and the targets' sum (Keras's
    intermediate_weights, for average="weighted")."""

    name: str
    average: str | None
    threshold: float | None
    units: int
    activate: Activate
    per_class: bool

    @property
    def width(self) -> int:
        return 4 * self.units

    @property
    def keys(self) -> list[str]:
        return [f"{self.name}_{c}" for c in range(self.units)] if self.per_class else [self.name]

    def update(self, state: torch.Tensor, out: torch.Tensor, y: torch.Tensor) -> None:
        p = self.activate(out).float()
        if self.threshold is None:
            pred = (p >= p.max(dim=-1, keepdim=True).values) & (p.abs() > 1e-9)
        else:
            pred = p > self.threshold
        hit = pred.float()
        y = y.float()
        state.add_(torch.cat([(hit * y).sum(0), (hit * (1 - y)).sum(0), ((1 - hit) * y).sum(0), y.sum(0)]))

    def result(self, values: Sequence[float], items: float) -> list[float]:
        tp, fp, fn, weights = np.asarray(values, dtype=np.float64).reshape(4, self.units)
        if self.average == "micro":
            tp, fp, fn = tp.sum(keepdims=True), fp.sum(keepdims=True), fn.sum(keepdims=True)
        precision = tp / (tp + fp + EPSILON)
        recall = tp / (tp + fn + EPSILON)
        f1 = 2.0 * precision * recall / (precision + recall + EPSILON)
        if self.average == "weighted":
            return [float(np.sum(f1 * weights / (weights.sum() + EPSILON)))]
        if self.average is not None:
            return [float(np.mean(f1))]
        return [float(v) for v in f1]


ConfusionSettings = PrecisionSettings | RecallSettings | AUCSettings | F1ScoreSettings


def make_confusion_metric(options: ConfusionSettings, *, out_shape: tuple[int | None, ...], sparse_targets: bool,
                          activate: Activate) -> Metric:
    """The metric `options` asks for on an output of `out_shape` (per sample); MetricError (naming the
    option) where Keras's metric would fail or not mean what its name says."""
    keras_class = {"precision": "Precision", "recall": "Recall", "auc": "AUC", "f1_score": "F1Score"}[options.type]
    units = _units(out_shape)
    if sparse_targets:
        raise MetricError(
            f"Keras's {keras_class} compares the targets with the outputs value by value, so it needs one-hot "
            "targets, but sparse_categorical_crossentropy gives class ids (Keras fails on them, or with class_id "
            "reads the wrong values); use the loss categorical_crossentropy (the same training on one-hot targets).")
    name = options.name or options.type
    if isinstance(options, PrecisionSettings | RecallSettings):
        if options.class_id is not None and (units is None or options.class_id >= units):
            raise MetricError(f"{options.class_id} is not a class of this output, which gives {units} "
                              f"value(s) per sample (class ids 0–{(units or 1) - 1}).", "class_id")
        if options.top_k is not None and (units is None or options.top_k > units):
            raise MetricError(f"{options.top_k} is more than the {units} value(s) this output gives per sample.",
                              "top_k")
        default = 0.5 if options.top_k is None else NEG_INF
        threshold = default if options.thresholds is None else options.thresholds
        return Thresholded(name, isinstance(options, RecallSettings), threshold, options.top_k, options.class_id,
                           activate)
    if isinstance(options, AUCSettings):
        return AUC(name, options.num_thresholds, options.curve, options.summation_method, activate)
    if len(out_shape) != 1 or units is None:
        raise MetricError(f"Keras's F1Score needs outputs of shape (batch, classes); this output gives "
                          f"{tuple(out_shape)} per sample.")
    if options.threshold is None and units == 1:
        raise MetricError("without a threshold F1Score takes each row's largest value as its prediction, and a "
                          "1-unit output's only value always is: every sample would count as positive. "
                          "Set threshold (0.5 for a sigmoid output).", "threshold")
    per_class = len(history_keys(options, name, units)) > 1
    if per_class and units > MAX_PER_CLASS_KEYS:
        raise MetricError(f"None reports one F1 score per class, and this output has {units} classes "
                          f"(at most {MAX_PER_CLASS_KEYS}); use 'macro', 'micro' or 'weighted'.", "average")
    return F1Score(name, options.average, options.threshold, units, activate, per_class)
