"""One x array of an NPZ upload (all its splits) read as the model will take it: float32 numbers
in netcanvas layout, or int64 token ids, by the `x_dtype` option (rules in data/npz.py's docstring).
Arrays are read a chunk of rows at a time, so a memory-mapped member never has to fit in memory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from .build import CHUNK_ROWS
from .errors import DataError, FormatError
from .npz_keys import Part

TOKEN_ID_LIMIT = 1 << 20  # auto: integer (N, T) arrays with ids below this are token ids

Convert = Callable[[np.ndarray], np.ndarray]
Kind = Literal["image", "table", "sequence", "text"]


@dataclass
class Input:
    """One x array (all its splits) as the model will take it."""

    name: str
    keys: dict[Part, str]
    views: dict[Part, np.ndarray]  # netcanvas layout, not yet converted (memmaps stay memmaps)
    kind: Kind
    dtype: Literal["float32", "int64"]
    convert: Convert  # a chunk of a view → float32 (or int64 ids)
    max_id: int | None = None  # token ids: the largest (an Embedding's input_dim must exceed it)

    @property
    def shape(self) -> list[int | None]:
        return [int(d) for d in next(iter(self.views.values())).shape[1:]]


def _chunks(a: np.ndarray) -> Any:
    for start in range(0, len(a), CHUNK_ROWS):
        yield np.asarray(a[start:start + CHUNK_ROWS])


def _id_range(arrays: list[np.ndarray]) -> tuple[int, int]:
    lo, hi = None, None
    for a in arrays:
        for b in _chunks(a):
            if b.size:
                lo = int(b.min()) if lo is None else min(lo, int(b.min()))
                hi = int(b.max()) if hi is None else max(hi, int(b.max()))
    return (lo or 0), (hi or 0)


def _check_ids(arrays: dict[Part, np.ndarray], keys: dict[Part, str], file: str) -> None:
    """x_dtype int64: every value a whole number ≥ 0 (the ids an Embedding looks up)."""
    for part, a in arrays.items():
        for b in _chunks(a):
            if b.dtype.kind == "f":
                bad = ~np.isfinite(b) | (np.mod(b, 1) != 0)
                if bad.any():
                    raise DataError(
                        f"{file}: x_dtype int64 reads '{keys[part]}' as integer token ids, but it holds "
                        f"{float(b[bad].flat[0]):g}; set x_dtype to float32 (or auto) to read it as numbers.", 422)
            if b.size and b.min() < 0:
                raise DataError(
                    f"{file}: x_dtype int64 reads '{keys[part]}' as token ids, which are 0 or more, but it holds "
                    f"{b.min().item():g}; set x_dtype to float32 (or auto) to read it as numbers.", 422)


def _as_ids(b: np.ndarray) -> np.ndarray:
    return b.astype(np.int64)


def _numbers(x: np.ndarray, key: str, file: str) -> tuple[np.ndarray, Kind, Convert]:
    """A float reading of x: (N, F) table; uint8 (N, H, W) and (N, H, W, C) images made channels-first
    and scaled to 0..1; (N, T, F) a sequence; (N, C, H, W) stays. Nothing is copied (x may be a memmap)."""
    image_like = x.dtype == np.uint8

    def to_float(b: np.ndarray) -> np.ndarray:
        return b.astype(np.float32) / 255.0 if image_like else b.astype(np.float32)

    if x.ndim == 2:
        return x, "table", to_float
    if x.ndim == 3:
        if image_like:
            return x[:, None], "image", to_float
        return x, "sequence", to_float
    if x.ndim == 4:
        if x.shape[-1] in (1, 3, 4) and x.shape[1] not in (1, 3, 4):  # channels-last (Keras)
            x = x.transpose(0, 3, 1, 2)
        return x, "image", to_float
    raise FormatError(f"{file}: '{key}' has {x.ndim} axes {x.shape}; 2 to 4 are understood.")


def _reading(a: np.ndarray) -> str:
    return "uint8" if a.dtype == np.uint8 else "integer" if a.dtype.kind in "iu" else a.dtype.kind


def read_input(name: str, keys: dict[Part, str], raw: dict[Part, np.ndarray], x_dtype: str, file: str) -> Input:
    for part, a in raw.items():
        if a.ndim < 2:
            raise FormatError(f"{file}: '{keys[part]}' has shape {a.shape}; one row per sample (N, ...) is needed.")
    if len({_reading(a) for a in raw.values()}) > 1:  # float32 beside float64 is fine; uint8 beside float is not
        listed = ", ".join(f"'{keys[p]}' {a.dtype}" for p, a in raw.items())
        raise DataError(f"{file}: the splits of one input differ in dtype ({listed}), so they would be read "
                        "differently (uint8 images are scaled by 1/255, integers may be token ids); save them with "
                        "one dtype.", 422)
    for part, a in raw.items():
        if a.size == 0 and len(a):
            raise DataError(f"{file}: '{keys[part]}' has shape {a.shape}: no values per sample.", 422)
    first = next(iter(raw.values()))
    ids = x_dtype == "int64"
    if ids:
        _check_ids(raw, keys, file)
    if ids or (x_dtype == "auto" and first.dtype.kind in "iu" and first.ndim == 2):
        lo, hi = _id_range(list(raw.values()))
        if ids or (lo >= 0 and hi < TOKEN_ID_LIMIT):
            return Input(name, keys, dict(raw), "text" if first.ndim == 2 else "sequence", "int64", _as_ids, hi)
    views: dict[Part, np.ndarray] = {}
    kind: Kind = "table"
    convert: Convert = _as_ids
    for part, a in raw.items():
        views[part], kind, convert = _numbers(a, keys[part], file)
    for part, v in views.items():
        for b in _chunks(v):
            if not np.isfinite(convert(b)).all():
                raise DataError(f"{file}: '{keys[part]}' holds NaN or infinite values.", 422)
    return Input(name, keys, views, kind, "float32", convert)
