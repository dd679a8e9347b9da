"""Transfer learning on a trained model (docs/api.md, Runs): "Cut here" and "Replace head".

POST /api/runs/{id}/cut {"node"} and POST /api/runs/{id}/replace-head {"from_node", "dataset" |
"classes", "add_pooling"} each make a new saved graph and an `imported` run holding its weights
(training.derive), which predicts, downloads and trains further like any run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from ...data.base import DatasetInfo
from ...data.registry import DatasetNotFound
from ...graph.surgery import SurgeryError
from ...store import repo
from ...store.models import RunRow
from ...training.derive import Derived, cut_model, new_head_model
from ...training.events import LogEvent
from ...training.settings import TrainSettings
from ..analysis import fit_problems, validate_graph
from ..deps import DatasetsDep, DbDep, RunDep, SettingsDep
from ..schemas import CutRequest, DerivedPublic, GraphPublic, Message, ProblemsDetail, ReplaceHeadRequest
from .models import _store
from .runs import _model_path, run_public

router = APIRouter(prefix="/api", tags=["runs"])


@dataclass
class _Made:
    """What models._store takes: a graph, the contents of model.pt, its weights (and warnings: none)."""

    graph: Any
    bundle: dict[str, Any]
    state_dict: Any
    notes: list[str] = field(default_factory=list)


def _bundle(request: Request, row: RunRow, runs_dir: Any) -> Any:
    path = _model_path(row, runs_dir)
    try:
        return request.app.state.bundles.get(path)
    except Exception as err:  # noqa: BLE001  (a foreign or damaged file: say so, not 500)
        raise HTTPException(409, f"The model of run '{row.id}' could not be loaded: {err}") from None


def _save(db: Any, settings: Any, derived: Derived, source: RunRow, name: str | None) -> DerivedPublic:
    """The saved graph, then the imported run linked to it (its request names the graph); both
    belong to the source run's owner (the caller: RunDep let only their own run through)."""
    graph_json = derived.graph.model_dump(mode="json")
    with db.session() as s:
        graph_row, ver = repo.create_graph(s, graph_json, owner=source.owner_id)
        graph_public = GraphPublic(id=graph_row.id, name=graph_row.name, version=ver.version,
                                   created_at=graph_row.created_at, updated_at=ver.created_at, graph=derived.graph)
    notes = [f"Made from run '{source.id}' ({source.name}).", *derived.notes]
    made = _Made(derived.graph, dict(derived.data), derived.data["state_dict"])
    dataset = derived.data.get("dataset") or source.dataset
    run = _store(db, settings, made, "model.pt", name or derived.graph.name, dataset,
                 logs=[LogEvent(level="info", message=n) for n in notes],  # what was done, not warnings
                 owner=source.owner_id)
    with db.session() as s:
        row = s.get(RunRow, run.id)
        assert row is not None
        row.graph_id, row.graph_version = graph_row.id, ver.version
        row.request = {**row.request, "graph_id": graph_row.id, "graph_version": ver.version}
        s.commit()
        return DerivedPublic(graph=graph_public, run=run_public(s, row), notes=notes)


@router.post("/runs/{run_id}/cut", status_code=201,
             responses={409: {"model": Message}, 422: {"model": Message}})
async def cut_run(row: RunDep, body: CutRequest, db: DbDep, settings: SettingsDep, request: Request) -> DerivedPublic:
    """A new graph ending at `node` (it and what it needs; other outputs dropped) and an `imported`
    run with those layers' trained weights: a feature extractor."""
    bundle = await run_in_threadpool(_bundle, request, row, settings.runs_dir)
    try:
        derived = await run_in_threadpool(cut_model, bundle, body.node, body.name)
    except ValueError as err:
        raise HTTPException(422, f"node: {err}") from None
    return await run_in_threadpool(_save, db, settings, derived, row, body.name)


def _dataset_info(datasets: Any, dataset: str | None) -> DatasetInfo | None:
    if dataset is None:
        return None
    try:
        info: DatasetInfo = datasets.info(dataset)
    except DatasetNotFound as err:
        raise HTTPException(422, f"dataset: {err}") from None
    return info


@router.post("/runs/{run_id}/replace-head", status_code=201,
             responses={409: {"model": Message}, 422: {"model": ProblemsDetail}})
async def replace_head_run(
    row: RunDep, body: ReplaceHeadRequest, db: DbDep, settings: SettingsDep, datasets: DatasetsDep, request: Request,
) -> DerivedPublic:
    """The model with its head from `from_node` on (or after `after_node`) replaced by a new Dense head
    for `dataset` (or `classes` classes), every other weight kept, as a new graph and an `imported` run."""
    bundle = await run_in_threadpool(_bundle, request, row, settings.runs_dir)
    info = await run_in_threadpool(_dataset_info, datasets, body.dataset)
    try:
        derived = await run_in_threadpool(
            lambda: new_head_model(bundle, body.from_node or body.after_node or "", info, body.classes,
                                   add_pooling=body.add_pooling, seed=body.seed, name=body.name,
                                   keep_node=body.from_node is None))
    except SurgeryError as err:
        raise HTTPException(422, f"{'from_node' if body.from_node else 'after_node'}: {err}") from None
    except ValueError as err:  # the head and the data set or classes disagree
        raise HTTPException(422, str(err)) from None
    report = await run_in_threadpool(validate_graph, derived.graph)
    if not report.ok:
        raise HTTPException(422, ProblemsDetail(message="The graph with the new head has problems.",
                                                problems=report.problems).model_dump())
    if info is not None:
        train = TrainSettings.model_validate_json(derived.data["settings"] or "{}")
        misfit = await run_in_threadpool(fit_problems, derived.graph, info, train)
        if misfit:
            raise HTTPException(422, ProblemsDetail(
                message=f"The model with the new head does not fit data set '{info.id}': {misfit[0].message}",
                problems=misfit).model_dump())
    return await run_in_threadpool(_save, db, settings, derived, row, body.name)
