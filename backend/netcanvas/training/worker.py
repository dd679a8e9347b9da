"""The process a run trains in (one per run, started with the spawn context by training.runner).

It calls `netcanvas.training.engine.run_training` (with a data-set registry for the server's data
directory) and sends every event it emits, as JSON, over a one-way pipe to the server (the executor
validates it back into the typed event); it ends with the final StatusEvent (succeeded, cancelled or
failed with the error). It polls `stop` between batches (through run_training's `should_stop`) to cancel
gracefully. This module imports nothing heavy: torch is loaded by the trainer in the child only.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import signal
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from ..graph.schema import Graph
from ..model_file import FILE_NAME
from ..run_states import RunStatus
from .events import Event, LogEvent, StatusEvent
from .settings import TrainSettings

if TYPE_CHECKING:
    from ..data.registry import DatasetRegistry

DEFAULT_TRAINER = "netcanvas.training.engine:run_training"
log = logging.getLogger(__name__)


class Trainer(Protocol):
    def __call__(
        self, graph: Graph, settings: TrainSettings, emit: Callable[[Event], None],
        should_stop: Callable[[], bool], out_dir: Path, *, datasets: DatasetRegistry,
        init_weights: Path | None = None,
    ) -> str: ...


def load_trainer(spec: str) -> Trainer:
    """'package.module:function' → the function."""
    module, _, name = spec.partition(":")
    return cast(Trainer, getattr(importlib.import_module(module), name or "run_training"))


class _StopFlag(Protocol):
    def is_set(self) -> bool: ...


def worker_main(
    run_id: str, graph_json: dict[str, Any], settings_json: dict[str, Any], out_dir: str,
    conn: Connection, stop: _StopFlag, trainer: str = DEFAULT_TRAINER, data_dir: str | None = None,
    threads: int | None = None, memory_mb: int | None = None,
) -> None:
    """Process entry point. Never raises: a failure is reported as the final status.

    `threads` caps torch's CPU threads (set before torch is imported; an OMP_NUM_THREADS the user
    set wins), so concurrent runs share the cores instead of fighting over them. `memory_mb` (else
    the server's Settings.worker_memory_mb, NETCANVAS_WORKER_MEMORY_MB) caps this process's memory
    (limit_memory): a run that needs more fails alone, with a sentence, instead of taking the machine.
    """
    if threads and "OMP_NUM_THREADS" not in os.environ:
        os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(threads)
    # Ctrl-C in the server's terminal reaches the whole process group; the server stops us itself.
    if threading.current_thread() is threading.main_thread():  # a Ray actor runs us in a thread
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    device: str | None = None
    limit_mb: int | None = memory_mb

    def emit(event: Event) -> None:
        nonlocal device
        if isinstance(event, StatusEvent):
            device = event.device or device
        conn.send(event.model_dump(mode="json"))

    try:
        from ..config import Settings, get_settings
        from ..data.registry import DatasetRegistry

        # the server's data directory, even when not from the environment
        server = Settings(data_dir=Path(data_dir)) if data_dir is not None else get_settings()
        limit_mb = memory_mb if memory_mb is not None else server.worker_memory_mb
        if limit_mb is not None:
            limit_memory(limit_mb)
        fit = load_trainer(trainer)
        graph = Graph.model_validate(graph_json)
        settings = TrainSettings.model_validate(settings_json)
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        init_weights = None
        if settings.init_from_run:  # train further from that run's model
            init_weights = server.runs_dir / settings.init_from_run / FILE_NAME
        outcome = fit(graph, settings, emit, stop.is_set, out, datasets=DatasetRegistry(server),
                      init_weights=init_weights)
        if outcome not in ("succeeded", "cancelled"):
            raise RuntimeError(f"the trainer returned {outcome!r} instead of 'succeeded' or 'cancelled'")
        status: RunStatus = "succeeded" if outcome == "succeeded" else "cancelled"
        final = StatusEvent(status=status, device=device)
    except BaseException as err:  # noqa: BLE001  (a worker reports every failure, even SystemExit)
        message = str(err) or type(err).__name__
        if not isinstance(err, (ValueError, RuntimeError, LookupError)):
            message = f"{type(err).__name__}: {message}"
        oom = out_of_memory(err, limit_mb)
        message = oom or message
        tb = "".join(traceback.format_exception(err)[-3:]).strip()
        with contextlib.suppress(Exception):  # the pipe may be gone: nothing left to tell then
            emit(LogEvent(level="error", message=tb))
        final = StatusEvent(status="failed", device=device, error=message)
    try:
        emit(final)
    finally:
        conn.close()


def warm_main(jobs: Connection, conn: Connection, stop: _StopFlag, trainer: str = DEFAULT_TRAINER,
              threads: int | None = None) -> None:
    """A pre-started worker (training.runner's warm pool): pay the spawn and the imports of torch and
    the trainer now, then wait for one job and run it as worker_main does. One job per process, so
    each run still starts from a fresh interpreter (crash isolation, freed GPU memory); the pipe
    closing without a job (the server shutting down or shrinking its pool) ends it quietly."""
    if threads and "OMP_NUM_THREADS" not in os.environ:
        os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(threads)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(Exception):  # an import that fails here fails again, reported, in worker_main
        load_trainer(trainer)
        importlib.import_module("netcanvas.data.registry")
    try:
        job = jobs.recv()
    except (EOFError, OSError):
        return
    finally:
        jobs.close()
    if job.get("threads"):  # torch is loaded: the env no longer reaches it
        with contextlib.suppress(Exception):
            import torch

            torch.set_num_threads(int(job["threads"]))
    worker_main(conn=conn, stop=stop, trainer=trainer, **job)


# ----------------------------------------------------------------------------------------------
# the memory limit


def limit_memory(mb: int) -> bool:
    """Cap this process's memory at `mb` MB (1 MB = 10^6 bytes, as Settings' budgets), soft and hard
    (the trainer cannot raise it again). True where the limit is set: Linux (and other systems that
    enforce it); macOS ignores such limits, so there it is not set and False comes back.

    The limit is RLIMIT_DATA, not RLIMIT_AS: since Linux 4.7 it counts every private writable mapping
    — the heap, malloc's and torch's anonymous mmaps, thread stacks — which is where tensors live,
    and not shared libraries nor address space reserved without access. RLIMIT_AS counts the latter:
    CUDA reserves host address space of about twice the GPU's memory at initialisation, and glibc a
    64 MB arena per thread, so an address-space cap low enough to protect the machine would make
    every GPU run fail to start."""
    import resource
    import sys

    if sys.platform == "darwin":
        return False
    limit = mb * 1_000_000
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    return True


# what allocators say when they are refused memory (torch's CPU allocator, CUDA's, numpy's)
_OOM_WORDS = ("can't allocate memory", "cannot allocate memory", "out of memory", "not enough memory",
              "std::bad_alloc", "unable to allocate")


def out_of_memory(err: BaseException, limit_mb: int | None) -> str | None:
    """The sentence for a run that ran out of memory (None for another failure)."""
    text = str(err).lower()
    if not isinstance(err, MemoryError) and not any(w in text for w in _OOM_WORDS):
        return None
    if "cuda" in text or type(err).__name__ == "OutOfMemoryError":
        return ("the run needed more GPU memory than the device has free: lower batch_size or the model's "
                "size, or train on the CPU.")
    if limit_mb is not None:
        return (f"the run needed more memory than the worker's limit ({limit_mb:,} MB, "
                "NETCANVAS_WORKER_MEMORY_MB): lower batch_size or the model's size.")
    return "the run needed more memory than this machine has free: lower batch_size or the model's size."
