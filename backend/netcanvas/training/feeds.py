"""Where batches come from: device-resident tensors, or a DataLoader for data bigger than memory.

`TensorFeed` (the hot path) moves a split to the device once; each epoch draws a permutation on the
device and each batch gathers its rows by that permutation (no host round trip). `LoaderFeed` serves
splits whose arrays are numpy memmaps over `LOADER_THRESHOLD_BYTES`: a torch DataLoader with
worker processes reads one sorted batch of rows at a time from disk.

Both yield `(xs, ys, n)`: a list of input tensors (graph Input order), a list of target tensors
(one per output, already prepared for its loss) and the batch size.
"""

from __future__ import annotations

import math
import mmap
import os
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import torch

from ..data.base import Split

LOADER_THRESHOLD_BYTES = 1 << 30  # memmap splits larger than this train through a DataLoader
LOADER_WORKERS = min(4, os.cpu_count() or 1)

Batch = tuple[list[torch.Tensor], list[torch.Tensor], int]
TargetFn = Callable[[torch.Tensor], torch.Tensor]


def as_list(a: np.ndarray | Sequence[np.ndarray]) -> list[np.ndarray]:
    return [a] if isinstance(a, np.ndarray) else list(a)


def n_samples(split: Split) -> int:
    return len(as_list(split.x)[0])


def split_bytes(split: Split) -> int:
    return sum(a.nbytes for a in as_list(split.x) + as_list(split.y))


def is_big(split: Split, threshold: int | None = None) -> bool:
    limit = LOADER_THRESHOLD_BYTES if threshold is None else threshold
    return any(isinstance(a, np.memmap) for a in as_list(split.x)) and split_bytes(split) > limit


def targets_per_output(ys: list, n_outputs: int) -> list:
    """One target per output: the split's own when it has one per output, else the same one."""
    if len(ys) == n_outputs:
        return ys
    if len(ys) == 1:
        return ys * n_outputs
    raise ValueError(f"The data set gives {len(ys)} targets for a model with {n_outputs} outputs.")


def _to_device(a: np.ndarray, start: int, stop: int, device: torch.device) -> torch.Tensor:
    """Rows start:stop as a tensor on the device (read-only arrays and memmaps are copied into memory)."""
    rows = np.asarray(a[start:stop])
    if not rows.flags.writeable or isinstance(a, np.memmap):
        rows = np.array(rows)
    return _as_model_dtype(torch.from_numpy(rows).to(device))


def _as_model_dtype(t: torch.Tensor) -> torch.Tensor:
    """Models compute in float32: float64 (or float16) arrays are converted; integers stay."""
    return t.float() if t.is_floating_point() and t.dtype != torch.float32 else t


class TensorFeed:
    """A split (rows start:stop) resident on the device."""

    def __init__(self, split: Split, targets: list[TargetFn], device: torch.device, batch_size: int,
                 start: int = 0, stop: int | None = None):
        stop = n_samples(split) if stop is None else stop
        self.xs = [_to_device(a, start, stop, device) for a in as_list(split.x)]
        ys = targets_per_output(as_list(split.y), len(targets))
        cache: dict[int, torch.Tensor] = {}  # the same array feeding several outputs moves once
        raw = []
        for a in ys:
            if id(a) not in cache:
                cache[id(a)] = _to_device(a, start, stop, device)
            raw.append(cache[id(a)])
        self.ys = [fn(t) for fn, t in zip(targets, raw, strict=True)]
        self.n = stop - start
        self.batch_size = batch_size
        self.device = device

    @property
    def steps(self) -> int:
        return math.ceil(self.n / self.batch_size)

    def batches(self, generator: torch.Generator | None = None) -> Iterator[Batch]:
        """In order, or shuffled by a permutation drawn on the device from `generator`."""
        xs, ys, bs, n = self.xs, self.ys, self.batch_size, self.n
        if generator is None:
            for start in range(0, n, bs):
                yield [t[start:start + bs] for t in xs], [t[start:start + bs] for t in ys], min(bs, n - start)
            return
        # Gather batch by batch (not the whole split at once): the batch is still in cache when
        # the forward pass reads it.
        perm = torch.randperm(n, device=self.device, generator=generator)
        for start in range(0, n, bs):
            idx = perm[start:start + bs]
            yield [t[idx] for t in xs], [t[idx] for t in ys], min(bs, n - start)


