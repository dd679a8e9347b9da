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


def assemble(info: DatasetInfo, splits: dict[str, tuple[np.ndarray, np.ndarray]], options: LoadOptions) -> Dataset:
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
        test = Split(train.x[:0], train.y[:0])
    validation = split("validation")
    if validation is not None and len(validation) == 0:
        validation = None
    augment = None
    if info.kind == "image" and options.augment.active:
        augment = ImageAugment(options.augment, options.augment_seed)
    return Dataset(with_options(info, options), train, test, validation, augment)


def save_arrays(folder: Path, name: str, x: np.ndarray, y: np.ndarray) -> None:
    np.save(folder / f"x_{name}.npy", x, allow_pickle=False)
    np.save(folder / f"y_{name}.npy", y, allow_pickle=False)


def load_arrays(folder: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Memory-mapped, read-only arrays of each split present in `folder` (never unpickled)."""
    out = {}
    for name in SPLITS:
        xp, yp = folder / f"x_{name}.npy", folder / f"y_{name}.npy"
        if xp.exists() and yp.exists():
            out[name] = (
                np.load(xp, mmap_mode="r", allow_pickle=False),
                np.load(yp, mmap_mode="r", allow_pickle=False),
            )
    return out
