"""An NPZ upload: arrays x and y (or Keras's x_train, y_train, x_test, y_test), never unpickled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .base import DatasetInfo, Sizes, TargetInfo
from .build import fit_scaler_chunked, write_split_files
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


def _layout(x: np.ndarray, name: str) -> tuple[np.ndarray, str]:
    """x in netcanvas layout and its kind: (N, F) table, (N, H, W) uint8 and (N, H, W, C) images
    are made channels-first, (N, T, F) float is a sequence, (N, C, H, W) stays."""
    if x.ndim < 2:
        raise FormatError(f"{name}: x has shape {x.shape}; one row per sample (N, ...) is needed.")
    if x.ndim == 2:
        return x.astype(np.float32), "table"
    image_like = x.dtype == np.uint8
    if x.ndim == 3:
        if image_like:
            return x[:, None].astype(np.float32) / 255.0, "image"
        return x.astype(np.float32), "sequence"
    if x.ndim == 4:
        if x.shape[-1] in (1, 3, 4) and x.shape[1] not in (1, 3, 4):  # channels-last (Keras)
            x = x.transpose(0, 3, 1, 2)
        return (x.astype(np.float32) / 255.0 if image_like else x.astype(np.float32)), "image"
    raise FormatError(f"{name}: x has {x.ndim} axes {x.shape}; 2 to 4 are understood.")


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
        arrays = {p: (_array(npz, kx, name), _array(npz, ky, name)) for p, (kx, ky) in parts.items()}
    for p, (x, y) in arrays.items():
        if len(x) != len(y):
            raise DataError(f"{name}: {len(x)} rows in x{'' if p == 'all' else '_' + p} but {len(y)} in y.", 422)
        if len(x) == 0:
            raise DataError(f"{name}: x{'' if p == 'all' else '_' + p} is empty.", 422)
    xs = {p: _layout(x, name) for p, (x, _) in arrays.items()}
    kinds = {k for _, k in xs.values()}
    shapes = {a.shape[1:] for a, _ in xs.values()}
    if len(shapes) > 1:
        raise DataError(f"{name}: x_train and x_test differ in shape {sorted(shapes)}.", 422)
    kind = kinds.pop()
    if not all(np.isfinite(a).all() for a, _ in xs.values()):
        raise DataError(f"{name}: x holds NaN or infinite values.", 422)
    ys = {p: _labels(np.asarray(y), opts.task, name) for p, (_, y) in arrays.items()}
    target_kind = next(iter(ys.values()))[1]
    num_classes = max((k or 0) for _, _, k in ys.values()) if target_kind == "classes" else None

    if "all" in xs:
        x_all, y_all = xs["all"][0], ys["all"][0]
        idx = split_indices(len(x_all), opts.validation_split, opts.test_split, opts.seed,
                            y_all if target_kind == "classes" else None)
    else:  # the given test split stays; validation comes out of train
        xt, yt = xs["train"][0], ys["train"][0]
        n_train = len(xt)
        parts_x, parts_y = [xt], [yt]
        if "test" in xs:
            parts_x.append(xs["test"][0])
            parts_y.append(ys["test"][0])
        x_all, y_all = np.concatenate(parts_x), np.concatenate(parts_y)
        sub = split_indices(n_train, opts.validation_split, 0.0, opts.seed,
                            yt if target_kind == "classes" else None)
        idx = {"train": sub["train"], "validation": sub["validation"],
               "test": np.arange(n_train, len(x_all), dtype=np.int64)}
    method = opts.scaling if opts.scaling != "auto" else ("standard" if kind == "table" else "none")
    channel_axis = 1 if kind == "image" else (2 if kind == "sequence" else None)
    if kind == "sequence":  # one statistic per feature over samples and time
        scaler = fit_scaler_chunked(method, x_all, idx["train"], channel_axis=2)
        transform = (lambda b: scaler.apply(b, channel_axis=2))
    else:
        scaler = fit_scaler_chunked(method, x_all, idx["train"], channel_axis)
        transform = (lambda b: scaler.apply(b))
    sizes = write_split_files(out, x_all, y_all, idx, None if method == "none" else transform)
    class_names = [str(i) for i in range(num_classes)] if num_classes else None
    info = DatasetInfo(
        id="", name=opts.name or Path(name).stem, kind=kind, input_shape=list(x_all.shape[1:]),
        target=TargetInfo(kind=target_kind, num_classes=num_classes, class_names=class_names),  # type: ignore[arg-type]
        sizes=Sizes(**sizes), suggested_loss="", source="upload",
        description=f"{len(x_all)} samples from {name}.",
    )
    return {"info": info, "preprocessing": {"arrays": sorted(keys), "scaler": scaler.model_dump()}}
