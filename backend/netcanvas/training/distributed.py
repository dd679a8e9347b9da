"""Training on several devices of one machine: DistributedDataParallel over `settings.devices` processes.

`run_distributed` (called by engine.run_training when devices > 1) spawns one process per rank, each
on its own GPU (NCCL), or all on the CPU (gloo: the tests' way; the API refuses devices > 1 without
as many GPUs, training/request_checks.py). Every rank runs engine.run_training with a `Ranks`:

- the same seed everywhere (one is drawn here when the run has none), so every rank builds the same
  initial weights and draws the same permutation; each global batch of `batch_size` rows is split
  across the ranks (feeds.shard_rows) and each rank's loss is weighted by its share, so DDP's
  gradient average is the gradient of the whole batch's mean loss: the weights follow the
  single-process run up to float summation order. (Dropout masks and augmentation draws differ
  per rank, and BatchNormalization normalises each rank's part with its own statistics.)
- the loss and metric sums are all-reduced before each read, so every rank sees the epoch values a
  single process would, and early stopping, schedules and the best epoch decide alike everywhere.
- rank 0 alone emits events (through a queue to this process, which passes them on) and writes
  model.pt (of the unwrapped module); the others return after training.

Cancel: this process polls `should_stop` and sets an event every rank reads; the ranks agree on it
(an all-reduce) at the steps where they read their sums. A rank that fails sends its error here;
the others are terminated and the run fails with that rank's message.
"""

from __future__ import annotations

import contextlib
import math
import queue
import random
import shutil
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import torch
import torch.distributed as dist

from .device import rank_device, resolve_device
from .events import Event, LogEvent

if TYPE_CHECKING:
    from ..config import Settings
    from ..data.base import Dataset
    from ..data.registry import DatasetRegistry
    from ..graph.schema import Graph
    from .settings import TrainSettings

EVENTS_PER_EPOCH = 20  # batch events (and cancel checks) per epoch in a distributed run
POLL_S = 0.1
TERMINATE_WAIT_S = 5.0


@dataclass
class Ranks:
    """This process's place in a distributed run, and the collectives the trainer needs."""

    rank: int
    world: int
    device: torch.device

    @property
    def shard(self) -> tuple[int, int]:
        return self.rank, self.world

    def wrap(self, module: torch.nn.Module) -> torch.nn.Module:
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(module, device_ids=ids)

    def sum(self, t: torch.Tensor) -> torch.Tensor:
        """A copy of `t` summed over the ranks (`t` itself keeps this rank's running sums)."""
        total = t.clone()
        dist.all_reduce(total, op=dist.ReduceOp.SUM)
        return total

    def any(self, flag: bool) -> bool:
        """True on every rank when it is True on one."""
        t = torch.tensor([1.0 if flag else 0.0], device=self.device)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return bool(t.item())

    @staticmethod
    def event_every(steps: int) -> int:
        return max(1, math.ceil(steps / EVENTS_PER_EPOCH))


