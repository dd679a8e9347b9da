"""Factories for graphs and run requests used across the API tests."""

from __future__ import annotations

import time

FAKE_TRAINER = "fake_trainer:run_training"


def mlp_graph(name: str = "mlp", hidden: int = 16) -> dict:
    """A tiny MLP for digits (1×8×8 images, 10 classes)."""
    return {
        "format": "netcanvas.graph/1",
        "name": name,
        "nodes": [
            {"id": "in", "type": "Input", "params": {"shape": [1, 8, 8]}},
            {"id": "flat", "type": "Flatten", "params": {}},
            {"id": "h", "type": "Dense", "params": {"units": hidden, "activation": "relu"}},
            {"id": "out", "type": "Dense", "params": {"units": 10, "activation": "softmax"}},
        ],
        "edges": [
            {"source": "in", "target": "flat"},
            {"source": "flat", "target": "h"},
            {"source": "h", "target": "out"},
        ],
    }


def run_request(graph: dict | None = None, **kw: object) -> dict:
    body: dict = {"graph": graph or mlp_graph(), "dataset": "digits", "epochs": 2, "batch_size": 64,
                  "device": "cpu"}
    body.update(kw)
    return body


def make_client(settings, trainer: str = FAKE_TRAINER, grace_s: float = 3.0, max_concurrent: int | None = None):
    """A TestClient whose executor runs `trainer` (default: the fake one) in spawned workers."""
    from fastapi.testclient import TestClient

    from netcanvas.api.main import create_app
    from netcanvas.training.runner import LocalExecutor

    executor = LocalExecutor(max_concurrent or settings.max_concurrent_runs, trainer=trainer, grace_s=grace_s)
    return TestClient(create_app(settings, executor=executor))


def wait_status(client, run_id: str, statuses: set[str], timeout: float = 20) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        run = client.get(f"/api/runs/{run_id}").json()
        if run["status"] in statuses:
            return run
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} never reached {statuses}: {run['status']}")
