"""POST /api/runs/{id}/evaluate: a trained model's loss and metrics on its data set's test split,
through training.bundle.evaluate. Raises ValueError (→ 422) when they do not fit."""

from __future__ import annotations

from typing import Any

from ..data.registry import DatasetNotFound, DatasetRegistry
from .hub import json_safe
from .schemas import EvaluateResponse


def evaluate_bundle(bundle: Any, dataset_id: str | None, datasets: DatasetRegistry) -> EvaluateResponse:
    """`dataset_id`: the run's data set; falls back to the one the model file names."""
    from ..training.bundle import evaluate

    dataset_id = dataset_id or bundle.dataset or (bundle.settings.dataset if bundle.settings else None)
    if not dataset_id:
        raise ValueError("This model does not say which data set it was trained on.")
    try:
        data = datasets.load(dataset_id)
    except DatasetNotFound as err:
        raise ValueError(str(err)) from None
    return EvaluateResponse.model_validate(json_safe(evaluate(bundle, data)))
