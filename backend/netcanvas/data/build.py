"""Shared steps of building an uploaded data set: splitting big arrays into .npy files in chunks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.lib.format import open_memmap

from .preprocess import Scaler

CHUNK_ROWS = 8192
Transform = Callable[[np.ndarray], np.ndarray]


def write_split_files(
    out: Path,
    x_all: np.ndarray,
    y_all: np.ndarray,
    indices: dict[str, np.ndarray],
    transform: Transform | None = None,
) -> dict[str, int]:
    """x_{split}.npy / y_{split}.npy for each split, gathering `CHUNK_ROWS` rows at a time so a
    memory-mapped `x_all` never has to fit in memory. Returns the split sizes."""
    sizes = {}
    for name, idx in indices.items():
        xs = open_memmap(out / f"x_{name}.npy", mode="w+", dtype=x_all.dtype if transform is None else np.float32,
                         shape=(len(idx), *x_all.shape[1:]))
        ys = open_memmap(out / f"y_{name}.npy", mode="w+", dtype=y_all.dtype, shape=(len(idx), *y_all.shape[1:]))
        for start in range(0, len(idx), CHUNK_ROWS):
            rows = idx[start:start + CHUNK_ROWS]
            block = np.asarray(x_all[rows])
            xs[start:start + len(rows)] = transform(block) if transform is not None else block
            ys[start:start + len(rows)] = y_all[rows]
        xs.flush()
        ys.flush()
        del xs, ys
        sizes[name] = len(idx)
    return sizes


def fit_scaler_chunked(method: str, x_all: np.ndarray, rows: np.ndarray, channel_axis: int | None,
                       scaled_features: np.ndarray | None = None, convert: Transform | None = None) -> Scaler:
    """A Scaler fitted on `rows` of x_all, in chunks (sum, sum of squares, min, max).

    channel_axis None: one statistic per feature (tables, axis 1); otherwise per channel (images).
    scaled_features: a boolean mask of the features to scale (others get offset 0, scale 1).
    convert: applied to each chunk first (e.g. uint8 → float 0..1).
    """
    if method == "none" or len(rows) == 0:
        return Scaler(method="none")
    reduce_axes: tuple[int, ...]
    if channel_axis is None:
        reduce_axes = (0,)
        nfeat = x_all.shape[1]
    else:
        reduce_axes = tuple(a for a in range(x_all.ndim) if a != channel_axis)
        nfeat = x_all.shape[channel_axis]
    s = np.zeros(nfeat)
    ss = np.zeros(nfeat)
    lo = np.full(nfeat, np.inf)
    hi = np.full(nfeat, -np.inf)
    count = 0
    for start in range(0, len(rows), CHUNK_ROWS):
        block = np.asarray(x_all[rows[start:start + CHUNK_ROWS]])
        block = np.asarray(convert(block) if convert is not None else block, dtype=np.float64)
        s += block.sum(axis=reduce_axes)
        ss += (block**2).sum(axis=reduce_axes)
        lo = np.minimum(lo, block.min(axis=reduce_axes))
        hi = np.maximum(hi, block.max(axis=reduce_axes))
        count += block.size // nfeat
    if method == "standard":
        off = s / count
        sc = np.sqrt(np.maximum(ss / count - off**2, 0.0))
    else:
        off, sc = lo, hi - lo
    sc = np.where(sc > 1e-12, sc, 1.0)
    if scaled_features is not None:
        off = np.where(scaled_features, off, 0.0)
        sc = np.where(scaled_features, sc, 1.0)
    return Scaler(method=method, offset=off.tolist(), scale=sc.tolist())
