"""GET /api/runs/{id}/artifacts/{name}: files a run left in data_dir/runs/{id}/ and formats
rendered on demand by netcanvas.export.artifacts (model.h5, model.onnx, model.py, …)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from types import ModuleType

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from ..deps import RunDep, SettingsDep

router = APIRouter(prefix="/api", tags=["artifacts"])

SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
RENDERED = ("model.h5", "model.onnx", "model.py", "model_keras.py", "model.pt2")


def _exporter() -> ModuleType | None:
    try:
        return importlib.import_module("netcanvas.export.artifacts")
    except ModuleNotFoundError as err:
        if err.name and "netcanvas.export" in err.name:
            return None
        raise


def _available(run_dir: Path, exporter: ModuleType | None) -> list[str]:
    files = sorted(p.name for p in run_dir.iterdir() if p.is_file()) if run_dir.is_dir() else []
    if exporter is not None and "model.pt" in files:
        files += [n for n in getattr(exporter, "NAMES", RENDERED) if n not in files]
    return files


@router.get("/runs/{run_id}/artifacts/{name}", response_class=FileResponse)
def get_artifact(row: RunDep, name: str, settings: SettingsDep) -> FileResponse:
    """Download one artifact; 404 lists what this run has."""
    if not SAFE_NAME.match(name) or ".." in name:
        raise HTTPException(400, f"'{name}' is not an artifact name (letters, digits, '.', '_', '-').")
    runs_dir = settings.runs_dir.resolve()
    run_dir = (runs_dir / row.id).resolve()
    path = (run_dir / name).resolve()
    if path.parent != run_dir or run_dir.parent != runs_dir:
        raise HTTPException(400, f"'{name}' is not an artifact name.")
    exporter = _exporter() if name != "model.pt" else None
    if exporter is not None and (run_dir / "model.pt").is_file():
        try:
            path = Path(exporter.render(run_dir, name))
        except ValueError as err:
            raise HTTPException(422, str(err)) from None
        except (FileNotFoundError, KeyError, LookupError):
            path = run_dir / name
    if not path.is_file():
        have = ", ".join(_available(run_dir, exporter or _exporter())) or "none yet"
        raise HTTPException(404, f"Run '{row.id}' has no artifact '{name}'. Available: {have}.")
    return FileResponse(path, filename=name)
