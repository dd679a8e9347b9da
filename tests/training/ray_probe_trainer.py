"""A torch-free trainer for tests/training/test_ray_executor.py, imported by the Ray workers: it loads
the run's data set from the worker's registry and reads the starting weights, and logs what it
found, so a test sees what reached the worker (through the object store, not a shared disk)."""

from __future__ import annotations

from pathlib import Path

from netcanvas.training.events import LogEvent, ResultEvent, StatusEvent


def run_training(graph, settings, emit, should_stop, out_dir: Path, *, datasets, init_weights=None) -> str:
    emit(StatusEvent(status="running", device="cpu"))
    data = datasets.load(settings.dataset)
    emit(LogEvent(message=f"data_dir={datasets.settings.data_dir} train={len(data.train)} test={len(data.test)}"))
    if init_weights is not None:
        emit(LogEvent(message=f"init={Path(init_weights).read_bytes().decode()}"))
    (out_dir / "model.pt").write_bytes(b"weights of " + graph.name.encode())
    (out_dir / "notes").mkdir()
    (out_dir / "notes" / "n.txt").write_text("a file in a folder")
    emit(ResultEvent(artifacts=["model.pt"]))
    return "succeeded"
