"""Where batches come from: device-resident tensors, or a DataLoader for data bigger than memory.

`TensorFeed` (the hot path) moves a split to the device once; each epoch draws a permutation on the
device and each batch gathers its rows by that permutation (no host round trip). `LoaderFeed` serves
splits whose arrays are numpy memmaps over `LOADER_THRESHOLD_BYTES`: a torch DataLoader with
worker processes reads one sorted batch of rows at a time from disk. `HostFeed` keeps a split that
does not fit the GPU in pinned host memory and copies each batch over without blocking.

Distributed runs (training/distributed.py) give a feed a `shard` (rank, world): every rank draws
the same permutation, and each global batch of `batch_size` rows is split in contiguous parts, one
per rank, so the ranks' batches together are exactly the single-process batch. A rank whose part
of a short last batch is empty gets the batch's first row with n = 0 (its loss weighs nothing).

Both yield `(xs, ys, n)`: a list of input tensors (graph Input order), a list of target tensors
(one per output, already prepared for its loss) and the batch size.
"""

from __future__ import annotations

import math
import mmap
import os
from collections.abc import Callable, Iterable, Iterator, Sequence

import numpy as np
import torch

from ..data.base import Split

LOADER_THRESHOLD_BYTES = 1 << 30  # memmap splits larger than this train through a DataLoader
LOADER_WORKERS = min(4, os.cpu_count() or 1)

DEVICE_FRACTION = 0.5  # a split lives on the GPU when it takes at most this share of its free memory

Batch = tuple[list[torch.Tensor], list[torch.Tensor], int]
TargetFn = Callable[[torch.Tensor], torch.Tensor]
Shard = tuple[int, int]  # (rank, world size)


def shard_rows(n: int, shard: Shard) -> tuple[int, int]:
    """This rank's contiguous part [lo, hi) of a batch of n rows (parts differ by at most one row)."""
    rank, world = shard
    return n * rank // world, n * (rank + 1) // world


def _local(idx: torch.Tensor, shard: Shard | None) -> tuple[torch.Tensor, int]:
    """A global batch's row indices → this rank's, and how many samples they count for."""
    if shard is None:
        return idx, len(idx)
    lo, hi = shard_rows(len(idx), shard)
    return (idx[lo:hi], hi - lo) if hi > lo else (idx[:1], 0)


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
                 start: int = 0, stop: int | None = None, shard: Shard | None = None):
        stop = n_samples(split) if stop is None else stop
        self.shard = shard
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
        if self.shard is not None:
            order = (torch.arange(n, device=self.device) if generator is None
                     else torch.randperm(n, device=self.device, generator=generator))
            for start in range(0, n, bs):
                idx, m = _local(order[start:start + bs], self.shard)
                yield [t[idx] for t in xs], [t[idx] for t in ys], m
            return
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


