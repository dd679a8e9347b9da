"""GET /api/runs/{id}/artifacts/{name}: files a run left in data_dir/runs/{id}/ and formats
rendered on demand by netcanvas.export.artifacts (model.h5, model.keras, model.onnx, model.py, …)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from types import ModuleType

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from ..deps import RunDep, SettingsDep
from ..schemas import Message

router = APIRouter(prefix="/api", tags=["artifacts"])

SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
RENDERED = ("model.h5", "model.keras", "model.onnx", "model.py", "model_keras.py", "model.pt2")


def _exporter() -> ModuleType | None:
    try:
        return importlib.import_module("netcanvas.export.artifacts")
    except ModuleNotFoundError as err:
        if err.name and "netcanvas.export" in err.name:
            return None
        raise


def _renderable(exporter: ModuleType | None) -> tuple[str, ...]:
    if exporter is None:
        return ()
    return tuple(n for n in getattr(exporter, "FORMATS", RENDERED) if n != "model.pt")


def _available(run_dir: Path, exporter: ModuleType | None) -> list[str]:
    files = sorted(p.name for p in run_dir.iterdir() if p.is_file() and not p.name.startswith(".")) \
        if run_dir.is_dir() else []
    if "model.pt" in files:
        files += [n for n in _renderable(exporter) if n not in files]
    return files


@router.get(
    "/runs/{run_id}/artifacts/{name}",
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}}, 400: {"model": Message},
               404: {"model": Message}, 422: {"model": Message}},
)
def get_artifact(row: RunDep, name: str, settings: SettingsDep) -> FileResponse:
    """Download one artifact; other formats than model.pt are made from it on first request."""
    if not SAFE_NAME.match(name) or ".." in name:
        raise HTTPException(400, f"'{name}' is not an artifact name (letters, digits, '.', '_', '-').")
    runs_dir = settings.runs_dir.resolve()
    run_dir = (runs_dir / row.id).resolve()
    path = (run_dir / name).resolve()
    if path.parent != run_dir or run_dir.parent != runs_dir:
        raise HTTPException(400, f"'{name}' is not an artifact name.")
    exporter = _exporter()
    if name in _renderable(exporter) and (run_dir / "model.pt").is_file():
        try:
            path = Path(exporter.render(run_dir, name))  # type: ignore[union-attr]
        except ValueError as err:
            raise HTTPException(422, str(err)) from None
    if not path.is_file():
        have = ", ".join(_available(run_dir, exporter)) or "none yet"
        raise HTTPException(404, f"Run '{row.id}' has no artifact '{name}'. Available: {have}.")
    media = getattr(exporter, "MEDIA_TYPES", {}).get(name, "application/octet-stream")
    return FileResponse(path, filename=name, media_type=media)
