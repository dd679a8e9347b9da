"""Turn stored arrays plus load-time options into the Dataset training sees."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .base import Dataset, DatasetInfo, Split
from .preprocess import ImageAugment, LoadOptions

SPLITS = ("train", "validation", "test")


def suggested_loss(info: DatasetInfo, options: LoadOptions) -> str:
    if info.target.kind == "values":
        return "mean_squared_error"
    return "categorical_crossentropy" if options.label_mode == "categorical" else "sparse_categorical_crossentropy"


def with_options(info: DatasetInfo, options: LoadOptions) -> DatasetInfo:
    """The info as listed: the suggested loss follows the label mode; options shown in extra."""
    return info.model_copy(
        update={
            "suggested_loss": suggested_loss(info, options),
            "extra": {**info.extra, "options": options.model_dump()},
        }
    )


def _head(a: Arrays) -> Arrays:
    return [p[:0] for p in a] if isinstance(a, list | tuple) else a[:0]


def assemble(info: DatasetInfo, splits: dict[str, tuple[Arrays, Arrays]], options: LoadOptions) -> Dataset:
    # Class targets stay int64 ids whatever the label mode: the training engine one-hot encodes a
    # batch when the loss wants it (categorical_crossentropy), so no N × classes matrix is stored.
    def split(name: str) -> Split | None:
        if name not in splits:
            return None
        x, y = splits[name]
        return Split(x, y)

    train, test = split("train"), split("test")
    assert train is not None
    if test is None:
        test = Split(_head(train.x), _head(train.y))
    validation = split("validation")
    if validation is not None and len(validation) == 0:
        validation = None
    augment = None
    if info.kind == "image" and options.augment.active:
        augment = ImageAugment(options.augment, options.augment_seed)
    return Dataset(with_options(info, options), train, test, validation, augment)


Arrays = np.ndarray | list[np.ndarray]


def array_file(prefix: str, split: str, index: int | None = None) -> str:
    """x_train.npy for a set's only input; x0_train.npy, x1_train.npy… for several (y likewise)."""
    return f"{prefix}_{split}.npy" if index is None else f"{prefix}{index}_{split}.npy"


def save_arrays(folder: Path, name: str, x: Arrays, y: Arrays) -> None:
    for prefix, a in (("x", x), ("y", y)):
        if isinstance(a, list | tuple):
            for i, part in enumerate(a):
                np.save(folder / array_file(prefix, name, i), part, allow_pickle=False)
        else:
            np.save(folder / array_file(prefix, name), a, allow_pickle=False)


def _load(folder: Path, prefix: str, split: str) -> Arrays | None:
    """One array, or the numbered list of them, memory-mapped read-only (never unpickled)."""
    single = folder / array_file(prefix, split)
    if single.exists():
        return np.load(single, mmap_mode="r", allow_pickle=False)
    parts: list[np.ndarray] = []
    while (folder / array_file(prefix, split, len(parts))).exists():
        parts.append(np.load(folder / array_file(prefix, split, len(parts)), mmap_mode="r", allow_pickle=False))
    return parts or None


def load_arrays(folder: Path) -> dict[str, tuple[Arrays, Arrays]]:
    """The arrays of each split present in `folder`: x and y, each one array or a list of them."""
    out = {}
    for name in SPLITS:
        x, y = _load(folder, "x", name), _load(folder, "y", name)
        if x is not None and y is not None:
            out[name] = (x, y)
    return out
