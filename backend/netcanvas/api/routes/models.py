"""Models: import an uploaded model as a run, and generate code for a graph (docs/api.md, Models).

POST /api/models/import (multipart `file`, optional `name`, `dataset`) → 201 RunPublic with status
"imported": a Keras .h5 / .keras / model JSON or a netcanvas model.pt becomes a graph plus weights,
stored like a trained run (data_dir/runs/{id}/model.pt), so predict and downloads work the same.
POST /api/graphs/code {graph} → {"pytorch", "keras", "keras_error"} for the Code tab.
"""

from __future__ import annotations

import logging
import os
import shutil
from datetime import UTC, datetime
from typing import Any

import torch
from fastapi import APIRouter, HTTPException, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from ...data.errors import DataError
from ...data.incoming import receive_upload
from ...graph.compile import compile_graph
from ...graph.schema import Graph
from ...store.models import RunEventRow, RunRow, new_id
from ...training.bundle import bundle_dict, save_bundle
from ...training.events import LogEvent
from ...training.settings import TrainSettings
from ..analysis import validate_graph
from ..deps import CurrentUser, DbDep, SettingsDep
from ..schemas import Message, ProblemsDetail, RunPublic, RunRequestPublic
from .runs import run_summary

router = APIRouter(prefix="/api", tags=["models"])
log = logging.getLogger("netcanvas.api.models")

IMPORTED_DATASET = "imported"  # a Keras model does not say what data it was trained on
CHUNK = 1 << 20


class CodeRequest(BaseModel):
    graph: Graph


class CodePublic(BaseModel):
    pytorch: str
    keras: str | None = None
    keras_error: str | None = None


@router.post("/graphs/code", responses={422: {"model": ProblemsDetail}})
def graph_code(body: CodeRequest) -> CodePublic:
    """PyTorch source (always, for a valid graph) and Keras source (or why there is none)."""
    from ...export.codegen_keras import keras_source
    from ...export.codegen_torch import CodegenError, pytorch_source
    from ...graph.analyze import analyze

    report = validate_graph(body.graph)
    if not report.ok:
        raise HTTPException(422, ProblemsDetail(message="The graph has problems.", problems=report.problems)
                            .model_dump())
    analysis = analyze(body.graph)
    try:
        pytorch = pytorch_source(analysis)
    except CodegenError as err:
        raise HTTPException(422, f"PyTorch code could not be generated: {err}") from None
    try:
        return CodePublic(pytorch=pytorch, keras=keras_source(analysis))
    except ValueError as err:
        return CodePublic(pytorch=pytorch, keras_error=str(err))


async def _read_limited(file: UploadFile, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await file.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"{file.filename or 'The upload'} is larger than the {limit >> 20} MB limit "
                                     "(NETCANVAS_MAX_UPLOAD_MB).")
        chunks.append(chunk)
    return b"".join(chunks)


IMPORT_FORM = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary",
                 "description": "A Keras .h5 / .keras file, a Keras model JSON, or a netcanvas model.pt"},
        "name": {"type": "string", "maxLength": 200}, "dataset": {"type": "string", "maxLength": 200}}}}}}}


