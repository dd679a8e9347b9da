"""POST /api/runs/{id}/evaluate: a trained model's loss and metrics on its data set's test split.

Composes the pieces run_training uses for its test metrics (plan_outputs + Trainer.evaluate and
Trainer.confusion_matrix), so the numbers match the run's own test metrics.
Raises ValueError (→ 422) with a sentence when the model and data set do not fit.
"""

from __future__ import annotations

from typing import Any

from ..data.base import Dataset
from ..data.registry import DatasetNotFound, load_dataset
from .schemas import EvaluateResponse


def evaluate_bundle(bundle: Any, dataset_id: str | None) -> EvaluateResponse:
    dataset_id = dataset_id or bundle.dataset or (bundle.settings.dataset if bundle.settings else None)
    if not dataset_id:
        raise ValueError("This model does not say which data set it was trained on.")
    try:
        data = load_dataset(dataset_id)
    except DatasetNotFound as err:
        raise ValueError(str(err)) from None
    return _evaluate(bundle, data)


def _evaluate(bundle: Any, data: Dataset) -> EvaluateResponse:
    import torch

    from ..graph.analyze import analyze
    from ..training.feeds import n_samples
    from ..training.fit import Trainer
    from ..training.plan import check_inputs, plan_outputs
    from ..training.settings import TrainSettings

    info = data.info
    if n_samples(data.test) == 0:
        raise ValueError(f"Data set '{info.id}' has no test split to evaluate on.")
    settings = bundle.settings or TrainSettings.model_validate({"dataset": info.id, "loss": info.suggested_loss})
    analysis = analyze(bundle.graph)
    check_inputs(analysis, info)
    plans = plan_outputs(analysis, info, settings)
    device = next((p.device for p in bundle.module.parameters()), torch.device("cpu"))
    trainer = Trainer(bundle.module, plans, settings, device)
    metrics = trainer.evaluate(data.test)
    confusion = None
    if info.target.kind == "classes" and len(plans) == 1 and info.target.num_classes:
        confusion = trainer.confusion_matrix(data.test, info.target.num_classes)
    return EvaluateResponse(
        metrics=metrics, confusion_matrix=confusion,
        class_names=info.target.class_names if confusion is not None else None,
    )
