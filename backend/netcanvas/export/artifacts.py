"""Run downloads other than model.pt, made on demand from the run's model.pt and cached beside it.

    render(run_dir, "model.h5") -> run_dir / "model.h5"

Formats: model.h5 (Keras, channels-last), model.onnx (one file), model.pt2 (torch.export program,
plain PyTorch), model.py (PyTorch source), model_keras.py (Keras source). A cached file is reused
while it is newer than model.pt; files are written to a temporary name and renamed, so a reader
never sees half of one. A format that cannot be made for this model raises ValueError with a
sentence that says why (e.g. the node without a Keras counterpart).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch

from ..graph.analyze import Analysis, analyze
from ..graph.compile import GraphError
from ..graph.schema import Graph
from .codegen_keras import keras_source
from .codegen_torch import pytorch_source
from .keras_h5 import export_h5
from .onnx import export_onnx
from .pt2 import export_pt2

BUNDLE = "model.pt"

Renderer = Callable[[Analysis, Mapping[str, torch.Tensor], Path], None]


def _text(fn: Callable[[Analysis], str]) -> Renderer:
    def render(analysis: Analysis, state: Mapping[str, torch.Tensor], path: Path) -> None:
        path.write_text(fn(analysis), encoding="utf-8")

    return render


RENDERERS: dict[str, Renderer] = {
    "model.h5": export_h5,
    "model.onnx": export_onnx,
    "model.pt2": export_pt2,
    "model.py": _text(pytorch_source),
    "model_keras.py": _text(keras_source),
}
FORMATS = (BUNDLE, *RENDERERS)
MEDIA_TYPES = {
    "model.pt": "application/octet-stream", "model.h5": "application/x-hdf5",
    "model.onnx": "application/octet-stream", "model.pt2": "application/zip",
    "model.py": "text/x-python", "model_keras.py": "text/x-python",
}

_locks: dict[tuple[str, str], threading.Lock] = {}
_locks_guard = threading.Lock()


def read_bundle(path: Path) -> tuple[Analysis, dict[str, torch.Tensor], dict[str, Any]]:
    """(analysis, state_dict, raw dict) of a model.pt; ValueError when it is not a usable one."""
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:
        raise ValueError(f"{path.name} could not be read as a netcanvas model: {err}") from err
    if not isinstance(data, dict) or "graph" not in data or "state_dict" not in data:
        raise ValueError(f"{path.name} is not a netcanvas model bundle.")
    graph = Graph.model_validate_json(data["graph"]) if isinstance(data["graph"], str) else \
        Graph.model_validate(data["graph"])
    analysis = analyze(graph)
    if not analysis.ok:
        raise ValueError(str(GraphError(analysis)))
    return analysis, data["state_dict"], data


def render(run_dir: Path, name: str) -> Path:
    """The file `name` for the run in `run_dir`, made from its model.pt when needed."""
    run_dir = Path(run_dir)
    source = run_dir / BUNDLE
    if name == BUNDLE:
        if not source.exists():
            raise ValueError("This run has no trained model (model.pt) yet.")
        return source
    if name not in RENDERERS:
        raise ValueError(f"Unknown download '{name}'; available: {', '.join(FORMATS)}.")
    if not source.exists():
        raise ValueError(f"This run has no trained model (model.pt) yet, so {name} cannot be made.")
    out = run_dir / name
    with _lock(run_dir, name):
        if out.exists() and out.stat().st_mtime_ns >= source.stat().st_mtime_ns:
            return out
        analysis, state, _ = read_bundle(source)
        tmp = run_dir / f".{out.stem}.{os.getpid()}.{threading.get_ident()}.tmp{out.suffix}"
        try:
            RENDERERS[name](analysis, state, tmp)
            os.replace(tmp, out)
        except ValueError:
            raise
        except Exception as err:  # a bug or a torch limitation: still a sentence, not a 500
            raise ValueError(f"{name} could not be made for this model: {type(err).__name__}: {err}") from err
        finally:
            tmp.unlink(missing_ok=True)
    return out


def _lock(run_dir: Path, name: str) -> threading.Lock:
    key = (str(run_dir.resolve()), name)
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())
