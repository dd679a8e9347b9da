"""Samples of a data set as the model takes them: a slice of one split's arrays, unchanged (graph
layout, float32 values or int64 token ids; no augmentation), with their labels. What the UI sends to
POST /api/runs/{id}/predict when the user tries a model on data-set samples."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from .base import Dataset, Split, TargetSpec
from .errors import DataError

MAX_COUNT = 256
SplitName = Literal["train", "validation", "test"]


class TargetSamples(BaseModel):
    """One target's part of a batch of samples (a set with several targets lists one per target)."""

    name: str
    target_kind: Literal["classes", "values"]
    # classes: the class id of each sample, or (a class per time step) a list of ids per sample
    class_ids: list[int] | list[list[int]] | None = None
    labels: list[str] | list[list[str]] | None = None  # class names, shaped like class_ids
    values: list[Any] | None = None  # values: the target of each sample (a number, or a list for several)


class DatasetSamples(BaseModel):
    id: str
    split: SplitName
    offset: int
    total: int  # samples in the split
    input_dtype: str
    # A batch in the graph's layout, ready for predict; for a set with several inputs, a batch per input.
    inputs: list[Any]
    # the data set's input names, in the order of `inputs` ("x" for a set with one input)
    input_names: list[str] = Field(default_factory=list)
    target_kind: Literal["classes", "values"]
    # classes: the class id of each sample; for a class per time step, a list of ids per sample
    class_ids: list[int] | list[list[int]] | None = None
    # classes: the class name of each sample (the id as text without names), shaped like class_ids
    labels: list[str] | list[list[str]] | None = None
    values: list[Any] | None = None  # values: the target of each sample (a number, or a list for several)
    texts: list[str] | None = None  # text sets: the token ids read back as words (padding left out)
    # several targets: each one's part, in the data set's target order (the fields above repeat the first)
    targets: list[TargetSamples] | None = None


def _split(dataset: Dataset, name: SplitName) -> Split:
    split = {"train": dataset.train, "validation": dataset.validation, "test": dataset.test}[name]
    if split is None or _length(split) == 0:
        have = [n for n, s in (("train", dataset.train), ("validation", dataset.validation), ("test", dataset.test))
                if s is not None and _length(s)]
        raise DataError(f"Data set '{dataset.info.id}' has no {name} split; it has {', '.join(have)}.", 422)
    return split


def _length(split: Split) -> int:
    x = split.x
    return len(x[0]) if isinstance(x, (list, tuple)) else len(x)


def build_samples(dataset: Dataset, split: SplitName = "test", offset: int = 0, count: int = 16,
                  vocabulary: list[str] | None = None) -> DatasetSamples:
    """Samples offset … offset+count-1 of a split (fewer at its end); 422 past the end. With the
    vocabulary of a text set, each sample's words too."""
    if not 1 <= count <= MAX_COUNT:
        raise DataError(f"count must be between 1 and {MAX_COUNT}, got {count}.", 422)
    info = dataset.info
    part = _split(dataset, split)
    total = _length(part)
    if not 0 <= offset < total:
        raise DataError(f"offset {offset} is outside the {split} split of '{info.id}' ({total} samples: "
                        f"0 … {total - 1}).", 422)
    end = min(total, offset + count)
    xs = part.x if isinstance(part.x, (list, tuple)) else None
    inputs = ([np.asarray(x[offset:end]).tolist() for x in xs] if xs is not None
              else np.asarray(part.x[offset:end]).tolist())
    specs = info.target_specs()
    ys = list(part.y) if isinstance(part.y, (list, tuple)) else [part.y]
    parts = [_target(spec, np.asarray(y[offset:end])) for spec, y in zip(specs, ys, strict=False)]
    out = DatasetSamples(id=info.id, split=split, offset=offset, total=total, input_dtype=info.input_dtype,
                         inputs=inputs, input_names=[s.name for s in info.input_specs()],
                         target_kind=info.target.kind,
                         class_ids=parts[0].class_ids, labels=parts[0].labels, values=parts[0].values,
                         targets=parts if len(parts) > 1 else None)
    if vocabulary is not None and xs is None:
        out.texts = [" ".join(vocabulary[t] if 0 <= t < len(vocabulary) else "<oov>" for t in row if t)
                     for row in np.asarray(part.x[offset:end]).tolist()]
    return out


def _target(spec: TargetSpec, y: np.ndarray) -> TargetSamples:
    """A target's class ids and names (one per sample, or a list per sample for a class per time
    step), or its values."""
    out = TargetSamples(name=spec.name, target_kind=spec.kind)
    if spec.kind == "classes":
        per_step = bool(spec.shape) and y.ndim == 2
        ids = y.astype(np.int64) if per_step or y.ndim != 2 else y.argmax(axis=1)  # (N, K): stored one-hot rows
        names = spec.class_names

        def name(k: int) -> str:
            return names[k] if names and 0 <= k < len(names) else str(k)

        out.class_ids = ids.tolist()
        out.labels = [[name(k) for k in row] for row in ids.tolist()] if per_step else [name(k) for k in ids.tolist()]
    else:
        flat = y.reshape(len(y), -1).astype(float)
        out.values = flat[:, 0].tolist() if flat.shape[1] == 1 else flat.tolist()
    return out
