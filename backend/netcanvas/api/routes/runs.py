"""Runs: start, list, read, cancel, delete, predict, evaluate (docs/api.md, Runs)."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from sqlalchemy.orm import Session

from ...config import Settings
from ...data.registry import DatasetNotFound, DatasetRegistry
from ...graph.analyze import analyze
from ...graph.schema import Graph, Problem
from ...model_file import FILE_NAME
from ...run_states import IllegalTransition, as_status, next_status
from ...store import repo
from ...store.db import Database
from ...store.models import RunRow
from ...training.augment import augment_problem
from ...training.bundle import starting_weight_problems
from ...training.events import StatusEvent
from ...training.init_by_name import by_name_report
from ...training.request_checks import output_shapes, request_problems
from ...training.runner import Executor, Job
from ...training.settings import RunRequest, TrainSettings
from ...training.weight_match import nothing_fits
from ..analysis import budget_problems_of, fit_problems, frozen_problems, validate_graph
from ..deps import CurrentUser, DatasetsDep, DbDep, ExecutorDep, HubDep, RunDep, SessionDep, SettingsDep
from ..evaluation import evaluate_bundle
from ..features import predict_at_nodes
from ..hub import EventHub, json_safe
from ..models_cache import BundleCache
from ..schemas import (
    EpochRecord,
    EvaluateResponse,
    Message,
    PredictRequest,
    PredictResponse,
    ProblemsDetail,
    RunMetaUpdate,
    RunPublic,
    RunRequestPublic,
    RunsPublic,
    RunSummary,
)

router = APIRouter(prefix="/api", tags=["runs"])
log = logging.getLogger(__name__)


def _request_of(row: RunRow) -> RunRequestPublic:
    try:
        return RunRequestPublic.model_validate(row.request)
    except ValidationError:  # written by another version of netcanvas: show it as it is
        log.warning("run %s: stored request does not match today's settings", row.id)
        return RunRequestPublic.model_construct(**row.request)


def run_summary(row: RunRow) -> RunSummary:
    return RunSummary(
        id=row.id, status=as_status(row.status), name=row.name, dataset=row.dataset,
        request=_request_of(row), device=row.device, error=row.error,
        created_at=row.created_at, started_at=row.started_at, finished_at=row.finished_at,
        final_metrics=row.final_metrics, best_metrics=row.best_metrics, test_metrics=row.test_metrics,
        artifacts=list(row.artifacts or []), notes=row.notes or "", tags=list(row.tags or []),
    )


def run_public(db_session: Session, row: RunRow) -> RunPublic:
    epochs = [
        EpochRecord(epoch=e.payload["epoch"], metrics=e.payload.get("metrics") or {})
        for e in repo.run_events(db_session, row.id, types=["epoch"])
    ]
    return RunPublic(
        **dict(run_summary(row)), graph=Graph.model_validate(row.graph), epochs=epochs,
        confusion_matrix=row.confusion_matrix, class_names=row.class_names,
    )


def _prepare(db: Database, body: RunRequest, runs_dir: Path, owner: str | None) -> tuple[Graph, int | None]:
    """The graph to train (a saved graph's latest version for graph_id, or the graph of the run
    init_from_run names) and its version; 422 when the starting weights do not fit it. Another
    user's graph or run (`owner`: repo's rule) answers as one that does not exist."""
    graph, version = _requested_graph(db, body, owner)
    if body.init_from_run is not None:
        with db.session() as s:
            source = repo.get_run(s, body.init_from_run, owner)
            source_graph = Graph.model_validate(source.graph) if source is not None else None
        model = runs_dir / body.init_from_run / FILE_NAME
        if source_graph is None or not model.is_file():
            raise HTTPException(422, f"init_from_run: run '{body.init_from_run}' has no trained model to start from.")
        graph = graph or source_graph
        graph_ok = validate_graph(graph).ok  # a broken graph is reported with its node-level problems instead
        if graph_ok and body.init_mode == "by_name":
            fits = by_name_report(graph, model, f"run '{body.init_from_run}'")
            if not fits.loaded:
                raise HTTPException(422, "init_from_run: " + nothing_fits(
                    fits.source, [s.source for s in fits.skipped], [i.node for i in fits.initialised]))
        elif graph_ok:
            problems = starting_weight_problems(graph, model)
            if problems:
                raise HTTPException(422, f"init_from_run: the weights of run '{body.init_from_run}' do not fit "
                                    "this graph: " + "; ".join(problems) + ". To keep what fits and initialise the rest "
                                    "(a new head), start with init_mode 'by_name' (Match layers by name).")
    assert graph is not None  # RunRequest asks for a graph, a graph_id or init_from_run
    return graph, version


async def requested_graph(starter: RunStarter, body: RunRequest) -> Graph:
    """The graph a request trains (its own, a saved graph's latest version, or init_from_run's),
    with the checks of the starting weights; HTTPException 422 as POST /api/runs answers."""
    graph, _ = await run_in_threadpool(_prepare, starter.db, body, starter.settings.runs_dir, starter.owner)
    return graph


def _requested_graph(db: Database, body: RunRequest, owner: str | None) -> tuple[Graph | None, int | None]:
    if body.graph is not None:
        return body.graph, None
    if body.graph_id is None:
        return None, None
    with db.session() as s:
        found = repo.get_graph(s, body.graph_id or "", owner=owner)
        if found is None:
            raise HTTPException(422, f"graph_id '{body.graph_id}' is not a saved graph.")
        _, ver = found
        return Graph.model_validate(ver.graph), ver.version


@dataclass
class RunStarter:
    """What starting a run needs from the app, for one caller: POST /api/runs and the sweep
    scheduler (sweeps/scheduler.py) start runs through the same checks and the same insert."""

    db: Database
    hub: EventHub
    executor: Executor
    settings: Settings
    datasets: DatasetRegistry  # as the caller sees them (api.deps.get_datasets)
    owner: str | None  # repo's ownership rule
    replica: str  # this server runs it (store/replicas.py)


@dataclass
class CheckedRun:
    """A run request that passed every check of POST /api/runs, ready to be stored and submitted."""

    body: RunRequest
    graph: Graph
    version: int | None
    train: TrainSettings


async def check_run(starter: RunStarter, body: RunRequest) -> CheckedRun:
    """Check the graph, data set, settings and budget as POST /api/runs does; HTTPException 422
    (a ProblemsDetail or a message) when something does not fit."""
    db, settings, datasets = starter.db, starter.settings, starter.datasets
    graph, version = await run_in_threadpool(_prepare, db, body, settings.runs_dir, starter.owner)
    report = await run_in_threadpool(validate_graph, graph)
    if not report.ok:
        detail = ProblemsDetail(message="The graph has problems.", problems=report.problems)
        raise HTTPException(422, detail.model_dump())
    frozen = await run_in_threadpool(frozen_problems, graph)
    if frozen:
        raise HTTPException(422, ProblemsDetail(message=frozen[0].message, problems=frozen).model_dump())
    try:
        info = await run_in_threadpool(datasets.info, body.dataset)
    except DatasetNotFound as err:
        raise HTTPException(422, str(err)) from None
    train = TrainSettings.model_validate(body.model_dump(include=set(TrainSettings.model_fields)))
    if (bad_augment := augment_problem(train.augment, info)) is not None:  # training/augment.py
        raise HTTPException(422, bad_augment)
    misfit = await run_in_threadpool(fit_problems, graph, info, train)
    if misfit:
        detail = ProblemsDetail(message=f"The graph does not fit data set '{info.id}'.", problems=misfit)
        raise HTTPException(422, detail.model_dump())
    analysis = analyze(graph)
    unfit = request_problems(train, analysis.outputs, info, output_shapes(analysis))  # training/request_checks.py
    if unfit:
        raise HTTPException(422, ProblemsDetail(message=unfit[0], problems=[Problem(message=m) for m in unfit]).model_dump())
    over = await run_in_threadpool(budget_problems_of, graph, train, settings)  # graph/budget.py
    if over:
        detail = ProblemsDetail(message="The model does not fit this server's budget.", problems=over)
        raise HTTPException(422, detail.model_dump())
    return CheckedRun(body, graph, version, train)


async def launch_run(starter: RunStarter, run: CheckedRun, *, sweep_id: str | None = None) -> RunRow:
    """Store a checked run `queued` (a trial of `sweep_id`, when given) and hand it to the executor.
    Call on the event loop (the hub is opened here)."""
    body, graph, version, train = run.body, run.graph, run.version, run.train
    request = RunRequestPublic.model_validate(
        {**train.model_dump(mode="json"), "graph_id": body.graph_id, "graph_version": version, "name": body.name}
    )
    graph_json = graph.model_dump(mode="json")

    def insert() -> RunRow:
        with starter.db.session() as s:
            return repo.create_run(
                s, name=body.name or f"{graph.name} · {body.dataset}", request=request.model_dump(mode="json"), graph=graph_json,
                dataset=body.dataset, graph_id=body.graph_id, graph_version=version, owner=starter.owner,
                replica=starter.replica, sweep_id=sweep_id,
            )

    row = await run_in_threadpool(insert)
    starter.hub.open(row.id)
    starter.hub.publish(row.id, StatusEvent(status="queued"))
    settings = starter.settings
    starter.executor.submit(
        Job(row.id, graph_json, train.model_dump(mode="json"), settings.runs_dir / row.id, settings.data_dir)
    )
    return row


@router.post("/runs", status_code=201, responses={422: {"model": ProblemsDetail}})
async def create_run(
    body: RunRequest, db: DbDep, hub: HubDep, executor: ExecutorDep, settings: SettingsDep, datasets: DatasetsDep,
    user: CurrentUser, http: Request,
) -> RunPublic:
    """Check the graph and data set, store the run `queued` and hand it to the executor."""
    starter = RunStarter(db, hub, executor, settings, datasets, user.owner, http.app.state.replica)
    checked = await check_run(starter, body)
    row = await launch_run(starter, checked)
    return RunPublic(
        **dict(run_summary(row)), graph=checked.graph, epochs=[], confusion_matrix=None, class_names=None
    )


@router.get("/runs")
def list_runs(
    session: SessionDep, user: CurrentUser, offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    q: Annotated[str | None, Query(max_length=200)] = None,
    tag: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    dataset: Annotated[str | None, Query(max_length=200)] = None,
    sort: Annotated[str, Query(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$")] = "created_at",
    order: Annotated[Literal["asc", "desc"], Query()] = "desc",
) -> RunsPublic:
    """The caller's runs (everyone's in token/none mode), newest first; `count` is the number of all
    that match (page with offset/limit). Filters: q (substring of name, notes, tags, data set), tag,
    status, dataset. sort: created_at, name, status, dataset, or a metric key: `val_accuracy` the last
    epoch's, `best_val_accuracy` the best epoch's, `test_accuracy` the test split's (runs without it last)."""
    filters = repo.RunFilter(q=q or None, tag=tag or None, status=status or None, dataset=dataset or None)
    rows = repo.list_runs(session, offset=offset, limit=limit, owner=user.owner, filters=filters, sort=sort,
                          descending=order == "desc")
    return RunsPublic(data=[run_summary(r) for r in rows], count=repo.count_runs(session, user.owner, filters))


