"""Keras-semantics compile/fit/evaluate/predict on PyTorch, the worker process and the job runner.

Entry points: `run_training` (engine.py), `load_bundle` / `predict` / `evaluate` (bundle.py). They
are imported lazily so that `netcanvas.training.events` and `.settings` stay light for the API
process.
"""

from typing import Any

_LAZY = {
    "run_training": "engine", "load_bundle": "bundle", "predict": "bundle", "evaluate": "bundle", "Bundle": "bundle",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(name)