class HostFeed:
    """A split that does not fit the GPU: kept in host memory (pinned for CUDA); each batch is gathered
    on the host into pinned memory and copied to the device without blocking, so the copy overlaps
    the work queued before it."""

    def __init__(self, split: Split, targets: list[TargetFn], device: torch.device, batch_size: int,
                 start: int = 0, stop: int | None = None, shard: Shard | None = None):
        stop = n_samples(split) if stop is None else stop
        self.pin = device.type == "cuda"
        cpu = torch.device("cpu")
        xs = as_list(split.x)
        ys = targets_per_output(as_list(split.y), len(targets))
        self.n_x = len(xs)
        self.host = [_to_device(a, start, stop, cpu) for a in xs + ys]
        if self.pin:
            self.host = [t.pin_memory() for t in self.host]
        self.targets = targets
        self.n = stop - start
        self.batch_size = batch_size
        self.device = device
        self.shard = shard

    @property
    def steps(self) -> int:
        return math.ceil(self.n / self.batch_size)

    def _gather(self, t: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        rows = torch.empty((len(idx), *t.shape[1:]), dtype=t.dtype, pin_memory=self.pin)
        torch.index_select(t, 0, idx, out=rows)
        return rows.to(self.device, non_blocking=self.pin)

    def batches(self, generator: torch.Generator | None = None) -> Iterator[Batch]:
        if generator is not None:  # the permutation is drawn on the host, seeded by the run's generator
            seed = int(torch.randint(0, 2**62, (1,), generator=generator, device=generator.device))
            order = torch.randperm(self.n, generator=torch.Generator().manual_seed(seed))
        else:
            order = torch.arange(self.n)
        for start in range(0, self.n, self.batch_size):
            idx, m = _local(order[start:start + self.batch_size], self.shard)
            tensors = [self._gather(t, idx) for t in self.host]
            xs, ys = tensors[:self.n_x], tensors[self.n_x:]
            yield xs, [fn(t) for fn, t in zip(self.targets, ys, strict=True)], m


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
                 start: int = 0, stop: int | None = None, workers: int | None = None, shard: Shard | None = None):
        stop = n_samples(split) if stop is None else stop
        self.shard = shard
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
        batch_sampler: Iterable[list[int]] = BatchSampler(sampler, self.batch_size, drop_last=False)
        if self.shard is not None:
            batch_sampler = _ShardedBatches(batch_sampler, self.shard)
        loader = DataLoader(
            self.data, sampler=batch_sampler, batch_size=None,
            num_workers=self.workers, pin_memory=self.device.type == "cuda",
        )
        counts = iter(batch_sampler.counts) if isinstance(batch_sampler, _ShardedBatches) else None
        for arrays in loader:
            tensors = [_as_model_dtype(t.to(self.device, non_blocking=True)) for t in arrays]
            xs, ys = tensors[:self.n_x], tensors[self.n_x:]
            n = next(counts) if counts is not None else len(xs[0])
            yield xs, [fn(t) for fn, t in zip(self.targets, ys, strict=True)], n


class _ShardedBatches:
    """A rank's part of each global batch of row indices (see shard_rows); `counts` its sample counts."""

    def __init__(self, batches: Iterable[list[int]], shard: Shard):
        self.parts: list[list[int]] = []
        self.counts: list[int] = []
        for batch in batches:  # drawn once per epoch, up front: the counts must match the parts
            idx, m = _local(torch.as_tensor(batch), shard)
            self.parts.append(idx.tolist())
            self.counts.append(m)

    def __iter__(self) -> Iterator[list[int]]:
        return iter(self.parts)

    def __len__(self) -> int:
        return len(self.parts)


Feed = TensorFeed | HostFeed | LoaderFeed


def fits_device(nbytes: int, device: torch.device, device_bytes: int | None = None) -> bool:
    """Whether `nbytes` of data may live on `device`: any amount on the CPU (and MPS, whose memory is
    the host's), on a GPU up to DEVICE_FRACTION of its free memory; `device_bytes` overrides the budget."""
    if device_bytes is not None:
        return nbytes <= device_bytes
    if device.type != "cuda":
        return True
    free, _ = torch.cuda.mem_get_info(device)
    return nbytes <= DEVICE_FRACTION * free


def make_feed(split: Split, targets: list[TargetFn], device: torch.device, batch_size: int,
              start: int = 0, stop: int | None = None, threshold: int | None = None,
              shard: Shard | None = None, device_bytes: int | None = None) -> Feed:
    """Memmaps over the threshold: a DataLoader; else on the device where the rows fit, else pinned host memory."""
    if is_big(split, threshold):
        return LoaderFeed(split, targets, device, batch_size, start, stop, shard=shard)
    stop = n_samples(split) if stop is None else stop
    rows = stop - start
    nbytes = split_bytes(split) * rows // max(n_samples(split), 1)
    cls = TensorFeed if fits_device(nbytes, device, device_bytes) else HostFeed
    return cls(split, targets, device, batch_size, start, stop, shard=shard)