@router.patch("/runs/{run_id}", responses={422: {"model": Message}})
def update_run(row: RunDep, body: RunMetaUpdate, session: SessionDep) -> RunPublic:
    """Rename a run, or replace its notes or tags."""
    repo.update_run_meta(session, row, name=body.name, notes=body.notes, tags=body.tags)
    return run_public(session, row)


@router.get("/runs/{run_id}")
def get_run(row: RunDep, session: SessionDep) -> RunPublic:
    return run_public(session, row)


@router.post("/runs/{run_id}/cancel", status_code=202)
async def cancel_run(row: RunDep, session: SessionDep, executor: ExecutorDep) -> RunPublic:
    """Ask a queued or running run to stop; it ends `cancelled` (the stream says when)."""
    run_id = row.id
    run = await run_in_threadpool(run_public, session, row)
    try:
        next_status(run.status, "cancelled")
    except IllegalTransition:
        raise HTTPException(409, f"Run '{run_id}' has already ended ({run.status}); there is nothing to cancel.") from None
    executor.cancel(run_id)
    return run


async def remove_run(
    run_id: str, db: Database, hub: EventHub, executor: Executor, settings: Settings, bundles: BundleCache
) -> bool:
    """Cancel the run if it is active, then remove it, its history and its artifacts; False (nothing
    removed) while it is still stopping. DELETE /api/runs/{id} and DELETE /api/sweeps/{id} use it."""
    if hub.is_active(run_id):
        executor.cancel(run_id, reason="the run was deleted")
        if not await hub.wait_done(run_id, timeout=getattr(executor, "grace_s", 5.0) + 10):
            return False

    def remove() -> None:
        with db.session() as s:
            row = s.get(RunRow, run_id)
            if row is not None:
                repo.delete_run(s, row)
        run_dir = settings.runs_dir / run_id
        bundles.forget(run_dir / FILE_NAME)
        if run_dir.resolve().parent == settings.runs_dir.resolve():
            shutil.rmtree(run_dir, ignore_errors=True)

    await run_in_threadpool(remove)
    return True


