"""Dependencies as Annotated aliases, so a route reads `def get_run(run: RunDep) -> RunPublic`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, cast

from fastapi import Depends, HTTPException
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from ..config import Settings
from ..data.registry import DatasetRegistry
from ..store.db import Database
from ..store.models import GraphRow, RunRow
from ..training.runner import Executor
from .hub import EventHub


def get_settings_dep(conn: HTTPConnection) -> Settings:
    return cast(Settings, conn.app.state.settings)


def get_db(conn: HTTPConnection) -> Database:
    return cast(Database, conn.app.state.db)


def get_hub(conn: HTTPConnection) -> EventHub:
    return cast(EventHub, conn.app.state.hub)


def get_executor(conn: HTTPConnection) -> Executor:
    return cast(Executor, conn.app.state.executor)


def get_datasets(conn: HTTPConnection) -> DatasetRegistry:
    return cast(DatasetRegistry, conn.app.state.datasets)


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DbDep = Annotated[Database, Depends(get_db)]
HubDep = Annotated[EventHub, Depends(get_hub)]
ExecutorDep = Annotated[Executor, Depends(get_executor)]
DatasetsDep = Annotated[DatasetRegistry, Depends(get_datasets)]


def get_session(db: DbDep) -> Iterator[Session]:
    with db.session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_graph_row(graph_id: str, session: SessionDep) -> GraphRow:
    row = session.get(GraphRow, graph_id)
    if row is None:
        raise HTTPException(404, f"Graph '{graph_id}' not found.")
    return row


def get_run_row(run_id: str, session: SessionDep) -> RunRow:
    row = session.get(RunRow, run_id)
    if row is None:
        raise HTTPException(404, f"Run '{run_id}' not found.")
    return row


GraphDep = Annotated[GraphRow, Depends(get_graph_row)]
RunDep = Annotated[RunRow, Depends(get_run_row)]
