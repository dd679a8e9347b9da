"""netcanvas (channels-first) ↔ Keras (channels-last) tensor layouts.

netcanvas images are (C, H, W): rank 3 (batch excluded), as the layer registry's feature axis
has it (layers.base.feature_axis); vectors (F,), sequences (T, F) and tensors of rank 4 or more
(features last) are the same in both. Keras models we write and read are channels-last:
(H, W, C). Shapes here exclude the batch axis; axes passed in and out of `keras_axis` /
`netcanvas_axis` count it, as Keras does.
"""

from __future__ import annotations

import math

import numpy as np

from ..layers.base import Shape


def is_image(shape: Shape) -> bool:
    return len(shape) == 3


def to_keras_shape(shape: Shape) -> Shape:
    """(C, H, W) → (H, W, C); lower ranks unchanged."""
    return tuple(shape[1:]) + (shape[0],) if is_image(shape) else tuple(shape)


def to_netcanvas_shape(shape: Shape) -> Shape:
    """(H, W, C) → (C, H, W); lower ranks unchanged."""
    return (shape[-1],) + tuple(shape[:-1]) if len(shape) == 3 else tuple(shape)


def keras_axis(index: int, rank: int) -> int:
    """Index into a netcanvas shape (batch excluded) → the Keras axis (batch counted, -1 = last)."""
    if rank == 3:
        index = rank - 1 if index == 0 else index - 1
    return -1 if index == rank - 1 else index + 1


def netcanvas_axis(axis: int, rank: int) -> int:
    """A Keras axis (batch counted, negatives allowed) of a channels-last tensor → the netcanvas
    axis (batch counted) of the same dimension in the channels-first tensor."""
    full = rank + 1
    if not -full <= axis < full or axis % full == 0:
        raise ValueError(f"axis {axis} does not exist for rank {rank}")
    index = axis % full - 1
    if rank == 3:
        index = 0 if index == rank - 1 else index + 1
    return index + 1


def flatten_perm(shape: Shape) -> np.ndarray:
    """For a (C, H, W) tensor: `perm` with keras_flat[j] == netcanvas_flat[perm[j]], where
    netcanvas flattens C·H·W and Keras flattens its (H, W, C) tensor H·W·C."""
    dims = tuple(int(d or 0) for d in shape)  # known: only images of known size are flattened
    idx = np.arange(math.prod(dims)).reshape(dims)
    return np.moveaxis(idx, 0, -1).reshape(-1)


def to_channels_first_dims(rank: int) -> tuple[int, ...]:
    """Keras Permute dims (batch excluded, 1-based) taking (H, W, C) to (C, H, W)."""
    return (rank,) + tuple(range(1, rank))


def to_channels_last_dims(rank: int) -> tuple[int, ...]:
    """Keras Permute dims taking (C, H, W) to (H, W, C)."""
    return tuple(range(2, rank + 1)) + (1,)
