"""Queries and writes, one function per thing a route or the event hub needs (no logic in routes)."""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, Text, and_, cast, func, or_, select, update
from sqlalchemy.orm import Session

from ..run_states import ACTIVE, RunStatus, as_status, is_final, next_status
from ..training.events import EpochEvent, Event, ResultEvent, StatusEvent, to_json
from .models import GraphRow, GraphVersionRow, RunEventRow, RunRow, SweepRow, utcnow

log = logging.getLogger(__name__)

# -- ownership ----------------------------------------------------------------------------------
# `owner` below is a users.id in users mode, or None in token/none mode: None means no filter (one
# person owns the whole server). The API passes the signed-in user's (api/deps.py); the rule lives
# here once, so a list, a get by id and an id named in a request body all answer alike.

Owned = GraphRow | RunRow | SweepRow
Q = TypeVar("Q", bound=Select)


def visible(row: Owned | None, owner: str | None) -> bool:
    return row is not None and (owner is None or row.owner_id == owner)


def _owned(q: Q, model: type[Owned], owner: str | None) -> Q:
    return q if owner is None else q.where(model.owner_id == owner)


def get_graph_row(s: Session, graph_id: str, owner: str | None) -> GraphRow | None:
    row = s.get(GraphRow, graph_id)
    return row if visible(row, owner) else None


def get_run(s: Session, run_id: str, owner: str | None) -> RunRow | None:
    row = s.get(RunRow, run_id)
    return row if visible(row, owner) else None


def claim_unowned(s: Session, owner: str) -> int:
    """Give every graph and run without an owner (made before accounts, or in token/none mode) to
    `owner`: the first admin, when the server starts in users mode. Returns how many rows changed."""
    n = 0
    for model in (GraphRow, RunRow, SweepRow):
        result = s.execute(update(model).where(model.owner_id.is_(None)).values(owner_id=owner))
        n += int(getattr(result, "rowcount", 0) or 0)
    s.commit()
    return n


def reassign_owner(s: Session, old: str, new: str | None) -> None:
    """A removed user's graphs, runs and sweeps pass to `new` (an admin), so nothing becomes orphaned."""
    for model in (GraphRow, RunRow, SweepRow):
        s.execute(update(model).where(model.owner_id == old).values(owner_id=new))
    s.commit()

# -- graphs -------------------------------------------------------------------------------------


def create_graph(s: Session, graph: dict[str, Any], owner: str | None = None) -> tuple[GraphRow, GraphVersionRow]:
    row = GraphRow(name=graph.get("name") or "untitled", version=1, owner_id=owner)
    ver = GraphVersionRow(version=1, graph=graph)
    row.versions.append(ver)
    s.add(row)
    s.commit()
    return row, ver


def list_graphs(s: Session, owner: str | None = None) -> list[tuple[GraphRow, GraphVersionRow]]:
    q = select(GraphRow, GraphVersionRow).join(
        GraphVersionRow, (GraphVersionRow.graph_id == GraphRow.id) & (GraphVersionRow.version == GraphRow.version))
    rows = s.execute(_owned(q, GraphRow, owner).order_by(GraphRow.updated_at.desc())).all()
    return [(g, v) for g, v in rows]


def graph_versions(s: Session, graph_id: str) -> list[GraphVersionRow]:
    """Every stored version of a graph, oldest first."""
    q = select(GraphVersionRow).where(GraphVersionRow.graph_id == graph_id).order_by(GraphVersionRow.version)
    return list(s.scalars(q))


def get_graph(
    s: Session, graph_id: str, version: int | None = None, owner: str | None = None
) -> tuple[GraphRow, GraphVersionRow] | None:
    row = get_graph_row(s, graph_id, owner)
    if row is None:
        return None
    ver = s.scalar(
        select(GraphVersionRow).where(
            GraphVersionRow.graph_id == graph_id, GraphVersionRow.version == (version or row.version)
        )
    )
    return None if ver is None else (row, ver)


