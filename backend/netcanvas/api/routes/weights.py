"""POST /api/models/weights: a Keras weights file applied to a graph by layer name → an imported run
(docs/api.md, "Weights by name"). The graph is the one on the canvas (`graph`, JSON) or a saved one
(`graph_id`); the conversion lives in netcanvas.export.keras_weights."""

from __future__ import annotations

import json
import logging
import os
from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, UploadFile
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ValidationError

from ...export.keras_weights_order import Match
from ...graph.schema import Graph
from ...store import repo
from ...store.db import Database
from ...training.weight_match import REPORT_FILE, WeightReport
from ..analysis import validate_graph
from ..deps import CurrentUser, DbDep, SettingsDep
from ..schemas import Message, ProblemsDetail, RunPublic
from .models import _read_limited, _store

router = APIRouter(prefix="/api", tags=["models"])
log = logging.getLogger("netcanvas.api.weights")


class WeightsImportPublic(BaseModel):
    run: RunPublic  # status "imported": train it further from the run page
    report: WeightReport  # also the run's weights_report.json and its log


def _graph(db: Database, graph: str | None, graph_id: str | None, owner: str | None) -> Graph:
    """The graph to fill: the JSON given, or the caller's saved graph (another's is "not a saved graph")."""
    if (graph is None) == (graph_id is None):
        raise HTTPException(422, "Give the graph to load the weights into: either 'graph' (the graph JSON) or "
                                 "'graph_id' (a saved graph), not both.")
    if graph_id is not None:
        with db.session() as s:
            found = repo.get_graph(s, graph_id, owner=owner)
            if found is None:
                raise HTTPException(422, f"graph_id '{graph_id}' is not a saved graph.")
            return Graph.model_validate(found[1].graph)
    try:
        return Graph.model_validate(json.loads(graph or ""))
    except (json.JSONDecodeError, ValidationError) as err:
        first = str(err).splitlines()[0][:300]
        raise HTTPException(422, f"'graph' is not a netcanvas graph JSON ({first}).") from None


@router.post(
    "/models/weights", status_code=201,
    responses={413: {"model": Message}, 422: {"model": Message}},
)
async def load_weights(
    db: DbDep, settings: SettingsDep, user: CurrentUser,
    file: Annotated[UploadFile, File(description="A Keras weights file: .h5 (as keras.applications publishes "
                                                 "them), .weights.h5 (model.save_weights) or a .keras archive")],
    graph: Annotated[str | None, Form(description="The graph JSON the weights go into")] = None,
    graph_id: Annotated[str | None, Form(max_length=100)] = None,
    name: Annotated[str | None, Form(max_length=200)] = None,
    dataset: Annotated[str | None, Form(max_length=200)] = None,
    seed: Annotated[int | None, Form(ge=0)] = 0,
    strict: Annotated[bool, Form(description="A layer whose weights do not fit is a 422, not a skip")] = False,
    match: Annotated[Match, Form(description="How a legacy .h5 file's layers pair with the graph's nodes: 'name', "
                                             "'order' (as Keras's load_weights does) or 'auto' (by name when every "
                                             "layer fits a node of its name, else by order when all fit in order, "
                                             "else by name with skips)")] = "auto",
) -> WeightsImportPublic:
    """Load each layer of the file whose name and weight shapes fit a node of the graph (the rest is
    initialised) and store the result as an imported run; the answer lists what was loaded,
    initialised and skipped."""
    from ...export.keras_weights import load_keras_weights_isolated
    from ...kerasio.errors import ImportFailed

    target = await run_in_threadpool(_graph, db, graph, graph_id, user.owner)
    report = await run_in_threadpool(validate_graph, target)
    if not report.ok:
        raise HTTPException(422, ProblemsDetail(message="The graph has problems.", problems=report.problems)
                            .model_dump())
    filename = os.path.basename(file.filename or "") or "upload"
    data = await _read_limited(file, settings.max_upload_mb << 20)
    try:
        got = await run_in_threadpool(load_keras_weights_isolated, filename, data, target, seed=seed, strict=strict,
                                      match=match)
    except ImportFailed as err:
        raise HTTPException(422, str(err)) from None
    except Exception as err:  # a file we did not foresee: still the user's file, not a 500
        log.exception("loading weights from %s failed", filename)
        raise HTTPException(422, f"{filename} could not be read ({type(err).__name__}: {err}).") from None
    files = {REPORT_FILE: got.report.model_dump_json(indent=1).encode("utf-8")}
    try:
        run = await run_in_threadpool(_store, db, settings, got, filename, name or target.name, dataset, files,
                                      got.report.log_events(), owner=user.owner)
    except ValueError as err:
        raise HTTPException(422, f"{filename}: the weights could not be stored: {err}") from None
    return WeightsImportPublic(run=run, report=got.report)
