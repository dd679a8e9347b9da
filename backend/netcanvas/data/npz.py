"""An NPZ upload: arrays x and y (or Keras's x_train, y_train, x_test, y_test), never unpickled."""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .base import DatasetInfo, Sizes, TargetInfo
from .build import CHUNK_ROWS, fit_scaler_chunked, write_split_files
from .errors import DataError, FormatError
from .limits import LIMITS, Limits
from .options import UploadOptions
from .preprocess import split_indices
from .zipsafe import open_checked

MAX_CLASSES_AUTO = 1000


def _array(npz: Any, key: str, name: str) -> np.ndarray:
    try:
        a = npz[key]
    except ValueError as exc:  # object arrays need pickle
        raise FormatError(
            f"{name}: array '{key}' holds Python objects, which would need unpickling; refused. "
            "Save numeric arrays (np.savez(x=..., y=...)).") from exc
    except Exception as exc:  # a corrupt member
        raise FormatError(f"{name}: array '{key}' cannot be read ({exc}).") from exc
    if a.dtype.kind not in "biuf":
        raise FormatError(f"{name}: array '{key}' has dtype {a.dtype}; numbers are needed.")
    return a


Convert = Callable[[np.ndarray], np.ndarray]


def _layout(x: np.ndarray, name: str) -> tuple[np.ndarray, str, Convert]:
    """A view of x in netcanvas layout, its kind, and the per-chunk conversion to float32:
    (N, F) table; uint8 (N, H, W) and (N, H, W, C) images made channels-first and scaled to 0..1;
    float (N, T, F) a sequence; (N, C, H, W) stays. Nothing is copied here (x may be a memmap)."""
    if x.ndim < 2:
        raise FormatError(f"{name}: x has shape {x.shape}; one row per sample (N, ...) is needed.")
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
    raise FormatError(f"{name}: x has {x.ndim} axes {x.shape}; 2 to 4 are understood.")


def _stored_member(src: Path, zf: zipfile.ZipFile, key: str, name: str) -> np.ndarray | None:
    """An uncompressed (np.savez) member as a read-only memmap over the upload, else None."""
    info = zf.getinfo(key + ".npy")
    if info.compress_type != zipfile.ZIP_STORED:
        return None
    with open(src, "rb") as f:
        f.seek(info.header_offset)
        local = f.read(30)
        if local[:4] != b"PK\x03\x04":
            raise FormatError(f"{name}: entry '{key}.npy' has a damaged local header.")
        n, e = struct.unpack("<HH", local[26:30])
        start = info.header_offset + 30 + n + e
        f.seek(start)
        try:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            else:
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        except ValueError as exc:
            raise FormatError(f"{name}: array '{key}' has a damaged header ({exc}).") from exc
        offset = f.tell()
    if dtype.hasobject:
        raise FormatError(
            f"{name}: array '{key}' holds Python objects, which would need unpickling; refused. "
            "Save numeric arrays (np.savez(x=..., y=...)).")
    if offset - start + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize > info.file_size:
        raise FormatError(f"{name}: array '{key}' is shorter than its header says.")
    return np.memmap(src, dtype=dtype, mode="r", offset=offset, shape=tuple(shape), order="F" if fortran else "C")


def _labels(y: np.ndarray, task: str, name: str) -> tuple[np.ndarray, str, int | None]:
    one_hot = y.ndim == 2 and y.shape[1] > 1 and np.all((y == 0) | (y == 1)) and np.all(y.sum(axis=1) == 1)
    if one_hot and task != "regression":
        return y.argmax(axis=1).astype(np.int64), "classes", y.shape[1]
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    integral = y.dtype.kind in "biu" or (y.ndim == 1 and np.all(np.mod(y, 1) == 0))
    if y.ndim == 1 and task != "regression" and integral and (task == "classification" or y.dtype.kind in "biu"):
        y = y.astype(np.int64)
        if len(y) and y.min() < 0:
            raise DataError(f"{name}: y has negative class id {int(y.min())}; classes are 0, 1, 2…", 422)
        k = int(y.max()) + 1 if len(y) else 0
        if k > MAX_CLASSES_AUTO:
            raise DataError(f"{name}: y has class ids up to {k - 1}; more than {MAX_CLASSES_AUTO} classes.", 422)
        return y, "classes", k
    if task == "classification":
        raise DataError(f"{name}: task 'classification' needs integer class ids in y, got {y.dtype}.", 422)
    y = y.astype(np.float32)
    return (y[:, None] if y.ndim == 1 else y), "values", None