def update_graph(s: Session, row: GraphRow, graph: dict[str, Any]) -> GraphVersionRow:
    row.version += 1
    row.name = graph.get("name") or row.name
    row.updated_at = utcnow()
    ver = GraphVersionRow(graph_id=row.id, version=row.version, graph=graph)
    s.add(ver)
    s.commit()
    return ver


def delete_graph(s: Session, row: GraphRow) -> None:
    s.delete(row)
    s.commit()


# -- runs ---------------------------------------------------------------------------------------


def create_run(
    s: Session, *, name: str, request: dict[str, Any], graph: dict[str, Any], dataset: str,
    graph_id: str | None = None, graph_version: int | None = None, status: RunStatus = "queued",
    artifacts: list[str] | None = None, owner: str | None = None, replica: str | None = None,
    sweep_id: str | None = None,
) -> RunRow:
    """A new run; `status="imported"` (with its artifacts) for a model that was not trained here;
    `sweep_id`: a trial of that sweep."""
    row = RunRow(
        name=name, status=next_status(None, status), request=request, graph=graph, dataset=dataset,
        graph_id=graph_id, graph_version=graph_version, artifacts=list(artifacts or []), owner_id=owner,
        replica=replica, sweep_id=sweep_id,
    )
    s.add(row)
    s.commit()
    return row


@dataclass
class RunFilter:
    """GET /api/runs's filters: q a case-insensitive substring of name, notes, tags or data set;
    tag, status and dataset exact matches. None: no filter."""

    q: str | None = None
    tag: str | None = None
    status: str | None = None
    dataset: str | None = None


def _filtered(q: Q, f: RunFilter | None) -> Q:
    if f is None:
        return q
    if f.q:
        like = f"%{f.q.lower()}%"
        # tags is a JSON list: its text form holds every tag, so one LIKE covers them (SQLite, Postgres)
        q = q.where(or_(func.lower(RunRow.name).like(like), func.lower(RunRow.notes).like(like),
                        func.lower(RunRow.dataset).like(like), func.lower(cast(RunRow.tags, Text)).like(like)))
    if f.tag:
        q = q.where(cast(RunRow.tags, Text).like(f"%{json.dumps(f.tag)}%"))  # narrowed exactly in Python
    if f.status:
        q = q.where(RunRow.status == f.status)
    if f.dataset:
        q = q.where(RunRow.dataset == f.dataset)
    return q


SQL_SORTS = {"created_at": RunRow.created_at, "name": RunRow.name, "status": RunRow.status,
             "dataset": RunRow.dataset}


def list_runs(
    s: Session, offset: int = 0, limit: int | None = None, owner: str | None = None,
    filters: RunFilter | None = None, sort: str = "created_at", descending: bool = True,
) -> list[RunRow]:
    """Newest first by default; `sort` one of SQL_SORTS (in SQL, paged there) or a metric key
    (metric_value: sorted in Python over the filtered rows, runs without it last)."""
    q = _filtered(_owned(select(RunRow), RunRow, owner), filters)
    tag = filters.tag if filters else None
    column = SQL_SORTS.get(sort)
    if column is not None and not tag:
        q = q.order_by(column.desc() if descending else column.asc(), RunRow.id).offset(offset)
        return list(s.scalars(q if limit is None else q.limit(limit)))
    rows = [r for r in s.scalars(q.order_by(RunRow.created_at.desc(), RunRow.id)) if not tag or tag in (r.tags or [])]
    if column is not None:
        rows.sort(key=lambda r: getattr(r, sort), reverse=descending)
    else:
        have = [r for r in rows if metric_value(r, sort) is not None]
        have.sort(key=lambda r: metric_value(r, sort) or 0.0, reverse=descending)
        rows = have + [r for r in rows if metric_value(r, sort) is None]
    return rows[offset:] if limit is None else rows[offset:offset + limit]


