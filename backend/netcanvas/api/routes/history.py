"""A run's training history as a file: CSV as Keras's CSVLogger writes it, or JSON with batches."""

from __future__ import annotations

import csv
import io
import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from ...store import repo
from ..deps import RunDep, SessionDep
from ..schemas import HistoryBatch, HistoryEpoch, RunHistory

router = APIRouter(prefix="/api", tags=["runs"])


def _filename(name: str, ext: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_.") or "run"
    return f"{safe[:100]}-history.{ext}"


def history_csv(epochs: list[dict[str, Any]]) -> str:
    """CSVLogger's file: header `epoch,<keys sorted>`, epoch 0-based; a null (non-finite) value as nan."""
    keys = sorted({k for e in epochs for k in (e.get("metrics") or {})})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["epoch", *keys])
    for e in epochs:
        metrics = e.get("metrics") or {}
        writer.writerow([e["epoch"] - 1, *("nan" if metrics.get(k) is None else metrics[k] for k in keys)])
    return out.getvalue()


@router.get("/runs/{run_id}/history", response_model=RunHistory,
            responses={200: {"content": {"text/csv": {}}}})
def run_history(
    row: RunDep, session: SessionDep, format: Annotated[Literal["csv", "json"], Query()] = "csv",
) -> Response:
    """Download the history: `csv` (per epoch, as CSVLogger) or `json` (epochs and stored batch events)."""
    events = repo.run_events(session, row.id, types=["epoch", "batch"])
    epochs = [e.payload for e in events if e.type == "epoch"]
    disposition = {"Content-Disposition": f'attachment; filename="{_filename(row.name, format)}"'}
    if format == "csv":
        return Response(history_csv(epochs), media_type="text/csv", headers=disposition)
    body = RunHistory(
        epochs=[HistoryEpoch(epoch=p["epoch"], metrics=p.get("metrics") or {}, t=p.get("t")) for p in epochs],
        batches=[HistoryBatch(epoch=e.payload["epoch"], step=e.payload["step"], steps=e.payload["steps"],
                              metrics=e.payload.get("metrics") or {}, t=e.payload.get("t"))
                 for e in events if e.type == "batch"],
    )
    return Response(body.model_dump_json(), media_type="application/json", headers=disposition)