@router.post(
    "/models/import", status_code=201, openapi_extra=IMPORT_FORM,
    responses={400: {"model": Message}, 413: {"model": Message}, 415: {"model": Message}, 422: {"model": Message}},
)
async def import_model(request: Request, db: DbDep, settings: SettingsDep, user: CurrentUser) -> RunPublic:
    """Turn an uploaded model into a run with status "imported" (graph laid out, weights kept). The
    upload is streamed to disk (data/incoming.py), never held whole in memory; the reader checks the
    weights the file declares against its config and the model budget before reading any of them."""
    from ...export.keras_import import ImportFailed, import_model_isolated

    try:
        received = await receive_upload(
            request.headers.get("content-type"), request.headers.get("content-length"), request.stream(),
            settings.uploads_dir, settings.max_upload_mb * (1 << 20))
    except DataError as err:
        raise HTTPException(err.status, err.message) from None
    filename = received.filename or "upload"
    name, dataset = received.fields.get("name") or None, received.fields.get("dataset") or None
    try:
        for key, value in (("name", name), ("dataset", dataset)):
            if value is not None and len(value) > 200:
                raise HTTPException(422, f"{key}: at most 200 characters.")
        imported = await run_in_threadpool(import_model_isolated, filename, received.path,
                                           max_model_mb=settings.max_model_mb)
    except ImportFailed as err:
        raise HTTPException(422, str(err)) from None
    except HTTPException:
        raise
    except Exception as err:  # a file we did not foresee: still the user's file, not a 500
        log.exception("importing %s failed", filename)
        raise HTTPException(422, f"{filename} could not be imported ({type(err).__name__}: {err}).") from None
    finally:
        received.path.unlink(missing_ok=True)
    try:
        return await run_in_threadpool(_store, db, settings, imported, filename, name, dataset, owner=user.owner)
    except ValueError as err:
        raise HTTPException(422, f"{filename} could not be imported: {err}") from None


def _store(db: Any, settings: Any, imported: Any, filename: str, name: str | None, dataset: str | None,
           files: dict[str, bytes] | None = None, logs: list[LogEvent] | None = None,
           owner: str | None = None) -> RunPublic:
    """Write model.pt (and `files` beside it), then the run row owned by `owner` (users mode); on any
    failure neither is left behind. The run's log: `imported.notes` as warnings, then `logs`."""
    run_id = new_id()
    bundle = imported.bundle or {}
    graph = imported.graph
    title = name or graph.name or filename
    dataset = dataset or bundle.get("dataset") or IMPORTED_DATASET
    data: dict[str, Any]
    if imported.bundle is not None:
        data = dict(imported.bundle)
        data["state_dict"] = imported.state_dict
    else:
        module = compile_graph(graph)
        module.load_state_dict(imported.state_dict, strict=True)
        n_out = len(graph.outputs or []) or 1
        data = dict(bundle_dict(graph, module, settings=None, linear_outputs=[], output_activations=[None] * n_out,
                                dataset=dataset))
    settings_json = bundle.get("settings")
    train = TrainSettings.model_validate_json(settings_json) if settings_json else TrainSettings()
    request = RunRequestPublic.model_validate({**train.model_dump(mode="json"), "dataset": dataset,
                                               "name": title})

    runs_dir = settings.runs_dir
    runs_dir.mkdir(parents=True, exist_ok=True)
    staging = runs_dir / f".import-{run_id}"
    final = runs_dir / run_id
    staging.mkdir()
    try:
        save_bundle(staging / "model.pt", data)
        torch.load(staging / "model.pt", weights_only=True)  # what predict will read
        for fname, content in (files or {}).items():
            (staging / fname).write_bytes(content)
        now = datetime.now(UTC)
        row = RunRow(id=run_id, name=title, status="imported", request=request.model_dump(mode="json"),
                     graph=graph.model_dump(mode="json"), dataset=dataset, created_at=now, finished_at=now,
                     artifacts=["model.pt", *(files or {})], class_names=bundle.get("class_names"),
                     owner_id=owner)
        with db.session() as s:
            s.add(row)
            s.flush()
            # the stream of an imported run: what the import noticed, then one status event, as for a run
            # that ended
            events = [LogEvent(level="warning", message=note) for note in imported.notes] + list(logs or [])
            for seq, event in enumerate(events, start=1):
                s.add(RunEventRow(run_id=run_id, seq=seq, type="log", payload=event.model_dump(mode="json")))
            s.add(RunEventRow(run_id=run_id, seq=len(events) + 1, type="status",
                              payload={"type": "status", "status": "imported", "device": None, "error": None}))
            s.flush()
            os.replace(staging, final)  # the files appear with the row, in the same step
            try:
                s.commit()
            except Exception:
                os.replace(final, staging)
                raise
            s.refresh(row)
            summary = run_summary(row)
    except Exception:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return RunPublic(**summary.model_dump(), graph=graph, epochs=[], confusion_matrix=None,
                     class_names=bundle.get("class_names"))
