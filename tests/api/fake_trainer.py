"""A stand-in for training.engine.run_training, imported by spawned workers in the API tests.

It needs no torch, so a worker starts in well under a second. The graph's name picks the behaviour:
"fast" trains 3 quick epochs, "slow" runs until asked to stop, "stubborn" ignores the stop flag,
"broken" raises, "exit" dies without a word, "diverge" reports NaN and infinite losses, "sweep" trains
`epochs` epochs of 0.2 s whose val_loss grows with the learning rate (learning_rate × 100 + 1 / epoch),
for the sweep tests. Every mode logs `pid=<pid> threads=<OMP_NUM_THREADS>` first.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from netcanvas.training.events import BatchEvent, EpochEvent, LogEvent, ResultEvent, StatusEvent

STEPS = 25


def run_training(graph, settings, emit, should_stop, out_dir: Path, **_: object) -> str:
    mode = graph.name
    emit(StatusEvent(status="running", device="cpu"))
    emit(LogEvent(message=f"pid={os.getpid()} threads={os.environ.get('OMP_NUM_THREADS')}"))
    if mode == "broken":
        raise ValueError("Dense 'h' cannot take this data set: add a Flatten before it.")
    if mode == "exit":
        os._exit(3)
    if mode == "diverge":  # a loss that became NaN / infinite
        emit(EpochEvent(epoch=1, epochs=1, metrics={"loss": float("nan"), "val_loss": float("inf")}))
        emit(ResultEvent(test_metrics={"loss": float("nan"), "accuracy": 0.1}))
        return "succeeded"
    if mode == "sweep":
        return _sweep_mode(settings, emit, should_stop, out_dir)
    epochs = settings.epochs if mode == "fast" else 10_000
    for epoch in range(1, epochs + 1):
        for step in range(1, STEPS + 1):
            if should_stop() and mode != "stubborn":
                return "cancelled"
            emit(BatchEvent(epoch=epoch, step=step, steps=STEPS, seen=step * 8, metrics={"loss": 1.0 / step}))
            time.sleep(0.002 if mode == "fast" else 0.02)
        emit(EpochEvent(epoch=epoch, epochs=epochs, metrics={"loss": 1.0 / epoch, "val_loss": 1.5 / epoch}))
    (out_dir / "model.pt").write_bytes(b"not really a model")
    emit(ResultEvent(test_metrics={"loss": 0.5, "accuracy": 0.75}, artifacts=["model.pt"],
                     confusion_matrix=[[3, 1], [0, 4]], class_names=["a", "b"]))
    return "succeeded"


def _sweep_mode(settings, emit, should_stop, out_dir: Path) -> str:
    lr = settings.optimizer.learning_rate or 0.001
    for epoch in range(1, settings.epochs + 1):
        for _ in range(4):
            if should_stop():
                return "cancelled"
            time.sleep(0.05)
        val_loss = lr * 100 + 1.0 / epoch
        emit(EpochEvent(epoch=epoch, epochs=settings.epochs,
                        metrics={"loss": val_loss / 2, "val_loss": val_loss, "val_accuracy": 1.0 / (1.0 + val_loss)}))
    (out_dir / "model.pt").write_bytes(b"not really a model")
    emit(ResultEvent(test_metrics={"loss": lr * 100}, artifacts=["model.pt"]))
    return "succeeded"
