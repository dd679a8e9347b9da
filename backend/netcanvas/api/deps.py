"""Dependencies as Annotated aliases, so a route reads `def get_run(run: RunDep) -> RunPublic`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, cast

from fastapi import Depends, HTTPException
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from ..config import Settings
from ..data.registry import DatasetRegistry
from ..store import repo
from ..store.db import Database
from ..store.models import GraphRow, RunRow
from ..training.runner import Executor
from .auth.datasets import OwnedDatasets
from .auth.identity import Principal, principal_of
from .hub import EventHub


def get_settings_dep(conn: HTTPConnection) -> Settings:
    return cast(Settings, conn.app.state.settings)


def get_db(conn: HTTPConnection) -> Database:
    return cast(Database, conn.app.state.db)


def get_hub(conn: HTTPConnection) -> EventHub:
    return cast(EventHub, conn.app.state.hub)


def get_executor(conn: HTTPConnection) -> Executor:
    return cast(Executor, conn.app.state.executor)


def get_principal(conn: HTTPConnection) -> Principal:
    """Who is asking (api/auth/middleware.py found it); signed in, or the route would not run."""
    return principal_of(conn.scope, cast(Settings, conn.app.state.settings).auth)


CurrentUser = Annotated[Principal, Depends(get_principal)]


def get_datasets(conn: HTTPConnection, user: CurrentUser) -> DatasetRegistry:
    """The app's registry; in users mode seen by the caller: another's upload is an unknown id."""
    registry = cast(DatasetRegistry, conn.app.state.datasets)
    return registry if user.owner is None else OwnedDatasets(registry, user.owner)


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DbDep = Annotated[Database, Depends(get_db)]
HubDep = Annotated[EventHub, Depends(get_hub)]
ExecutorDep = Annotated[Executor, Depends(get_executor)]
DatasetsDep = Annotated[DatasetRegistry, Depends(get_datasets)]


def get_session(db: DbDep) -> Iterator[Session]:
    with db.session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


# The ownership dependency: a graph or run in the path that is not the caller's is "not found",
# word for word as a missing one (no one learns another user's ids exist). repo.visible is the rule.


def get_graph_row(graph_id: str, session: SessionDep, user: CurrentUser) -> GraphRow:
    row = repo.get_graph_row(session, graph_id, user.owner)
    if row is None:
        raise HTTPException(404, f"Graph '{graph_id}' not found.")
    return row


def get_run_row(run_id: str, session: SessionDep, user: CurrentUser) -> RunRow:
    row = repo.get_run(session, run_id, user.owner)
    if row is None:
        raise HTTPException(404, f"Run '{run_id}' not found.")
    return row


GraphDep = Annotated[GraphRow, Depends(get_graph_row)]
RunDep = Annotated[RunRow, Depends(get_run_row)]
