"""A torch-free trainer for tests/training/test_warm_pool.py, imported by the spawned workers.

"fast" reports one epoch and succeeds; "slow" runs until asked to stop. Each logs the pid of the
process it runs in and whether it was imported before the job arrived (a warm worker's imports).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from netcanvas.training.events import BatchEvent, EpochEvent, LogEvent, StatusEvent

IMPORTED_AT = time.time()


def run_training(graph, settings, emit, should_stop, out_dir: Path, **_: object) -> str:
    emit(StatusEvent(status="running", device="cpu"))
    emit(LogEvent(message=f"pid={os.getpid()} imported_before_job_s={time.time() - IMPORTED_AT:.3f}"))
    step = 0
    while graph.name == "slow" or step < 3:
        if should_stop():
            return "cancelled"
        step += 1
        emit(BatchEvent(epoch=1, step=step, steps=3, seen=step, metrics={"loss": 1.0 / step}))
        time.sleep(0.02)
    emit(EpochEvent(epoch=1, epochs=1, metrics={"loss": 0.5}))
    return "succeeded"
