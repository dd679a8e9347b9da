"""Preparation the way Keras users know it: to_categorical, pad_sequences, a word tokenizer,
train/validation/test splits with a seed, feature scaling, and on-device image augmentation.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .errors import DataError

PAD, OOV = 0, 1  # token ids reserved like Keras's Tokenizer(oov_token=…) with padding 0
OOV_TOKEN = "<oov>"
# Keras Tokenizer's default `filters`
_FILTERS = re.compile(r"[!\"#$%&()*+,\-./:;<=>?@\[\\\]^_`{|}~\t\n]")


def to_categorical(y: np.ndarray, num_classes: int) -> np.ndarray:
    """One-hot float32 rows, as keras.utils.to_categorical."""
    y = np.asarray(y, dtype=np.int64).reshape(-1)
    out = np.zeros((len(y), num_classes), dtype=np.float32)
    out[np.arange(len(y)), y] = 1.0
    return out


def pad_sequences(
    sequences: Iterable[Sequence[int]],
    maxlen: int,
    padding: Literal["pre", "post"] = "pre",
    truncating: Literal["pre", "post"] = "pre",
    value: int = PAD,
) -> np.ndarray:
    """int64 (N, maxlen) like keras.utils.pad_sequences (defaults: pad and truncate at the front)."""
    seqs = list(sequences)
    out = np.full((len(seqs), maxlen), value, dtype=np.int64)
    for i, s in enumerate(seqs):
        s = list(s)
        if not s or maxlen == 0:
            continue
        s = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        if padding == "pre":
            out[i, maxlen - len(s):] = s
        else:
            out[i, : len(s)] = s
    return out


def tokenize(text: str) -> list[str]:
    """Keras Tokenizer's text_to_word_sequence: lower-case, punctuation removed, split on spaces."""
    return _FILTERS.sub(" ", text.lower()).split()


def build_vocabulary(texts: Iterable[str], num_words: int) -> list[str]:
    """Words by frequency (ties by first appearance): index i of the list is token id i.

    Ids 0 (padding) and 1 (out of vocabulary) are reserved, so at most num_words - 2 words.
    """
    counts: Counter[str] = Counter()
    for t in texts:
        counts.update(tokenize(t))
    words = [w for w, _ in counts.most_common(max(num_words - 2, 0))]
    return ["", OOV_TOKEN, *words]


def texts_to_ids(texts: Iterable[str], vocabulary: Sequence[str]) -> list[list[int]]:
    index = {w: i for i, w in enumerate(vocabulary) if i >= 2}
    return [[index.get(w, OOV) for w in tokenize(t)] for t in texts]


