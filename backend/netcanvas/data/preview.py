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

from .base import Dataset, DatasetInfo, InputSpec, Split, TargetSpec

MAX_SAMPLES = 64


Label = str | float | list[str] | list[float] | None  # a class name, a value; a list: per time step / several values


class SampleInput(BaseModel):
    """One input of a sample, for a set with several inputs."""

    name: str
    image: str | None = None
    text: str | None = None
    values: list[Any] | None = None


class Sample(BaseModel):
    split: str
    index: int
    label: Label  # the (first) target: a class name, or a list of them for a class per time step
    image: str | None = None  # data:image/png;base64,… for images
    text: str | None = None  # decoded tokens for text sets
    values: list[Any] | None = None  # the row (tables, sequences, token ids)
    # several inputs: each one drawn as above (the top-level image/text/values stay empty)
    inputs: list[SampleInput] | None = None
    targets: list[Label] | None = None  # several targets: each one's label, in target order


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
    inputs: list[InputSpec] = Field(default_factory=list)  # every input (name, shape, dtype), Split order
    targets: list[TargetSpec] = Field(default_factory=list)  # every target, Split order


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


def _first_target(split: Split) -> np.ndarray:
    return np.asarray(split.y[0] if isinstance(split.y, list | tuple) else split.y)


def _class_ids(spec: TargetSpec, y: np.ndarray) -> np.ndarray:
    """Class ids, flattened over time steps for a class per step; (N, K) one-hot rows → argmax."""
    if spec.shape or y.ndim != 2:
        return y.astype(np.int64).ravel()
    return y.argmax(axis=1)


def _balance(info: DatasetInfo, split: Split) -> dict[str, float]:
    """The first target's class counts (over every time step for a class per step) or value range."""
    if len(split) == 0:
        return {}
    spec = info.target_specs()[0]
    y = _first_target(split)
    if spec.kind == "classes":
        k = spec.num_classes or 0
        counts = np.bincount(_class_ids(spec, y), minlength=k)
        names = spec.class_names or [str(i) for i in range(len(counts))]
        return {names[i] if i < len(names) else str(i): int(c) for i, c in enumerate(counts)}
    y = y.astype(np.float64)
    return {"min": float(y.min()), "max": float(y.max()), "mean": float(y.mean()), "std": float(y.std())}


def _label(spec: TargetSpec, y: np.ndarray) -> Label:
    if spec.kind == "classes":
        names = spec.class_names

        def name(k: int) -> str:
            return names[k] if names and 0 <= k < len(names) else str(k)

        if spec.shape and np.ndim(y) == 1:  # a class per time step
            return [name(int(k)) for k in y]
        return name(int(np.argmax(y)) if np.ndim(y) else int(y))
    flat = np.ravel(y).astype(float).tolist()
    return flat[0] if len(flat) == 1 else flat


def _round(row: np.ndarray) -> list[Any]:
    if row.dtype.kind in "iu":
        return row.tolist()
    return np.round(row.astype(np.float64), 4).tolist()


def _draw(into: Sample | SampleInput, x: np.ndarray, image: bool | None, vocab: list[str] | None) -> None:
    """One input of a sample: a PNG for an image (C, H, W) (image None: any float (C, H, W) with 1, 3 or
    4 channels), else its values, and its words with a vocabulary."""
    if image is None:
        image = x.ndim == 3 and x.dtype.kind == "f" and x.shape[0] in (1, 3, 4)
    if image and x.ndim == 3:
        into.image = png_data_url(x)
        return
    into.values = _round(x)
    if vocab is not None:
        into.text = " ".join(vocab[t] if t < len(vocab) else "<oov>" for t in x.tolist() if t)


def build_preview(dataset: Dataset, count: int = 16, folder: Path | None = None,
                  meta: dict[str, Any] | None = None) -> DatasetPreview:
    info = dataset.info
    splits = {"train": dataset.train, "validation": dataset.validation, "test": dataset.test}
    preview = DatasetPreview(
        id=info.id, kind=info.kind, input_shape=info.input_shape, input_dtype=info.input_dtype,
        class_names=info.target.class_names,
        class_balance={name: _balance(info, s) for name, s in splits.items() if s is not None and len(s)},
        inputs=info.input_specs(), targets=info.target_specs(),
    )
    vocab: list[str] | None = None
    if info.kind == "text" and folder is not None and (folder / "vocabulary.json").is_file():
        vocab = json.loads((folder / "vocabulary.json").read_text())
    train = dataset.train
    count = max(0, min(count, MAX_SAMPLES, len(train)))
    picks = np.unique(np.linspace(0, len(train) - 1, count).astype(np.int64)) if count else np.zeros(0, np.int64)
    specs = info.target_specs()
    ys = list(train.y) if isinstance(train.y, list | tuple) else [train.y]
    several = isinstance(train.x, list | tuple)
    kinds = info.extra.get("input_kinds") or []
    for i in picks:
        labels = [_label(spec, np.asarray(y[i])) for spec, y in zip(specs, ys, strict=False)]
        sample = Sample(split="train", index=int(i), label=labels[0], targets=labels if len(labels) > 1 else None)
        if several:
            sample.inputs = []
            for k, (spec, x) in enumerate(zip(info.input_specs(), train.x, strict=False)):
                part = SampleInput(name=spec.name)
                _draw(part, np.asarray(x[i]), kinds[k] == "image" if k < len(kinds) else None, None)
                sample.inputs.append(part)
        else:
            _draw(sample, np.asarray(train.x[i]), info.kind == "image", vocab)
        preview.samples.append(sample)
    if meta:
        proc = meta.get("preprocessing") or {}
        preview.features = proc.get("features")
        raw = meta.get("preview")
        if raw:
            preview.raw = TablePreview(columns=raw["columns"], rows=raw["rows"])
    return preview