class RowBatches(torch.utils.data.Dataset):
    """Rows `rows[i]` of several arrays, fetched a whole batch per call (sorted, for memmaps)."""

    def __init__(self, arrays: list[np.ndarray], rows: np.ndarray):
        self.arrays = arrays
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: list[int]) -> list[torch.Tensor]:
        rows = np.sort(self.rows[np.asarray(index)])
        return [torch.from_numpy(np.ascontiguousarray(a[rows])) for a in self.arrays]

    def __getstate__(self) -> dict:
        # A whole-file memmap travels as its file name (workers reopen it) instead of its contents.
        arrays = []
        for a in self.arrays:
            if isinstance(a, np.memmap) and a.filename and isinstance(a.base, mmap.mmap):
                arrays.append(("memmap", a.filename, a.dtype.str, a.shape, a.offset,
                               "F" if a.flags.f_contiguous and not a.flags.c_contiguous else "C"))
            else:
                arrays.append(("array", np.asarray(a)))
        return {"arrays": arrays, "rows": self.rows}

    def __setstate__(self, state: dict) -> None:
        self.rows = state["rows"]
        self.arrays = []
        for entry in state["arrays"]:
            if entry[0] == "memmap":
                _, filename, dtype, shape, offset, order = entry
                self.arrays.append(np.memmap(filename, dtype=dtype, mode="r", shape=shape, offset=offset,
                                             order=order))
            else:
                self.arrays.append(entry[1])


class LoaderFeed:
    """A big split read from disk by DataLoader workers; batches move to the device as they come."""

    def __init__(self, split: Split, targets: list[TargetFn], device: torch.device, batch_size: int,
                 start: int = 0, stop: int | None = None, workers: int | None = None):
        stop = n_samples(split) if stop is None else stop
        xs = as_list(split.x)
        ys = targets_per_output(as_list(split.y), len(targets))
        self.n_x = len(xs)
        self.targets = targets
        self.data = RowBatches(xs + ys, np.arange(start, stop))
        self.n = stop - start
        self.batch_size = batch_size
        self.device = device
        self.workers = LOADER_WORKERS if workers is None else workers

    @property
    def steps(self) -> int:
        return math.ceil(self.n / self.batch_size)

    def batches(self, generator: torch.Generator | None = None) -> Iterator[Batch]:
        from torch.utils.data import BatchSampler, DataLoader, RandomSampler, Sampler, SequentialSampler

        if generator is not None:
            # DataLoader samplers draw on the CPU; seed a CPU generator from the run's generator.
            seed = int(torch.randint(0, 2**62, (1,), generator=generator, device=generator.device))
            cpu = torch.Generator().manual_seed(seed)
            sampler: Sampler[int] = RandomSampler(self.data, generator=cpu)
        else:
            sampler = SequentialSampler(self.data)
        loader = DataLoader(
            self.data, sampler=BatchSampler(sampler, self.batch_size, drop_last=False), batch_size=None,
            num_workers=self.workers, pin_memory=self.device.type == "cuda",
        )
        for arrays in loader:
            tensors = [_as_model_dtype(t.to(self.device, non_blocking=True)) for t in arrays]
            xs, ys = tensors[:self.n_x], tensors[self.n_x:]
            yield xs, [fn(t) for fn, t in zip(self.targets, ys, strict=True)], len(xs[0])


def make_feed(split: Split, targets: list[TargetFn], device: torch.device, batch_size: int,
              start: int = 0, stop: int | None = None, threshold: int | None = None) -> TensorFeed | LoaderFeed:
    cls = LoaderFeed if is_big(split, threshold) else TensorFeed
    return cls(split, targets, device, batch_size, start, stop)
