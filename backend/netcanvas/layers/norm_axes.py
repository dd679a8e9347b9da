"""Axes of the normalization kinds (LayerNormalization, UnitNormalization, Normalization): one axis
or several, as Keras takes them, and their weights' layout on either side.

`axis` counts the batch axis as in Keras; None is netcanvas's feature axis (channels for images).
A weight over several axes (LayerNormalization's gamma, Normalization's mean) has those axes'
sizes in sorted order: netcanvas sorts its own (C, H, W) axes, Keras its (H, W, C) ones, so for
an image the two orders differ and the weight is transposed at the border (`to_keras_order`).
Registers no kind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..kerasio.layout import keras_axis, netcanvas_axis
from .base import Shape, ShapeError, fmt, resolve_axis

if TYPE_CHECKING:
    from ..kerasio.importing import ImportNode

Axes = int | list[int] | None


def resolve_axes(kind: str, axis: Axes, x: Shape, field: str = "axis") -> tuple[int, ...]:
    """Sorted indices into `x` (batch excluded) of the axes `axis` names; each must have a known size."""
    given = [axis] if axis is None or isinstance(axis, int) else list(axis)
    idx = [resolve_axis(a, len(x), field) for a in given]
    if len(set(idx)) != len(idx):
        raise ShapeError(f"{kind} names the same axis twice in axis={axis}; list each axis once.", field)
    for i in idx:
        if x[i] is None:
            raise ShapeError(f"{kind} normalizes axis {i + 1}, which has a variable length in {fmt(x)}; "
                             "pick axes with a known size.", field)
    return tuple(sorted(idx))


def sizes(x: Shape, idx: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(x[i]) for i in idx)  # type: ignore[arg-type]  # resolve_axes checked them


def keras_axes(idx: tuple[int, ...], rank: int, single: bool) -> int | list[int]:
    """The Keras `axis` for netcanvas indices: an int (-1 for the last) when `single`, else the
    sorted positive axes (Keras reshapes a weight to the axes in the order it sorts them, so
    positive numbers keep that order the natural one)."""
    ks = [keras_axis(i, rank) for i in idx]
    if single and len(ks) == 1:
        return ks[0]
    return sorted(k if k > 0 else rank for k in ks)


def from_keras_axes(n: ImportNode, axis: Any, rank: int, sorts_raw: bool = True) -> tuple[int, ...]:
    """A Keras axis setting (int or list) of a channels-last tensor → sorted netcanvas indices.
    `sorts_raw`: the Keras layer orders its weight by the raw axis numbers (LayerNormalization)."""
    given = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    full = rank + 1
    try:
        positive = [int(a) % full for a in given]
        idx = sorted(netcanvas_axis(int(a), rank) - 1 for a in given)
    except (ValueError, TypeError) as err:
        raise n.fail(f"axis={axis!r}: {err}") from err
    if sorts_raw and len(given) > 1 and sorted(given) != [a for _, a in sorted(zip(positive, given))]:
        # Keras sorts the raw numbers and reshapes the weight to them: with mixed signs its
        # weight's order is not the axes' order.
        raise n.fail(f"axis={axis!r} mixes negative and positive axes; save the model with positive axes")
    return tuple(idx)


def to_keras_order(idx: tuple[int, ...], rank: int) -> list[int]:
    """perm with keras_weight == netcanvas_weight.transpose(perm), for a weight over axes `idx`."""
    pos = [keras_axis(i, rank) % (rank + 1) for i in idx]  # Keras axis numbers, batch counted
    return [int(j) for j in np.argsort(pos)]


def to_keras_weight(a: np.ndarray, idx: tuple[int, ...], rank: int) -> np.ndarray:
    return np.transpose(a, to_keras_order(idx, rank)) if a.ndim > 1 else a


def from_keras_weight(a: np.ndarray, idx: tuple[int, ...], rank: int) -> np.ndarray:
    return np.transpose(a, np.argsort(to_keras_order(idx, rank))) if a.ndim > 1 else a


def axis_param(idx: tuple[int, ...], rank: int) -> Axes:
    """netcanvas's `axis` for indices: None for the feature axis alone, an int, or a list."""
    if len(idx) == 1:
        return None if idx[0] == resolve_axis(None, rank) else idx[0] + 1
    return [i + 1 for i in idx]
