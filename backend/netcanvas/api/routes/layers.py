"""GET /api/layers: every layer kind's parameters as JSON Schema, with palette defaults."""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter

from ...layers import REGISTRY, schema_entry
from ..schemas import LayerInfo, LayersPublic

router = APIRouter(prefix="/api", tags=["layers"])


@cache
def _catalogue() -> LayersPublic:
    data = [LayerInfo.model_validate(schema_entry(cls)) for cls in REGISTRY.values()]
    return LayersPublic(data=data, count=len(data))


@router.get("/layers")
def list_layers() -> LayersPublic:
    return _catalogue()
