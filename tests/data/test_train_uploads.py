"""Uploaded data sets train: a CSV and an image ZIP through the training engine, in-process."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from data_factories import make_image_zip

from netcanvas.config import Settings
from netcanvas.data import uploads
from netcanvas.data.options import parse_options
from netcanvas.data.registry import DatasetRegistry
from netcanvas.graph.schema import Graph
from netcanvas.training.events import EpochEvent, ResultEvent
from netcanvas.training.settings import TrainSettings

run_training = pytest.importorskip("netcanvas.training.engine").run_training


def graph(nodes: list[dict]) -> Graph:
    edges = [{"source": a["id"], "target": b["id"]} for a, b in pairwise(nodes)]
    return Graph.model_validate({"format": "netcanvas.graph/1", "name": "t", "nodes": nodes, "edges": edges,
                                 "outputs": [nodes[-1]["id"]]})


def train(settings: Settings, g: Graph, dataset_id: str, out: Path, **kw) -> list:
    events: list = []
    ts = TrainSettings(dataset=dataset_id, epochs=kw.pop("epochs", 2), batch_size=16, device="cpu",
                       validation_split=0.0, **kw)
    status = run_training(g, ts, events.append, lambda: False, out, datasets=DatasetRegistry(settings))
    assert status == "succeeded"
    return events


def test_train_on_an_uploaded_csv(settings: Settings, tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    rows = ["a,b,shape,label"]
    for _ in range(200):
        a, b = rng.normal(size=2)
        shape = rng.choice(["round", "square"])
        rows.append(f"{a:.3f},{b:.3f},{shape},{'yes' if a + b > 0 else 'no'}")
    src = tmp_path / "in.csv"
    src.write_text("\n".join(rows) + "\n")
    info = uploads.create_from_file(settings, src, "points.csv",
                                    parse_options({"target": "label", "validation_split": "0.1"}))
    g = graph([
        {"id": "in", "type": "Input", "params": {"shape": info.input_shape}},
        {"id": "h", "type": "Dense", "params": {"units": 16, "activation": "relu"}},
        {"id": "out", "type": "Dense", "params": {"units": 2, "activation": "softmax"}},
    ])
    events = train(settings, g, info.id, tmp_path / "run", epochs=8, use_validation_set=True,
                   optimizer={"type": "adam", "learning_rate": 0.01})
    epochs = [e for e in events if isinstance(e, EpochEvent)]
    assert len(epochs) == 8 and "val_loss" in epochs[-1].metrics
    assert epochs[-1].metrics["accuracy"] > 0.8  # a linear boundary: learnt in a few epochs
    assert (tmp_path / "run" / "model.pt").exists()
    result = [e for e in events if isinstance(e, ResultEvent)]
    assert result and "accuracy" in result[0].test_metrics


def test_train_on_an_uploaded_image_zip_with_augmentation(settings: Settings, tmp_path: Path) -> None:
    make_image_zip(tmp_path / "colours.zip", per_class=12, size=16, classes=("r", "g", "b"))
    info = uploads.create_from_file(
        settings, tmp_path / "colours.zip", "colours.zip",
        parse_options({"image_size": "12", "horizontal_flip": "true", "shift": "2", "label_mode": "categorical"}),
    )
    assert info.input_shape == [3, 12, 12] and info.suggested_loss == "categorical_crossentropy"
    g = graph([
        {"id": "in", "type": "Input", "params": {"shape": info.input_shape}},
        {"id": "c", "type": "Conv2D", "params": {"filters": 4, "kernel_size": 3, "activation": "relu"}},
        {"id": "f", "type": "Flatten", "params": {}},
        {"id": "out", "type": "Dense", "params": {"units": 3, "activation": "softmax"}},
    ])
    events = train(settings, g, info.id, tmp_path / "run", loss="categorical_crossentropy", epochs=2)
    epochs = [e for e in events if isinstance(e, EpochEvent)]
    assert len(epochs) == 2 and all(np.isfinite(e.metrics["loss"]) for e in epochs)
    assert (tmp_path / "run" / "model.pt").exists()
