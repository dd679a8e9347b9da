"""The sweep scheduler: one asyncio task per app that keeps each sweep's trials going.

Every `poll_s` (or sooner, when a route calls `wake`) it reads this server's active sweeps from the
database and, for each: feeds the epochs its trials reported to ASHA (stopping the poor ones),
starts trials until `parallelism` of them are queued or running (through the same checks and insert
as POST /api/runs: api/routes/runs.py), and ends the sweep `finished` when every planned trial has
ended. The database is the memory (trials are runs; a trial's state is its run's status); only the
ASHA rungs live here, which is why a sweep left running by a restart is cancelled at start.

Routes that change a sweep (cancel, delete) take `lock`, so a trial is never started for a sweep
that was just cancelled.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException

from ..config import Settings
from ..data.registry import DatasetRegistry
from ..run_states import ACTIVE
from ..store import repo
from ..store.db import Database
from ..store.models import RunRow, SweepRow
from ..training.runner import Executor
from .asha import Asha
from .objective import best_trial, objective_of, value_at
from .plan import Plan, make_plan
from .space import SpaceError
from .spec import SweepCreate

log = logging.getLogger(__name__)

IDLE_POLL_S = 5.0  # between ticks while no sweep is active (routes wake the loop at once)


def trial_name(sweep_name: str, index: int) -> str:
    return f"{sweep_name} · trial {index + 1}"


def asha_note(epoch: int) -> str:
    return f"stopped early by ASHA at epoch {epoch}"


def detail_text(err: HTTPException) -> str:
    """An HTTPException's detail as one line: a ProblemsDetail's message, then each problem with
    the node and field it names."""
    detail: Any = err.detail
    if not isinstance(detail, dict):
        return str(detail)
    parts = [str(detail.get("message", ""))]
    for p in detail.get("problems") or []:
        if not isinstance(p, dict) or p.get("message") == detail.get("message"):
            continue
        where = " ".join(x for x in (f"node '{p['node']}'" if p.get("node") else "",
                                     f"{p['field']}" if p.get("field") else "") if x)
        parts.append(f"{where}: {p.get('message', '')}" if where else str(p.get("message", "")))
    return " ".join(parts).strip()


@dataclass
class _Trials:
    """A sweep's runs as the scheduler sees them in one tick."""

    status: dict[str, str]  # run id → status
    epochs: dict[str, list[dict[str, Any]]]  # run id → each epoch's metrics, in order (runs asked for)


