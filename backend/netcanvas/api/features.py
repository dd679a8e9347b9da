"""POST /api/runs/{id}/predict with "nodes": the outputs of intermediate nodes (training.features),
through the bundle cache so a node list asked again is answered without compiling again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import HTTPException

from ..training.features import feature_model, predict_features
from .hub import json_safe
from .models_cache import BundleCache
from .schemas import PredictResponse


def predict_at_nodes(bundles: BundleCache, path: Path, nodes: list[str], inputs: Any) -> PredictResponse:
    """One output per node (a list when several, in the order asked); 422 naming an unknown node, an
    Input, or an input that does not fit."""
    try:
        model = bundles.derived(path, ("features", *nodes), lambda bundle: feature_model(bundle, nodes))
    except ValueError as err:  # graph.surgery.SurgeryError: names the node and the fix
        raise HTTPException(422, f"nodes: {err}") from None
    try:
        outputs = predict_features(model, inputs)
    except ValueError as err:
        raise HTTPException(422, str(err)) from None
    values = [json_safe(o.tolist()) for o in outputs]
    return PredictResponse(outputs=values[0] if len(values) == 1 else values, nodes=model.nodes,
                           shapes=[list(s) for s in model.shapes])
