"""What one target array of an NPZ upload means: class ids (one per sample or one per time step)
or values, decided from its dtype, shape and contents unless the `task` option says.

- one-hot rows (N, K) → a class per sample (argmax), K classes; (N, 1) and (N,) integer ids (or
  integral floats with task=classification) → a class per sample;
- integer (N, T), T > 1, not one-hot rows → a class per time step (TargetSpec shape [T]), as
  Keras's sparse_categorical_crossentropy reads (N, T) ids; one-hot (N, T, V) → argmax to (N, T),
  V classes (categorical targets per step);
- everything else, and anything with task=regression → float32 values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from .errors import DataError

MAX_CLASSES_AUTO = 1000


@dataclass
class Target:
    y: np.ndarray  # int64 class ids (N,) or (N, T), or float32 values (N, F…)
    kind: Literal["classes", "values"]
    num_classes: int | None
    shape: list[int]  # per sample: [] one class, [T] a class per step; values: their shape ([] for one)


def _one_hot(y: np.ndarray) -> bool:
    """Rows along the last axis that are all 0/1 with exactly one 1 (at least two columns)."""
    return (y.ndim >= 2 and y.shape[-1] > 1 and bool(np.all((y == 0) | (y == 1)))
            and bool(np.all(y.sum(axis=-1) == 1)))


def _class_ids(y: np.ndarray, key: str, file: str) -> tuple[np.ndarray, int]:
    y = y.astype(np.int64)
    if y.size and y.min() < 0:
        raise DataError(f"{file}: {key} has negative class id {int(y.min())}; classes are 0, 1, 2…", 422)
    k = int(y.max()) + 1 if y.size else 0
    if k > MAX_CLASSES_AUTO:
        raise DataError(f"{file}: {key} has class ids up to {k - 1}; more than {MAX_CLASSES_AUTO} classes "
                        "(set task=regression to read them as values).", 422)
    return y, k


def read_target(y: np.ndarray, task: str, key: str, file: str) -> Target:
    """The meaning of target array `key` (already a plain array) under the `task` option."""
    if y.size == 0 and len(y):
        raise DataError(f"{file}: {key} has shape {y.shape}: no values per sample.", 422)
    if task != "regression" and y.ndim in (2, 3) and _one_hot(y):
        ids, _ = _class_ids(y.argmax(axis=-1), key, file)
        return Target(ids, "classes", int(y.shape[-1]), [] if y.ndim == 2 else [int(y.shape[1])])
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    integer = y.dtype.kind in "biu"
    if y.ndim == 1 and task != "regression":
        integral = integer or bool(np.all(np.mod(y, 1) == 0))
        if integral and (task == "classification" or integer):
            ids, k = _class_ids(y, key, file)
            return Target(ids, "classes", k, [])
    if y.ndim == 2 and task != "regression":  # (N, T): a class per time step
        integral = integer or (task == "classification" and bool(np.all(np.mod(y, 1) == 0)))
        if integral:
            ids, k = _class_ids(y, key, file)
            return Target(ids, "classes", k, [int(y.shape[1])])
    if task == "classification":
        raise DataError(
            f"{file}: task 'classification' needs integer class ids in {key} ((N,) one per sample, (N, T) one "
            f"per time step) or one-hot rows, got {y.dtype} of shape {tuple(y.shape)}.", 422)
    if not np.isfinite(y).all():
        raise DataError(f"{file}: {key} holds NaN or infinite values.", 422)
    y = y.astype(np.float32)
    values = y[:, None] if y.ndim == 1 else y
    return Target(values, "values", None, [int(d) for d in values.shape[1:]] if values.shape[1:] != (1,) else [])
