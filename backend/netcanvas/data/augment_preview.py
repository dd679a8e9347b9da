"""What a run's `augment` (training/augment_settings.py) does to a set's training images, before training.

The pictures come from training/augment.py's RunAugment, the very object a run puts on its training
batches, seeded as a run with `seed` seeds it (the settings' own seed wins). Variant k of every
sample is the k-th call, as successive training batches draw afresh. Drawn on the CPU: a run on a GPU
draws from that device's generator, so its numbers (not their distribution) differ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel

from ..training.augment_settings import AugmentSettings
from .base import Dataset
from .errors import DataError
from .preview import png_data_url

MAX_COUNT = 32  # samples per preview
MAX_VARIANTS = 8  # augmented copies per sample
MAX_VALUES = MAX_COUNT * (MAX_VARIANTS + 1) * 3 * 128 * 128  # pixel values encoded per answer (~14 M)


class AugmentPreviewSample(BaseModel):
    index: int  # the sample's row in the train split
    label: str | None  # the class name (or the value) of the first target
    original: str  # data:image/png;base64,…
    augmented: list[str]  # one PNG data URL per variant


class AugmentPreview(BaseModel):
    dataset_id: str
    shape: list[int]  # one image: (C, H, W)
    seed: int | None  # what seeded the draws: augment.seed, else the run seed asked for
    samples: list[AugmentPreviewSample]


@dataclass
class AugmentedArrays:
    indices: np.ndarray  # (N,) rows of the train split
    originals: np.ndarray  # (N, C, H, W) float32, as training reads them
    augmented: np.ndarray  # (V, N, C, H, W) float32: variant k of every sample
    labels: list[str | None]
    seed: int | None


def _picks(n: int, count: int) -> np.ndarray:
    """Evenly spread rows (as the data-set preview picks), so a new seed shows the same samples."""
    count = max(0, min(count, n))
    return np.unique(np.linspace(0, n - 1, count).astype(np.int64)) if count else np.zeros(0, np.int64)


def _label(dataset: Dataset, y: np.ndarray) -> str | None:
    spec = dataset.info.target_specs()[0]
    if spec.kind == "classes" and np.ndim(y) <= 1:
        k = int(np.argmax(y)) if np.ndim(y) else int(y)  # a one-hot row or a class id
        names = spec.class_names
        return names[k] if names and 0 <= k < len(names) else str(k)
    flat = np.ravel(y).astype(float)
    return f"{flat[0]:g}" if flat.size == 1 else None


def augment_arrays(dataset: Dataset, augment: AugmentSettings, count: int, variants: int,
                   seed: int | None) -> AugmentedArrays:
    """`variants` augmented copies of `count` training images; DataError (422) when they cannot be."""
    import torch  # here: the API schemas import this module's limits without torch

    from ..training.augment import RunAugment, augment_problem

    problem = augment_problem(augment, dataset.info)
    if problem is not None:
        raise DataError(problem, 422)
    train = dataset.train
    x = np.asarray(train.x)
    if x.ndim != 4:
        raise DataError(f"augment: data set '{dataset.info.id}' holds samples of shape {list(x.shape[1:])}, "
                        "not images (C, H, W).", 422)
    picks = _picks(len(x), count)
    values = len(picks) * (variants + 1) * int(np.prod(x.shape[1:]))
    if values > MAX_VALUES:
        raise DataError(f"count: {len(picks)} samples × {variants + 1} pictures of {list(x.shape[1:])} are "
                        f"{values:,} values, over the {MAX_VALUES:,} a preview encodes: ask for fewer.", 422)
    originals = np.ascontiguousarray(x[picks], dtype=np.float32)
    run = RunAugment(augment, seed)
    batch = torch.from_numpy(originals)
    with torch.no_grad():
        out = [run(batch).numpy() for _ in range(variants)]
    y = np.asarray(train.y[0] if isinstance(train.y, list | tuple) else train.y)
    return AugmentedArrays(indices=picks, originals=originals, augmented=np.stack(out) if out else
                           np.zeros((0, *originals.shape), np.float32),
                           labels=[_label(dataset, y[i]) for i in picks], seed=run.seed)


def _to_unit(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """On the original's scale, so brightness and fill show as changes and not get stretched away."""
    if lo < 0 or hi > 1:
        x = (x - lo) / (hi - lo if hi > lo else 1.0)
    return np.clip(x, 0.0, 1.0)


def build_augment_preview(dataset: Dataset, augment: AugmentSettings, count: int, variants: int,
                          seed: int | None) -> AugmentPreview:
    """The pictures as PNG data URLs; the original is encoded exactly as the data-set preview encodes it."""
    arrays = augment_arrays(dataset, augment, count, variants, seed)
    samples = []
    for j, index in enumerate(arrays.indices):
        original = arrays.originals[j]
        lo, hi = float(original.min()), float(original.max())
        samples.append(AugmentPreviewSample(
            index=int(index), label=arrays.labels[j], original=png_data_url(original),
            augmented=[png_data_url(_to_unit(arrays.augmented[k, j], lo, hi)) for k in range(variants)],
        ))
    return AugmentPreview(dataset_id=dataset.info.id, shape=[int(d) for d in arrays.originals.shape[1:]],
                          seed=arrays.seed, samples=samples)