@router.delete("/runs/{run_id}", status_code=204)
async def delete_run(
    row: RunDep, db: DbDep, hub: HubDep, executor: ExecutorDep, settings: SettingsDep, request: Request
) -> Response:
    """Cancel the run if it is active, then remove it, its history and its artifacts."""
    run_id = row.id  # RunDep: 404 first, for a missing run and for another user's alike
    if not await remove_run(run_id, db, hub, executor, settings, request.app.state.bundles):
        raise HTTPException(409, f"Run '{run_id}' is still stopping; try again in a moment.")
    return Response(status_code=204)


def _model_path(row: RunRow, runs_dir: Path) -> Path:
    path = runs_dir / row.id / FILE_NAME
    if not path.is_file():
        raise HTTPException(409, f"Run '{row.id}' has no trained model (status {row.status}).")
    return path


def _as_json(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_as_json(v) for v in value]
    return value.tolist() if hasattr(value, "tolist") else value


@router.post("/runs/{run_id}/predict", responses={409: {"model": Message}, 422: {"model": Message}})
def predict(
    row: RunDep, body: PredictRequest, settings: SettingsDep, datasets: DatasetsDep, request: Request
) -> PredictResponse:
    """Outputs of the trained model for a batch in the graph's layout (probabilities for classifiers),
    or for raw strings on a text model (tokenised as its data set was; `tokens` says how); with
    `nodes`, those nodes' outputs instead (features at an intermediate layer). A series model answers
    in the target's original units."""
    from ...training.bundle import predict as run_predict
    from ..predict_io import dataset_info, finish_outputs, prepare_inputs

    path = _model_path(row, settings.runs_dir)
    try:
        bundle = request.app.state.bundles.get(path)
    except Exception as err:  # noqa: BLE001  (a foreign or damaged file: say so, not 500)
        raise HTTPException(409, f"The model of run '{row.id}' could not be loaded: {err}") from None
    inputs, tokens = prepare_inputs(bundle, body.inputs, row.dataset, settings, datasets, whole=body.nodes is None)
    if body.nodes is not None:  # features at intermediate nodes (api/features.py)
        answer = predict_at_nodes(request.app.state.bundles, path, body.nodes, inputs)
        return answer.model_copy(update={"tokens": tokens})
    try:
        outputs = run_predict(bundle, inputs)
    except ValueError as err:
        raise HTTPException(422, str(err)) from None
    outputs = finish_outputs(dataset_info(datasets, row.dataset), outputs)
    return PredictResponse(outputs=json_safe(_as_json(outputs)), tokens=tokens)


@router.post("/runs/{run_id}/evaluate", responses={409: {"model": Message}, 422: {"model": Message}})
def evaluate(
    row: RunDep, settings: SettingsDep, datasets: DatasetsDep, request: Request,
    dataset: Annotated[str | None, Query()] = None,
) -> EvaluateResponse:
    """Loss and metrics of the trained model on its data set's test split (plus a confusion matrix
    for classifiers); `?dataset=` evaluates on another data set (an imported model's)."""
    path = _model_path(row, settings.runs_dir)
    try:
        bundle = request.app.state.bundles.get(path)
    except Exception as err:  # noqa: BLE001
        raise HTTPException(409, f"The model of run '{row.id}' could not be loaded: {err}") from None
    try:
        return evaluate_bundle(bundle, dataset or row.dataset, datasets)
    except ValueError as err:
        raise HTTPException(422, str(err)) from None
