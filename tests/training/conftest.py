"""Training tests: one torch thread (the machine is shared) and a `train` fixture."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from training_factories import Recorder

from netcanvas.data.base import Dataset
from netcanvas.graph.schema import Graph
from netcanvas.training.engine import run_training
from netcanvas.training.settings import TrainSettings

torch.set_num_threads(1)


@pytest.fixture
def train(tmp_path: Path) -> Callable:
    """train(graph, data=None, should_stop=None, **settings) → (outcome, Recorder, out_dir).

    `data`: a Dataset object run_training uses instead of looking up settings.dataset."""

    def run(graph: Graph, data: Dataset | None = None, should_stop=None, **kw):
        kw.setdefault("epochs", 3)
        kw.setdefault("device", "cpu")
        kw.setdefault("batch_size", 16)
        kw.setdefault("optimizer", {"type": "adam", "learning_rate": 0.01})
        settings = TrainSettings(**kw)
        rec = Recorder()
        out = tmp_path / f"run{len(list(tmp_path.iterdir()))}"
        outcome = run_training(graph, settings, rec, should_stop or (lambda: False), out, dataset=data)
        return outcome, rec, out

    return run
