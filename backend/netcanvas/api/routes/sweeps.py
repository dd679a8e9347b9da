"""Sweeps: many configurations of one run request, each trial an ordinary run (docs/sweeps.md)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, cast

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from ...graph.schema import Problem
from ...run_states import ACTIVE
from ...store import repo
from ...store.models import RunRow, SweepRow
from ...sweeps.plan import make_plan, points_of
from ...sweeps.scheduler import SweepScheduler, detail_text, trial_name, trial_objectives
from ...sweeps.space import SpaceError
from ...sweeps.spec import SweepCreate
from ..deps import CurrentUser, DatasetsDep, DbDep, ExecutorDep, HubDep, SessionDep, SettingsDep
from ..schemas import Message, ProblemsDetail, SweepPublic, SweepsPublic, SweepSummary, TrialPublic
from .runs import RunStarter, check_run, remove_run, requested_graph

router = APIRouter(prefix="/api", tags=["sweeps"])


def _scheduler(http: Request) -> SweepScheduler:
    return cast(SweepScheduler, http.app.state.sweeps)


def _refused(message: str, err: HTTPException | None = None) -> HTTPException:
    """A 422 ProblemsDetail: `message` first, then the problems of the run check that refused."""
    problems: list[Problem] = []
    detail: Any = err.detail if err is not None else None
    if isinstance(detail, dict):
        problems = [Problem.model_validate(p) for p in detail.get("problems") or []]
    return HTTPException(422, ProblemsDetail(message=message, problems=problems or [Problem(message=message)]).model_dump())


def _params_text(params: dict[str, Any]) -> str:
    return ", ".join(f"{path}={json.dumps(value)}" for path, value in params.items())


@router.post("/sweeps", status_code=201, responses={422: {"model": ProblemsDetail}})
async def create_sweep(
    body: SweepCreate, db: DbDep, hub: HubDep, executor: ExecutorDep, settings: SettingsDep, datasets: DatasetsDep,
    user: CurrentUser, http: Request,
) -> SweepPublic:
    """Plan the trials (the grid, or seeded draws), check every one as POST /api/runs would, store
    the sweep `queued`; the scheduler starts its trials, `parallelism` at a time."""
    starter = RunStarter(db, hub, executor, settings, datasets, user.owner, http.app.state.replica)
    try:
        graph = await requested_graph(starter, body.base)
    except HTTPException as err:
        raise _refused(f"base: {detail_text(err)}", err) from None
    try:
        plan = make_plan(body, graph)
        points = points_of(body)
    except SpaceError as err:
        raise _refused(str(err)) from None
    checked: set[str] = set()
    for index, point in enumerate(points):
        where = f"trial {index + 1} ({_params_text(point)})"
        try:
            trial = plan.trial_body(point)
        except SpaceError as err:
            raise _refused(f"{where}: {err}") from None
        key = trial.model_dump_json()
        if key in checked:  # a random search may draw the same choices twice
            continue
        try:
            await check_run(starter, trial)
        except HTTPException as err:
            raise _refused(f"{where}: {detail_text(err)}", err) from None
        checked.add(key)
    name = body.name or f"{graph.name} sweep"
    trials = [{"params": p, "run_id": None, "note": None} for p in points]

    def insert() -> SweepRow:
        with db.session() as s:
            return repo.create_sweep(s, name=name, request=body.model_dump(mode="json", exclude_unset=True),
                                     trials=trials, owner=user.owner, replica=starter.replica)

    row = await run_in_threadpool(insert)
    scheduler = _scheduler(http)
    scheduler.adopt(row.id, plan)
    scheduler.wake()
    return await run_in_threadpool(_read_public, db, row.id)


@router.get("/sweeps")
def list_sweeps(session: SessionDep, user: CurrentUser) -> SweepsPublic:
    """The caller's sweeps (everyone's in token/none mode), newest first."""
    rows = repo.list_sweeps(session, user.owner)
    return SweepsPublic(data=[_summary(session, r)[0] for r in rows], count=len(rows))


@router.get("/sweeps/{sweep_id}", responses={404: {"model": Message}})
def get_sweep(sweep_id: str, session: SessionDep, user: CurrentUser) -> SweepPublic:
    """The sweep with its trials: run, status, sampled params, metrics, objective; the best marked."""
    return sweep_public(session, _owned(session, sweep_id, user.owner))


@router.post("/sweeps/{sweep_id}/cancel", responses={404: {"model": Message}, 409: {"model": Message}})
async def cancel_sweep(sweep_id: str, db: DbDep, executor: ExecutorDep, user: CurrentUser, http: Request) -> SweepPublic:
    """Stop a queued or running sweep: no further trial starts, its queued and running trials are cancelled."""
    scheduler = _scheduler(http)
    async with scheduler.lock:
        def end() -> list[str]:
            with db.session() as s:
                row = _owned(s, sweep_id, user.owner)
                if row.status not in repo.SWEEP_ACTIVE:
                    raise HTTPException(409, f"Sweep '{sweep_id}' has already ended ({row.status}); there is nothing to cancel.")
                repo.end_sweep(s, row, "cancelled", "cancelled by the user")
                return [r.id for r in repo.sweep_trials(s, sweep_id) if r.status in ACTIVE]

        for run_id in await run_in_threadpool(end):
            executor.cancel(run_id, reason="the sweep was cancelled")
        scheduler.forget(sweep_id)
    return await run_in_threadpool(_read_public, db, sweep_id)


@router.delete("/sweeps/{sweep_id}", status_code=204, responses={404: {"model": Message}, 409: {"model": Message}})
async def delete_sweep(
    sweep_id: str, db: DbDep, hub: HubDep, executor: ExecutorDep, settings: SettingsDep, user: CurrentUser,
    http: Request,
) -> Response:
    """Cancel the sweep if it is active, then remove it and its trial runs (their history and artifacts)."""
    scheduler = _scheduler(http)
    async with scheduler.lock:
        def trial_ids() -> list[str]:
            with db.session() as s:
                row = _owned(s, sweep_id, user.owner)
                repo.end_sweep(s, row, "cancelled", "the sweep was deleted")
                return [r.id for r in repo.sweep_trials(s, sweep_id)]

        for run_id in await run_in_threadpool(trial_ids):
            if not await remove_run(run_id, db, hub, executor, settings, http.app.state.bundles):
                raise HTTPException(409, f"Trial run '{run_id}' of sweep '{sweep_id}' is still stopping; try again in a moment.")

        def remove() -> None:
            with db.session() as s:
                row = s.get(SweepRow, sweep_id)
                if row is not None:
                    repo.delete_sweep(s, row)

        await run_in_threadpool(remove)
        scheduler.forget(sweep_id)
    return Response(status_code=204)


# -- reading ------------------------------------------------------------------------------------


def _owned(s: Session, sweep_id: str, owner: str | None) -> SweepRow:
    """The sweep, or 404 (another user's answers word for word as a missing one)."""
    row = repo.get_sweep(s, sweep_id, owner)
    if row is None:
        raise HTTPException(404, f"Sweep '{sweep_id}' not found.")
    return row


def _read_public(db: Any, sweep_id: str) -> SweepPublic:
    with db.session() as s:
        row = s.get(SweepRow, sweep_id)
        assert row is not None  # made or checked by the caller just now
        return sweep_public(s, row)


def _trials(s: Session, row: SweepRow, spec: SweepCreate) -> list[TrialPublic]:
    runs: dict[str, RunRow] = {r.id: r for r in repo.sweep_trials(s, row.id)}
    objectives = trial_objectives(s, list(runs.values()), spec)
    out: list[TrialPublic] = []
    for index, trial in enumerate(row.trials):
        run = runs.get(trial.get("run_id") or "")
        base = TrialPublic(index=index + 1, run_id=trial.get("run_id"), name=trial_name(row.name, index),
                           status="pending" if row.status in repo.SWEEP_ACTIVE else "not_started",
                           params=trial.get("params") or {}, note=trial.get("note"))
        if trial.get("note") and run is None:
            base.status = "not_started"
        if run is not None:
            base = base.model_copy(update={
                "name": run.name, "status": run.status, "error": run.error, "final_metrics": run.final_metrics,
                "best_metrics": run.best_metrics, "objective": objectives.get(run.id), "best": run.id == row.best_run_id,
            })
        out.append(base)
    return out


def _summary(s: Session, row: SweepRow) -> tuple[SweepSummary, SweepCreate, list[TrialPublic]]:
    spec = SweepCreate.model_validate(row.request)
    trials = _trials(s, row, spec)
    best = next((t.objective for t in trials if t.best), None)
    summary = SweepSummary(
        id=row.id, name=row.name, status=cast(Any, row.status), reason=row.reason, created_at=row.created_at,
        finished_at=row.finished_at, algorithm=spec.algorithm, space=spec.space, objective=spec.objective,
        parallelism=spec.parallelism, early_termination=spec.early_termination, planned=len(trials),
        counts=dict(Counter(t.status for t in trials)), best_run_id=row.best_run_id, best_objective=best,
    )
    return summary, spec, trials


def sweep_public(s: Session, row: SweepRow) -> SweepPublic:
    summary, spec, trials = _summary(s, row)
    return SweepPublic(**dict(summary), request=spec, trials=trials)
