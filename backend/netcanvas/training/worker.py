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
    threads: int | None = None,
) -> None:
    """Process entry point. Never raises: a failure is reported as the final status.

    `threads` caps torch's CPU threads (set before torch is imported; an OMP_NUM_THREADS the user
    set wins), so concurrent runs share the cores instead of fighting over them.
    """
    if threads and "OMP_NUM_THREADS" not in os.environ:
        os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(threads)
    # Ctrl-C in the server's terminal reaches the whole process group; the server stops us itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    device: str | None = None

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
        tb = "".join(traceback.format_exception(err)[-3:]).strip()
        with contextlib.suppress(Exception):  # the pipe may be gone: nothing left to tell then
            emit(LogEvent(level="error", message=tb))
        final = StatusEvent(status="failed", device=device, error=message)
    try:
        emit(final)
    finally:
        conn.close()