class SweepScheduler:
    def __init__(self, db: Database, hub: Any, executor: Executor, settings: Settings,
                 datasets: DatasetRegistry, replica: str, poll_s: float = 0.25):
        self.db, self.hub, self.executor, self.settings = db, hub, executor, settings
        self.datasets, self.replica, self.poll_s = datasets, replica, poll_s
        self.lock = asyncio.Lock()
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._plans: dict[str, Plan] = {}
        self._specs: dict[str, SweepCreate] = {}  # parsed once: a base graph can be big
        self._asha: dict[str, Asha] = {}
        self._judged: dict[str, int] = {}  # run id → epochs fed to ASHA so far
        self._settled: set[str] = set()  # ended runs whose epochs were all fed
        self._statuses: dict[str, dict[str, str]] = {}  # sweep id → its runs' statuses at the last tick

    # -- life -----------------------------------------------------------------------------------

    async def start(self) -> None:
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._loop(), name="netcanvas-sweep-scheduler")

    async def stop(self) -> None:
        """End the loop; this server's unfinished sweeps end cancelled (the executor's shutdown
        cancels their trials)."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        await asyncio.to_thread(self._cancel_mine, "the server shut down while this sweep ran")

    def wake(self) -> None:
        if self._wake is not None:
            self._wake.set()

    def adopt(self, sweep_id: str, plan: Plan) -> None:
        """The plan the route built when it checked the sweep (saves resolving the base graph again)."""
        self._plans[sweep_id] = plan

    def forget(self, sweep_id: str) -> None:
        """Drop what is kept in memory of a sweep that ended."""
        self._plans.pop(sweep_id, None)
        self._specs.pop(sweep_id, None)
        self._asha.pop(sweep_id, None)
        self._statuses.pop(sweep_id, None)

    # -- the loop -------------------------------------------------------------------------------

    async def _loop(self) -> None:
        assert self._wake is not None
        while True:
            busy = True
            try:
                async with self.lock:
                    busy = await self.tick()
            except Exception:  # a database hiccup must not end the loop; the next tick retries
                log.exception("sweep scheduler: a tick failed")
            try:  # idle (no sweep of ours is active): a new sweep wakes the loop, the long wait is a safety net
                await asyncio.wait_for(self._wake.wait(), self.poll_s if busy else IDLE_POLL_S)
            except TimeoutError:
                pass
            self._wake.clear()

    async def tick(self) -> bool:
        """One pass over this server's active sweeps (call holding `lock`); whether there were any."""
        sweeps = await asyncio.to_thread(self._active)
        for sweep in sweeps:
            await self._advance(sweep)
        return bool(sweeps)

    async def _advance(self, sweep: SweepRow) -> None:
        spec = self._specs.get(sweep.id)
        if spec is None:
            spec = self._specs[sweep.id] = SweepCreate.model_validate(sweep.request)
        trials = [dict(t) for t in sweep.trials]
        runs = await asyncio.to_thread(self._read_trials, sweep.id, spec.early_termination is not None)
        changed = self._feed_asha(sweep.id, spec, trials, runs) if spec.early_termination else False
        active = sum(1 for s in runs.status.values() if s in ACTIVE)
        for index, trial in enumerate(trials):
            if active >= spec.parallelism:
                break
            if trial.get("run_id") or trial.get("note"):
                continue
            trial["run_id"], trial["note"] = await self._start_trial(sweep, spec, index, trial["params"])
            active += trial["run_id"] is not None
            changed = True
        pending = any(not t.get("run_id") and not t.get("note") for t in trials)
        done = not pending and active == 0
        moved = self._statuses.get(sweep.id) != runs.status  # a trial ended: the best may change
        self._statuses[sweep.id] = runs.status
        best = await asyncio.to_thread(self._best, sweep.id, spec) if done or moved else sweep.best_run_id
        await asyncio.to_thread(self._save, sweep.id, trials if changed else None, best, done)
        if done:
            self.forget(sweep.id)

    # -- ASHA -----------------------------------------------------------------------------------

    def _feed_asha(self, sweep_id: str, spec: SweepCreate, trials: list[dict[str, Any]], runs: _Trials) -> bool:
        """Record each trial's new rung values; stop those ASHA drops. Whether a trial note changed."""
        rule = spec.early_termination
        assert rule is not None
        asha = self._asha.setdefault(sweep_id, Asha(rule.grace_epochs, rule.reduction_factor, spec.objective.mode))
        changed = False
        for trial in trials:
            run_id = trial.get("run_id")
            if not run_id or run_id in self._settled or run_id not in runs.epochs:
                continue
            epochs = runs.epochs[run_id]
            for number, metrics in enumerate(epochs[self._judged.get(run_id, 0):], start=self._judged.get(run_id, 0) + 1):
                self._judged[run_id] = number
                reported, value = value_at(metrics, spec.objective)
                if not reported or not asha.is_rung(number) or asha.seen(run_id, number):
                    continue
                if not asha.report(run_id, number, value) and runs.status[run_id] in ACTIVE:
                    self.executor.cancel(run_id, reason=asha_note(number))
                    trial["note"], changed = asha_note(number), True
                    self._settled.add(run_id)
                    break
            if runs.status[run_id] not in ACTIVE:
                self._settled.add(run_id)
        return changed

    # -- starting a trial -----------------------------------------------------------------------

    async def _start_trial(self, sweep: SweepRow, spec: SweepCreate, index: int,
                           params: dict[str, Any]) -> tuple[str | None, str | None]:
        """(run id, None) once started; (None, why) when the trial no longer passes the checks of
        POST /api/runs (a data set removed since the sweep was made…): the sweep goes on without it."""
        from ..api.auth.datasets import OwnedDatasets
        from ..api.routes.runs import RunStarter, check_run, launch_run, requested_graph

        datasets = self.datasets if sweep.owner_id is None else OwnedDatasets(self.datasets, sweep.owner_id)
        starter = RunStarter(self.db, self.hub, self.executor, self.settings, datasets, sweep.owner_id, self.replica)
        try:
            plan = self._plans.get(sweep.id)
            if plan is None:
                plan = self._plans[sweep.id] = make_plan(spec, await requested_graph(starter, spec.base))
            body = plan.trial_body(params).model_copy(update={"name": trial_name(sweep.name, index)})
            row = await launch_run(starter, await check_run(starter, body), sweep_id=sweep.id)
        except HTTPException as err:
            return None, f"not started: {detail_text(err)}"
        except SpaceError as err:
            return None, f"not started: {err}"
        return row.id, None

    # -- the database (worker threads) ------------------------------------------------------------

    def _active(self) -> list[SweepRow]:
        with self.db.session() as s:
            return repo.active_sweeps(s, self.replica)

    def _read_trials(self, sweep_id: str, with_epochs: bool) -> _Trials:
        with self.db.session() as s:
            rows = repo.sweep_trials(s, sweep_id)
            status = {r.id: r.status for r in rows}
            epochs: dict[str, list[dict[str, Any]]] = {}
            if with_epochs:
                for r in rows:
                    if r.id not in self._settled:
                        epochs[r.id] = [e.payload.get("metrics") or {} for e in repo.run_events(s, r.id, types=["epoch"])]
            return _Trials(status, epochs)

    def _best(self, sweep_id: str, spec: SweepCreate) -> str | None:
        """The succeeded trial with the best objective."""
        with self.db.session() as s:
            return best_of_trials(s, repo.sweep_trials(s, sweep_id), spec)

    def _save(self, sweep_id: str, trials: list[dict[str, Any]] | None, best: str | None, done: bool) -> None:
        with self.db.session() as s:
            row = s.get(SweepRow, sweep_id)
            if row is None or row.status not in repo.SWEEP_ACTIVE:
                return
            if trials is not None:
                row.trials = trials
            row.best_run_id = best
            if row.status == "queued" and any(t.get("run_id") for t in row.trials):
                row.status = "running"
            s.commit()
            if done:
                repo.end_sweep(s, row, "finished")

    def _cancel_mine(self, reason: str) -> None:
        with self.db.session() as s:
            for row in repo.active_sweeps(s, self.replica):
                repo.end_sweep(s, row, "cancelled", reason)


def trial_objectives(s: Any, rows: list[RunRow], spec: SweepCreate) -> dict[str, float | None]:
    """Each trial run's objective: the best value of the metric over its epochs."""
    return {
        r.id: objective_of((e.payload.get("metrics") or {} for e in repo.run_events(s, r.id, types=["epoch"])),
                           spec.objective)
        for r in rows
    }


def best_of_trials(s: Any, rows: list[RunRow], spec: SweepCreate) -> str | None:
    """The succeeded trial with the best objective (None while none has succeeded with one)."""
    done = [r for r in rows if r.status == "succeeded"]
    values = trial_objectives(s, done, spec)
    return best_trial([(r.id, values[r.id]) for r in done], spec.objective)
