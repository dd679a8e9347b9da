"""Run downloads other than model.pt, made on demand from the run's model.pt and cached beside it.

    render(run_dir, "model.h5") -> run_dir / "model.h5"

Formats: model.h5 and model.keras (Keras, channels-last, compiled with the run's training settings),
model.onnx (one file), model.pt2 (torch.export program, plain PyTorch), model.py (PyTorch source),
model_keras.py (Keras source). A cached file is reused
while it is newer than model.pt; files are written to a temporary name and renamed, so a reader
never sees half of one. A format that cannot be made for this model raises ValueError with a
sentence that says why (e.g. the node without a Keras counterpart).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path

import torch

from .. import model_file
from ..graph.analyze import Analysis, analyze
from ..graph.compile import GraphError
from ..graph.schema import Graph
from ..training.settings import TrainSettings
from .codegen_keras import keras_source
from .codegen_torch import pytorch_source
from .keras_h5 import export_h5
from .keras_native import export_keras
from .onnx import export_onnx
from .pt2 import export_pt2

BUNDLE = model_file.FILE_NAME

# (analysis, state_dict, output path, the run's training settings or None for an imported model)
Renderer = Callable[[Analysis, Mapping[str, torch.Tensor], Path, TrainSettings | None], None]


def _text(fn: Callable[[Analysis], str]) -> Renderer:
    def render(analysis: Analysis, state: Mapping[str, torch.Tensor], path: Path,
               settings: TrainSettings | None) -> None:
        path.write_text(fn(analysis), encoding="utf-8")

    return render


def _weights_only(fn: Callable[[Analysis, Mapping[str, torch.Tensor], Path], None]) -> Renderer:
    """A format that carries no training settings."""
    def render(analysis: Analysis, state: Mapping[str, torch.Tensor], path: Path,
               settings: TrainSettings | None) -> None:
        fn(analysis, state, path)

    return render


RENDERERS: dict[str, Renderer] = {
    "model.h5": export_h5,
    "model.keras": export_keras,
    "model.onnx": _weights_only(export_onnx),
    "model.pt2": _weights_only(export_pt2),
    "model.py": _text(pytorch_source),
    "model_keras.py": _text(keras_source),
}
FORMATS = (BUNDLE, *RENDERERS)
MEDIA_TYPES = {
    "model.pt": "application/octet-stream", "model.h5": "application/x-hdf5", "model.keras": "application/zip",
    "model.onnx": "application/octet-stream", "model.pt2": "application/zip",
    "model.py": "text/x-python", "model_keras.py": "text/x-python",
}

_locks: dict[tuple[str, str], threading.Lock] = {}
_locks_guard = threading.Lock()


def read_bundle(path: Path) -> tuple[Analysis, dict[str, torch.Tensor], model_file.ModelData]:
    """(analysis, state_dict, raw dict) of a model.pt; ValueError when it is not a usable one."""
    data = model_file.read(path)
    graph = Graph.model_validate_json(data["graph"])
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
        analysis, state, data = read_bundle(source)
        settings = _settings(data["settings"], name)
        tmp = run_dir / f".{out.stem}.{os.getpid()}.{threading.get_ident()}.tmp{out.suffix}"
        try:
            RENDERERS[name](analysis, state, tmp, settings)
            os.replace(tmp, out)
        except ValueError:
            raise
        except Exception as err:  # a bug or a torch limitation: still a sentence, not a 500
            raise ValueError(f"{name} could not be made for this model: {type(err).__name__}: {err}") from err
        finally:
            tmp.unlink(missing_ok=True)
    return out


def _settings(text: str | None, name: str) -> TrainSettings | None:
    """The run's training settings (compile settings of the Keras files); None for an import."""
    if not text:
        return None
    try:
        return TrainSettings.model_validate_json(text)
    except ValueError as err:
        raise ValueError(f"{name} cannot be made: the run's training settings in model.pt are not "
                         f"readable ({err.__class__.__name__}); train the model again.") from err


def _lock(run_dir: Path, name: str) -> threading.Lock:
    key = (str(run_dir.resolve()), name)
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())
