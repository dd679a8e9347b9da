"""A NaN or infinite training loss ends the run failed with a sentence naming the epoch and batch
(Keras's TerminateOnNaN), and no model is saved; terminate_on_nan=False keeps training."""

from __future__ import annotations

import re
import signal
import threading

import numpy as np
import pytest
from training_factories import blobs, chain, mlp

from netcanvas.data.base import Dataset, Split
from netcanvas.model_file import FILE_NAME
from netcanvas.training import fit
from netcanvas.training.callbacks import Diverged


def with_nan_row(data: Dataset, row: int) -> Dataset:
    x = data.train.x.copy()
    x[row, 0] = np.nan
    return Dataset(data.info, Split(x, data.train.y), data.test)


@pytest.mark.parametrize("interval", [0.0, 1e9])  # checked at every batch event, or only at the epoch's end
def test_a_nan_in_batch_3_fails_the_run_naming_epoch_1_batch_3(train, monkeypatch, interval):
    monkeypatch.setattr(fit, "BATCH_EVENT_INTERVAL_S", interval)
    data = with_nan_row(blobs(), 40)  # batch_size 16, no shuffle: rows 32..47 are batch 3
    with pytest.raises(Diverged) as err:
        train(mlp(), data, epochs=3, shuffle=False, validation_split=0.0)
    message = str(err.value)
    assert message.startswith("the loss became NaN at epoch 1, batch 3: lower the learning rate, check the data "
                              "for NaN or huge values")
    assert "terminate_on_nan" in message and "the epoch has 15 batches" in message
    assert (err.value.epoch, err.value.step) == (1, 3)


def test_no_model_is_saved_and_no_nan_event_is_sent(train, tmp_path, monkeypatch):
    monkeypatch.setattr(fit, "BATCH_EVENT_INTERVAL_S", 0.0)
    data = with_nan_row(blobs(), 40)
    from training_factories import Recorder

    from netcanvas.training.engine import run_training
    from netcanvas.training.settings import TrainSettings

    rec = Recorder()
    out = tmp_path / "run"
    settings = TrainSettings(epochs=2, device="cpu", batch_size=16, shuffle=False, validation_split=0.0)
    with pytest.raises(Diverged):
        run_training(mlp(), settings, rec, lambda: False, out, dataset=data)
    assert not (out / FILE_NAME).exists()
    assert [b.step for b in rec.of("batch")] == [1, 2]  # the NaN batch is not reported as progress
    assert not rec.of("epoch")


def test_a_diverging_learning_rate_names_the_rate(train):
    regression = chain(("in", "Input", {"shape": [4]}), ("out", "Dense", {"units": 1}))
    data = blobs()
    y = (data.train.x.sum(axis=1, keepdims=True) * 1e3).astype(np.float32)
    data = Dataset(data.info.model_copy(update={"target": data.info.target.model_copy(
        update={"kind": "values", "num_classes": None, "class_names": None})}), Split(data.train.x, y),
        Split(data.test.x, data.test.x.sum(axis=1, keepdims=True).astype(np.float32)))
    with pytest.raises(Diverged) as err:
        train(regression, data, loss="mean_squared_error", metrics=[], epochs=20,
              optimizer={"type": "sgd", "learning_rate": 10.0})
    assert str(err.value).startswith(f"the loss became {'NaN' if np.isnan(err.value.value) else 'infinite'} at epoch")
    assert "The learning rate was 10" in str(err.value)


def test_terminate_on_nan_false_keeps_training(train):
    data = with_nan_row(blobs(), 40)
    outcome, rec, _out = train(mlp(), data, epochs=2, shuffle=False, validation_split=0.0,
                              terminate_on_nan=False, keep_best=False)
    assert outcome == "succeeded"
    assert [e.epoch for e in rec.of("epoch")] == [1, 2]
    assert np.isnan(rec.epochs[0]["loss"])


def test_a_finite_run_is_untouched(train):
    outcome, rec, _ = train(mlp(), blobs(), epochs=2)
    assert outcome == "succeeded" and all(np.isfinite(m["loss"]) for m in rec.epochs)


class _Conn:
    def __init__(self) -> None:
        self.sent: list[dict] = []

    def send(self, event: dict) -> None:
        self.sent.append(event)

    def close(self) -> None:
        pass


def test_the_worker_ends_the_run_failed_with_the_sentence(tmp_path):
    """Through the worker (as the server runs it): the final status is failed with the sentence."""
    from netcanvas.training.worker import worker_main

    graph = {"format": "netcanvas.graph/1", "name": "nan", "nodes": [  # 1e38 × pixels: inf logits, NaN loss
        {"id": "in", "type": "Input", "params": {"shape": [1, 8, 8]}},
        {"id": "big", "type": "Rescaling", "params": {"scale": 1e38}},
        {"id": "f", "type": "Flatten", "params": {}},
        {"id": "out", "type": "Dense", "params": {"units": 10, "activation": "softmax"}},
    ], "edges": [{"source": "in", "target": "big"}, {"source": "big", "target": "f"}, {"source": "f", "target": "out"}]}
    settings = {"dataset": "digits", "epochs": 3, "batch_size": 32, "device": "cpu"}
    conn = _Conn()
    handler = signal.getsignal(signal.SIGINT)
    try:
        worker_main("r1", graph, settings, str(tmp_path / "out"), conn, threading.Event(),  # type: ignore[arg-type]
                    data_dir=str(tmp_path / "data"), threads=1)
    finally:
        signal.signal(signal.SIGINT, handler)
    final = conn.sent[-1]
    assert final["type"] == "status" and final["status"] == "failed"
    assert final["error"].startswith("the loss became ")
    assert re.match(r"the loss became (NaN|infinite) at epoch 1, batch 1: lower the learning rate", final["error"])
    assert not (tmp_path / "out" / FILE_NAME).exists()