def split_indices(
    n: int,
    validation: float,
    test: float,
    seed: int,
    labels: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Shuffled index arrays for train/validation/test, stratified by `labels` where each class
    has enough members (like sklearn's train_test_split(stratify=…)); sorted within each split."""
    if validation < 0 or test < 0 or validation + test >= 1:
        raise DataError("validation_split + test_split must be below 1 (each at least 0).", 422)
    rng = np.random.default_rng(seed)
    parts: dict[str, list[np.ndarray]] = {"train": [], "validation": [], "test": []}
    groups: list[np.ndarray]
    if labels is not None and len(labels) == n:
        classes, inverse = np.unique(labels, return_inverse=True)
        groups = [np.flatnonzero(inverse == k) for k in range(len(classes))]
        if min(len(g) for g in groups) < 3:  # too few to stratify: one group
            groups = [np.arange(n)]
    else:
        groups = [np.arange(n)]
    sizes = np.array([len(g) for g in groups])
    n_test = _allocate(int(n * test + 0.5), sizes)
    n_val = _allocate(int(n * validation + 0.5), sizes - n_test)
    for g, nt, nv in zip(groups, n_test, n_val):
        g = rng.permutation(g)
        parts["test"].append(g[:nt])
        parts["validation"].append(g[nt:nt + nv])
        parts["train"].append(g[nt + nv:])
    out = {k: np.sort(np.concatenate(v)).astype(np.int64) for k, v in parts.items()}
    if len(out["train"]) == 0:
        raise DataError(f"No rows left for training out of {n}: lower validation_split/test_split.", 422)
    return out


def _allocate(total: int, sizes: np.ndarray) -> np.ndarray:
    """`total` spread over groups in proportion to `sizes` (largest remainders), each within its size."""
    if total <= 0 or sizes.sum() == 0:
        return np.zeros(len(sizes), dtype=np.int64)
    share = sizes * (total / sizes.sum())
    out = np.floor(share).astype(np.int64)
    for k in np.argsort(-(share - out), kind="stable")[: total - out.sum()]:
        out[k] += 1
    return np.minimum(out, sizes)


class Scaler(BaseModel):
    """Per-feature scaling fitted on the training split; saved with the data set."""

    method: Literal["standard", "minmax", "none"] = "none"
    offset: list[float] = Field(default_factory=list)
    scale: list[float] = Field(default_factory=list)

    @classmethod
    def fit(cls, method: str, x: np.ndarray, axis: tuple[int, ...] = (0,)) -> Scaler:
        """Statistics over `axis` (rows for tables; rows, height, width for per-channel images)."""
        if method == "none" or len(x) == 0:
            return cls(method="none")
        x = np.asarray(x, dtype=np.float64)
        if method == "standard":
            off, sc = x.mean(axis=axis), x.std(axis=axis)
        elif method == "minmax":
            off, sc = x.min(axis=axis), x.max(axis=axis) - x.min(axis=axis)
        else:
            raise DataError(f"scaling must be standard, minmax or none, got '{method}'.", 422)
        sc = np.where(sc > 1e-12, sc, 1.0)
        return cls(method=method, offset=np.ravel(off).tolist(), scale=np.ravel(sc).tolist())

    def apply(self, x: np.ndarray, channel_axis: int = 1) -> np.ndarray:
        if self.method == "none":
            return np.asarray(x, dtype=np.float32)
        shape = [1] * np.ndim(x)
        shape[channel_axis] = len(self.offset)
        off = np.asarray(self.offset, dtype=np.float32).reshape(shape)
        sc = np.asarray(self.scale, dtype=np.float32).reshape(shape)
        return ((np.asarray(x, dtype=np.float32) - off) / sc).astype(np.float32)


class AugmentOptions(BaseModel):
    """Random training-time changes to image batches (the CIFAR-10 recipe: flip + padded crop)."""

    model_config = ConfigDict(extra="forbid")

    horizontal_flip: bool = False
    vertical_flip: bool = False
    # pixels of zero padding on each side, then a random crop back to the original size
    shift: int = Field(0, ge=0, le=64)

    @property
    def active(self) -> bool:
        return self.horizontal_flip or self.vertical_flip or self.shift > 0


class SeededGenerators:
    """One torch.Generator per device, seeded with `seed` (None: torch's seed when first used, i.e.
    the run's). Pickles as its seed only: a worker process rebuilds the generators it needs."""

    def __init__(self, seed: int | None) -> None:
        self.seed = seed
        self._by_device: dict[str, Any] = {}

    def on(self, device: Any) -> Any:
        import torch

        key = str(device)
        if key not in self._by_device:
            g = torch.Generator(device=device)
            g.manual_seed(self.seed if self.seed is not None else int(torch.initial_seed()) % (2**63))
            self._by_device[key] = g
        return self._by_device[key]

    def __getstate__(self) -> dict[str, Any]:
        return {"seed": self.seed, "_by_device": {}}


class ImageAugment:
    """Dataset.augment: x (B, C, H, W) on any device → augmented x, same shape, same device.

    A class (not a closure) so a Dataset stays picklable for worker processes.
    """

    def __init__(self, options: AugmentOptions, seed: int | None = None) -> None:
        self.options = options
        self.seed = seed
        self._generators = SeededGenerators(seed)

    def __call__(self, x: Any) -> Any:
        import torch

        if x.ndim != 4 or not self.options.active:
            return x
        g = self._generators.on(x.device)
        b, _, h, w = x.shape
        o = self.options
        if o.horizontal_flip:
            flip = torch.rand(b, generator=g, device=x.device) < 0.5
            x = torch.where(flip[:, None, None, None], x.flip(3), x)
        if o.vertical_flip:
            flip = torch.rand(b, generator=g, device=x.device) < 0.5
            x = torch.where(flip[:, None, None, None], x.flip(2), x)
        if o.shift:
            p = o.shift
            padded = torch.nn.functional.pad(x, (p, p, p, p))
            dy = torch.randint(0, 2 * p + 1, (b,), generator=g, device=x.device)
            dx = torch.randint(0, 2 * p + 1, (b,), generator=g, device=x.device)
            rows = (dy[:, None] + torch.arange(h, device=x.device))[:, :, None]  # (B, H, 1)
            cols = (dx[:, None] + torch.arange(w, device=x.device))[:, None, :]  # (B, 1, W)
            batch = torch.arange(b, device=x.device)[:, None, None]
            x = padded.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2).contiguous()
        return x


class LoadOptions(BaseModel):
    """Options applied when a data set is loaded (so they can change without rebuilding it)."""

    model_config = ConfigDict(extra="forbid")

    # "categorical": one-hot labels (to_categorical), i.e. categorical_crossentropy is suggested; the
    # engine encodes each batch, the stored labels stay class ids.
    label_mode: Literal["int", "categorical"] = "int"
    augment: AugmentOptions = Field(default_factory=AugmentOptions)
    augment_seed: int | None = None  # None: from torch's seed when training starts (the run's seed)