def metric_value(row: RunRow, key: str) -> float | None:
    """A sort key's number: "best_<k>" reads best_metrics[k], "test_<k>" test_metrics[k], any
    other key final_metrics[key] (the last epoch's). None: the run has no such number."""
    source, name = row.final_metrics, key
    for prefix, metrics in (("best_", row.best_metrics), ("test_", row.test_metrics)):
        if key.startswith(prefix):
            source, name = metrics, key.removeprefix(prefix)
    value = (source or {}).get(name)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def count_runs(s: Session, owner: str | None = None, filters: RunFilter | None = None) -> int:
    if filters is not None and filters.tag:  # the tag match is finished in Python
        return len(list_runs(s, owner=owner, filters=filters))
    q = _filtered(_owned(select(func.count()).select_from(RunRow), RunRow, owner), filters)
    return s.scalar(q) or 0


def update_run_meta(
    s: Session, row: RunRow, *, name: str | None = None, notes: str | None = None, tags: list[str] | None = None,
) -> RunRow:
    """Rename a run, or replace its notes or tags (None: leave as is)."""
    if name is not None:
        row.name = name
    if notes is not None:
        row.notes = notes
    if tags is not None:
        row.tags = list(tags)
    s.commit()
    return row


def run_events(s: Session, run_id: str, types: Sequence[str] | None = None) -> list[RunEventRow]:
    q = select(RunEventRow).where(RunEventRow.run_id == run_id)
    if types:
        q = q.where(RunEventRow.type.in_(types))
    return list(s.scalars(q.order_by(RunEventRow.seq)))


def delete_run(s: Session, row: RunRow) -> None:
    s.delete(row)
    s.commit()


def interrupt_unfinished_runs(
    s: Session, reason: str = "server restarted", *, spare: Collection[str] = (), unowned: bool = True,
) -> list[str]:
    """Runs left queued or running end `interrupted` with `reason`, in their history too (their worker
    died with the server that ran it; nobody will report how they ended). Runs of the replicas in
    `spare` (live servers sharing the database: store/replicas.py) are left alone; `unowned`: also
    runs that record no replica (made before replicas were recorded)."""
    q = select(RunRow).where(RunRow.status.in_(sorted(ACTIVE)))
    others = RunRow.replica.not_in(sorted(spare)) if spare else RunRow.replica.is_not(None)
    q = q.where(or_(RunRow.replica.is_(None), others) if unowned else and_(RunRow.replica.is_not(None), others))
    rows = list(s.scalars(q))
    for row in rows:
        last = s.scalar(select(func.max(RunEventRow.seq)).where(RunEventRow.run_id == row.id)) or 0
        _apply(s, row, StoredEvent(row.id, last + 1, StatusEvent(status="interrupted", device=row.device,
                                                                  error=reason)), utcnow())
    s.commit()
    return [r.id for r in rows]


@dataclass
class StoredEvent:
    """An event the hub hands to the database: `store` False means only its effect on the run row."""

    run_id: str
    seq: int
    event: Event
    store: bool = True


def best_of(current: dict[str, Any] | None, metrics: dict[str, Any]) -> dict[str, Any]:
    """The better epoch: lowest val_loss when there is one, else lowest loss (null, from a
    diverging loss, is never better)."""
    key = "val_loss" if "val_loss" in metrics else "loss"
    if current is None or current.get(key) is None:
        return metrics
    if metrics.get(key) is None:
        return current
    return metrics if metrics[key] <= current[key] else current


def apply_events(s: Session, events: Sequence[StoredEvent]) -> None:
    """Write events and fold them into their run rows, in one transaction. A status change the
    run's states do not allow (run_states) is refused: logged, neither stored nor applied."""
    rows: dict[str, RunRow | None] = {}
    now: datetime = utcnow()
    for ev in events:
        if ev.run_id not in rows:
            rows[ev.run_id] = s.get(RunRow, ev.run_id)
        row = rows[ev.run_id]
        if row is not None:  # None: deleted meanwhile
            _apply(s, row, ev, now)
    s.commit()


