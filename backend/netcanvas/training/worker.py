"""The process a run trains in (one per run, started with the spawn context by training.runner).

It calls `netcanvas.training.engine.run_training` and sends every event it emits, as JSON, over a
one-way pipe to the server; it ends with the final StatusEvent (succeeded, cancelled or failed with
the error). It polls `stop` between batches (through run_training's `should_stop`) to cancel
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
from typing import Any, Protocol, cast

from ..graph.schema import Graph
from .events import Event, LogEvent, StatusEvent
from .settings import TrainSettings

DEFAULT_TRAINER = "netcanvas.training.engine:run_training"
log = logging.getLogger(__name__)


class Trainer(Protocol):
    def __call__(
        self, graph: Graph, settings: TrainSettings, emit: Callable[[Event], None],
        should_stop: Callable[[], bool], out_dir: Path,
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
        if data_dir is not None:  # the server's data directory, even when not from the environment
            from ..config import Settings
            from ..data import registry

            registry.configure(Settings(data_dir=Path(data_dir)))
        fit = load_trainer(trainer)
        graph = Graph.model_validate(graph_json)
        settings = TrainSettings.model_validate(settings_json)
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        extra: dict[str, Any] = {}
        if settings.init_from_run:  # train further from that run's model
            from ..config import Settings, get_settings

            runs_dir = Settings(data_dir=Path(data_dir)).runs_dir if data_dir else get_settings().runs_dir
            extra["init_weights"] = runs_dir / settings.init_from_run / "model.pt"
        outcome = fit(graph, settings, emit, stop.is_set, out, **extra)
        if outcome not in ("succeeded", "cancelled"):
            raise RuntimeError(f"the trainer returned {outcome!r} instead of 'succeeded' or 'cancelled'")
        final = StatusEvent(status=outcome, device=device)  # type: ignore[arg-type]
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
