"""Data sets: GET /api/datasets (docs/api.md, Data sets)."""

from __future__ import annotations

from fastapi import APIRouter

from ...data.base import DatasetInfo
from ...data.registry import list_datasets

router = APIRouter(prefix="/api", tags=["datasets"])


@router.get("/datasets")
def list_all() -> dict[str, list[DatasetInfo] | int]:
    data = list_datasets()
    return {"data": data, "count": len(data)}