def run_distributed(
    graph: Graph, settings: TrainSettings, emit: Callable[[Event], None], should_stop: Callable[[], bool],
    out_dir: Path, *, dataset: Dataset | None = None, datasets: DatasetRegistry | None = None,
    init_weights: Path | None = None,
) -> Literal["succeeded", "cancelled"]:
    """engine.run_training over `settings.devices` processes; returns rank 0's outcome, raises a
    failing rank's error."""
    world = settings.devices
    if settings.seed is None:  # every rank must draw the same permutations
        settings = settings.model_copy(update={"seed": random.randrange(2**31)})
    device = resolve_device(settings.device)
    threads = torch.get_num_threads() if device.type == "cuda" else max(1, torch.get_num_threads() // world)
    ctx = torch.multiprocessing.get_context("spawn")
    messages = ctx.Queue()
    stop = ctx.Event()
    rendezvous = Path(tempfile.mkdtemp(prefix="netcanvas-ddp-"))
    emit(LogEvent(level="info", message=f"Training on {world} processes with DistributedDataParallel "
                                         f"({'NCCL, one GPU each' if device.type == 'cuda' else 'gloo on the CPU'}); "
                                         f"batch size {settings.batch_size} split across them."))
    # A registry holds closures that do not pickle: the ranks rebuild it from its settings.
    registry = datasets.settings if datasets is not None else None
    procs = [ctx.Process(target=rank_main, name=f"netcanvas-rank-{rank}", args=(
        rank, world, f"file://{rendezvous / 'init'}", graph, settings, str(out_dir), dataset, registry,
        init_weights, messages, stop, threads)) for rank in range(world)]
    try:
        for p in procs:
            p.start()
        outcome, failure = _follow(procs, messages, stop, emit, should_stop)
    finally:
        for p in procs:  # after a failure the others may wait in a collective for ever
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(TERMINATE_WAIT_S)
            if p.is_alive():
                p.kill()
                p.join()
        shutil.rmtree(rendezvous, ignore_errors=True)
    if failure is not None:
        raise failure
    if outcome is None:
        raise RuntimeError("The distributed run ended without a result from rank 0.")
    return outcome


def _follow(procs: list, messages: Any, stop: Any, emit: Callable[[Event], None],
            should_stop: Callable[[], bool]) -> tuple[Literal["succeeded", "cancelled"] | None, Exception | None]:
    """Pass rank 0's events on and the user's stop in, until every rank ended or one failed."""
    state: dict[str, Any] = {"outcome": None}
    finished: set[int] = set()  # ranks done with their work: a crash while exiting (gloo's threads) is not a failure

    def handle(kind: str, payload: Any) -> Exception | None:
        if kind == "event":
            emit(payload)
        elif kind == "done":
            state["outcome"] = payload
            finished.add(0)
        elif kind == "finished":
            finished.add(payload)
        elif kind == "error":
            rank, is_value_error, message, tail = payload
            emit(LogEvent(level="error", message=f"rank {rank}: {tail}"))
            shown = f"{message} (training process {rank} of {len(procs)})"
            return ValueError(shown) if is_value_error else RuntimeError(shown)
        return None

    while True:
        if should_stop():
            stop.set()
        try:
            failure = handle(*messages.get(timeout=POLL_S))
        except queue.Empty:
            ended = [p.exitcode for p in procs]
            if all(code is None for code in ended):
                continue
            # A rank ended: what it sent just before may still be on its way; read it all first.
            with contextlib.suppress(queue.Empty):
                while True:
                    failure = handle(*messages.get(timeout=POLL_S))
                    if failure is not None:
                        return state["outcome"], failure
            for rank, code in enumerate(ended):
                if code not in (None, 0) and rank not in finished:
                    return state["outcome"], RuntimeError(f"Training process {rank} of {len(procs)} died "
                                                          f"(exit code {code}) without a message.")
            if all(code is not None for code in ended):
                return state["outcome"], None
            continue
        if failure is not None:
            return state["outcome"], failure


def rank_main(rank: int, world: int, init_method: str, graph: Graph, settings: TrainSettings, out_dir: str,
              dataset: Dataset | None, registry: Settings | None, init_weights: Path | None,
              messages: Any, stop: Any, threads: int) -> None:
    """One rank's process: join the group, train, tell the parent how it ended."""
    try:
        torch.set_num_threads(threads)
        device = rank_device(resolve_device(settings.device), rank)
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo", init_method=init_method,
                                rank=rank, world_size=world)
        from ..data.registry import DatasetRegistry
        from .engine import run_training

        def emit(event: Event) -> None:
            if rank == 0:
                messages.put(("event", event))

        outcome = run_training(graph, settings, emit, stop.is_set, Path(out_dir), dataset=dataset,
                               datasets=DatasetRegistry(registry) if registry is not None else None,
                               init_weights=init_weights,
                               ranks=Ranks(rank, world, device))
        dist.barrier()  # rank 0 tests and saves meanwhile; then all leave the group together
        messages.put(("done", outcome) if rank == 0 else ("finished", rank))
    except BaseException as err:  # noqa: BLE001  (the parent reports every failure)
        message = str(err) or type(err).__name__
        if not isinstance(err, (ValueError, RuntimeError, LookupError)):
            message = f"{type(err).__name__}: {message}"
        tail = "".join(traceback.format_exception(err)[-3:]).strip()
        messages.put(("error", (rank, isinstance(err, ValueError), message, tail)))
    finally:
        with contextlib.suppress(Exception):
            if dist.is_initialized():
                dist.destroy_process_group()