def build_npz(src: Path, out: Path, name: str, opts: UploadOptions, limits: Limits = LIMITS) -> dict[str, Any]:
    open_checked(src, name, limits).close()  # size, ratio and name checks before numpy reads it
    try:
        npz = np.load(src, allow_pickle=False)
    except Exception as exc:
        raise FormatError(f"{name}: not a readable NPZ file ({exc}).") from exc
    with npz:
        keys = set(npz.files)
        if {"x_train", "y_train"} <= keys:
            parts = {"train": ("x_train", "y_train")}
            if {"x_test", "y_test"} <= keys:
                parts["test"] = ("x_test", "y_test")
        elif {"x", "y"} <= keys:
            parts = {"all": ("x", "y")}
        else:
            raise DataError(
                f"{name}: needs arrays 'x' and 'y' (or 'x_train', 'y_train'[, 'x_test', 'y_test']); "
                f"it has {', '.join(sorted(keys)) or 'none'}.", 422)
        with zipfile.ZipFile(src) as zf:
            def get(key: str) -> np.ndarray:
                mapped = _stored_member(src, zf, key, name)
                if mapped is not None and mapped.dtype.kind in "biuf":
                    return mapped
                return _array(npz, key, name)

            arrays = {p: (get(kx), get(ky)) for p, (kx, ky) in parts.items()}
    for p, (x, y) in arrays.items():
        if len(x) != len(y):
            raise DataError(f"{name}: {len(x)} rows in x{'' if p == 'all' else '_' + p} but {len(y)} in y.", 422)
        if len(x) == 0:
            raise DataError(f"{name}: x{'' if p == 'all' else '_' + p} is empty.", 422)
    xs = {p: _layout(x, name) for p, (x, _) in arrays.items()}
    kinds = {k for _, k, _ in xs.values()}
    shapes = {a.shape[1:] for a, _, _ in xs.values()}
    if len(shapes) > 1:
        raise DataError(f"{name}: x_train and x_test differ in shape {sorted(shapes)}.", 422)
    kind = kinds.pop()
    convert = next(iter(xs.values()))[2]
    for a, _, conv in xs.values():
        for start in range(0, len(a), CHUNK_ROWS):
            if not np.isfinite(conv(np.asarray(a[start:start + CHUNK_ROWS]))).all():
                raise DataError(f"{name}: x holds NaN or infinite values.", 422)
    ys = {p: _labels(np.asarray(y), opts.task, name) for p, (_, y) in arrays.items()}
    target_kind = next(iter(ys.values()))[1]
    num_classes = max((k or 0) for _, _, k in ys.values()) if target_kind == "classes" else None

    # (source x, source y, {split: row indices}) for each source array
    jobs: list[tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]]
    if "all" in xs:
        x_src, y_src = xs["all"][0], ys["all"][0]
        idx = split_indices(len(x_src), opts.validation_split, opts.test_split, opts.seed,
                            y_src if target_kind == "classes" else None)
        jobs = [(x_src, y_src, idx)]
    else:  # the given test split stays; validation comes out of train
        x_src, y_src = xs["train"][0], ys["train"][0]
        sub = split_indices(len(x_src), opts.validation_split, 0.0, opts.seed,
                            y_src if target_kind == "classes" else None)
        jobs = [(x_src, y_src, {"train": sub["train"], "validation": sub["validation"]})]
        if "test" in xs:
            jobs.append((xs["test"][0], ys["test"][0], {"test": np.arange(len(xs["test"][0]), dtype=np.int64)}))
    method = opts.scaling if opts.scaling != "auto" else ("standard" if kind == "table" else "none")
    channel_axis = {"image": 1, "sequence": 2}.get(kind)  # sequences: one statistic per feature
    train_x, _, train_idx = jobs[0]
    scaler = fit_scaler_chunked(method, train_x, train_idx["train"], channel_axis, convert=convert)
    axis = channel_axis or 1

    def transform(b: np.ndarray) -> np.ndarray:
        return scaler.apply(convert(b), channel_axis=axis)

    sizes: dict[str, int] = {}
    for x_src, y_src, idx in jobs:
        sizes.update(write_split_files(out, x_src, y_src, idx, transform))
    n_all = sum(sizes.values())
    class_names = [str(i) for i in range(num_classes)] if num_classes else None
    info = DatasetInfo(
        id="", name=opts.name or Path(name).stem, kind=kind, input_shape=list(train_x.shape[1:]),
        target=TargetInfo(kind=target_kind, num_classes=num_classes, class_names=class_names),
        sizes=Sizes(**sizes), suggested_loss="", source="upload",
        description=f"{n_all} samples from {name}.",
    )
    return {"info": info, "preprocessing": {"arrays": sorted(keys), "scaler": scaler.model_dump()}}