def _apply(s: Session, row: RunRow, ev: StoredEvent, now: datetime) -> None:
    event = ev.event
    if isinstance(event, StatusEvent):
        try:
            status = next_status(as_status(row.status), event.status)
        except ValueError as err:  # IllegalTransition, or a stored status this version does not know
            log.warning("run %s: status event refused: %s", row.id, err)
            return
        row.status = status
        if event.device:
            row.device = event.device
        if status == "running" and row.started_at is None:
            row.started_at = now
        if is_final(status):
            row.finished_at = now
            row.error = event.error
    payload = to_json(event)  # the database edge: JSON from here on (NaN → null)
    if isinstance(event, EpochEvent):
        metrics = dict(payload["metrics"])
        row.final_metrics = metrics
        row.best_metrics = best_of(row.best_metrics, metrics)
    elif isinstance(event, ResultEvent):
        row.test_metrics = dict(payload["test_metrics"])
        row.artifacts = list(event.artifacts)
        if event.confusion_matrix is not None:
            row.confusion_matrix = event.confusion_matrix
        if event.class_names is not None:
            row.class_names = event.class_names
    if ev.store:
        s.add(RunEventRow(run_id=ev.run_id, seq=ev.seq, type=event.type, payload=payload, created_at=now))


# -- sweeps -------------------------------------------------------------------------------------
# A sweep's own state (its planned trials, status, best run); its trials are runs with sweep_id.

SWEEP_ACTIVE = ("queued", "running")


def create_sweep(
    s: Session, *, name: str, request: dict[str, Any], trials: list[dict[str, Any]], owner: str | None,
    replica: str | None,
) -> SweepRow:
    row = SweepRow(name=name, request=request, trials=trials, status="queued", owner_id=owner, replica=replica)
    s.add(row)
    s.commit()
    return row


def get_sweep(s: Session, sweep_id: str, owner: str | None) -> SweepRow | None:
    row = s.get(SweepRow, sweep_id)
    return row if visible(row, owner) else None


def list_sweeps(s: Session, owner: str | None) -> list[SweepRow]:
    q = _owned(select(SweepRow), SweepRow, owner).order_by(SweepRow.created_at.desc(), SweepRow.id)
    return list(s.scalars(q))


def active_sweeps(s: Session, replica: str | None) -> list[SweepRow]:
    """The sweeps this server's scheduler drives (queued or running, made here), oldest first."""
    q = select(SweepRow).where(SweepRow.status.in_(SWEEP_ACTIVE), SweepRow.replica == replica)
    return list(s.scalars(q.order_by(SweepRow.created_at, SweepRow.id)))


def sweep_trials(s: Session, sweep_id: str) -> list[RunRow]:
    return list(s.scalars(select(RunRow).where(RunRow.sweep_id == sweep_id).order_by(RunRow.created_at)))


def set_sweep_trials(s: Session, row: SweepRow, trials: list[dict[str, Any]]) -> None:
    row.trials = [dict(t) for t in trials]  # a new list: SQLAlchemy sees JSON changes only on assignment
    s.commit()


def end_sweep(s: Session, row: SweepRow, status: str, reason: str | None = None) -> None:
    """finished or cancelled, once (a sweep that has ended keeps how it ended)."""
    if row.status in SWEEP_ACTIVE:
        row.status, row.reason, row.finished_at = status, reason, utcnow()
        s.commit()


def cancel_unfinished_sweeps(s: Session, reason: str, *, spare: Collection[str] = ()) -> list[str]:
    """Sweeps left queued or running by a server that stopped end cancelled with `reason` (their
    scheduler died with it; its trials are interrupted as every run is). Those of live replicas
    (`spare`) are left alone."""
    q = select(SweepRow).where(SweepRow.status.in_(SWEEP_ACTIVE))
    if spare:
        q = q.where(or_(SweepRow.replica.is_(None), SweepRow.replica.not_in(sorted(spare))))
    rows = list(s.scalars(q))
    for row in rows:
        row.status, row.reason, row.finished_at = "cancelled", reason, utcnow()
    s.commit()
    return [r.id for r in rows]


def delete_sweep(s: Session, row: SweepRow) -> None:
    s.delete(row)
    s.commit()
