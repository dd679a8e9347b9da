"""What the UI shows of a data set before training: samples (images as small PNGs, table rows,
decoded texts), the class balance of each split, the input shape."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from .base import Dataset, DatasetInfo, Split

MAX_SAMPLES = 64


class Sample(BaseModel):
    split: str
    index: int
    label: str | float | list[float] | None
    image: str | None = None  # data:image/png;base64,… for images
    text: str | None = None  # decoded tokens for text sets
    values: list[Any] | None = None  # the row (tables, sequences, token ids)


class TablePreview(BaseModel):
    columns: list[str]
    rows: list[list[Any]]


class DatasetPreview(BaseModel):
    id: str
    kind: str
    input_shape: list[int | None]
    input_dtype: str
    class_names: list[str] | None = None
    # per split: {class name: count} for classes, {min, max, mean, std} for values
    class_balance: dict[str, dict[str, float]] = Field(default_factory=dict)
    samples: list[Sample] = Field(default_factory=list)
    features: list[str] | None = None  # column names of the processed rows (tables)
    raw: TablePreview | None = None  # first rows of the uploaded file, as uploaded


def png_data_url(image: np.ndarray) -> str:
    """A (C, H, W) float image as a PNG data URL; values outside 0..1 are stretched to fit."""
    from PIL import Image

    x = np.asarray(image, dtype=np.float32)
    lo, hi = float(x.min()), float(x.max())
    if lo < 0 or hi > 1:
        x = (x - lo) / (hi - lo if hi > lo else 1.0)
    u8 = np.clip(np.round(x * 255), 0, 255).astype(np.uint8)
    img = Image.fromarray(u8[0], "L") if u8.shape[0] != 3 else Image.fromarray(u8.transpose(1, 2, 0), "RGB")
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _class_ids(split: Split) -> np.ndarray:
    y = np.asarray(split.y)
    return y.argmax(axis=1) if y.ndim == 2 else y.astype(np.int64)


def _balance(info: DatasetInfo, split: Split) -> dict[str, float]:
    if len(split) == 0:
        return {}
    if info.target.kind == "classes":
        k = info.target.num_classes or 0
        counts = np.bincount(_class_ids(split), minlength=k)
        names = info.target.class_names or [str(i) for i in range(len(counts))]
        return {names[i] if i < len(names) else str(i): int(c) for i, c in enumerate(counts)}
    y = np.asarray(split.y, dtype=np.float64)
    return {"min": float(y.min()), "max": float(y.max()), "mean": float(y.mean()), "std": float(y.std())}


def _label(info: DatasetInfo, y: np.ndarray) -> str | float | list[float]:
    if info.target.kind == "classes":
        k = int(np.argmax(y)) if np.ndim(y) else int(y)
        names = info.target.class_names
        return names[k] if names and k < len(names) else str(k)
    flat = np.ravel(y).astype(float).tolist()
    return flat[0] if len(flat) == 1 else flat


def _round(row: np.ndarray) -> list[Any]:
    if row.dtype.kind in "iu":
        return row.tolist()
    return np.round(row.astype(np.float64), 4).tolist()


def build_preview(dataset: Dataset, count: int = 16, folder: Path | None = None,
                  meta: dict[str, Any] | None = None) -> DatasetPreview:
    info = dataset.info
    splits = {"train": dataset.train, "validation": dataset.validation, "test": dataset.test}
    preview = DatasetPreview(
        id=info.id, kind=info.kind, input_shape=info.input_shape, input_dtype=info.input_dtype,
        class_names=info.target.class_names,
        class_balance={name: _balance(info, s) for name, s in splits.items() if s is not None and len(s)},
    )
    vocab: list[str] | None = None
    if info.kind == "text" and folder is not None and (folder / "vocabulary.json").is_file():
        vocab = json.loads((folder / "vocabulary.json").read_text())
    train = dataset.train
    count = max(0, min(count, MAX_SAMPLES, len(train)))
    picks = np.unique(np.linspace(0, len(train) - 1, count).astype(np.int64)) if count else np.zeros(0, np.int64)
    for i in picks:
        x = np.asarray(train.x[i])
        sample = Sample(split="train", index=int(i), label=_label(info, np.asarray(train.y[i])))
        if info.kind == "image" and x.ndim == 3:
            sample.image = png_data_url(x)
        else:
            sample.values = _round(x)
            if vocab is not None:
                sample.text = " ".join(vocab[t] if t < len(vocab) else "<oov>" for t in x.tolist() if t)
        preview.samples.append(sample)
    if meta:
        proc = meta.get("preprocessing") or {}
        preview.features = proc.get("features")
        raw = meta.get("preview")
        if raw:
            preview.raw = TablePreview(columns=raw["columns"], rows=raw["rows"])
    return preview
