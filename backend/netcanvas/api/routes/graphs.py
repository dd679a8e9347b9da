"""Graph validation and saved, versioned graphs (docs/api.md, Graphs)."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Response

from ...graph.schema import Graph
from ...store import repo
from ...store.models import GraphRow, GraphVersionRow
from ..analysis import report_of
from ..deps import CurrentUser, GraphDep, SessionDep
from ..schemas import GraphCreate, GraphPublic, GraphsPublic, GraphUpdate, GraphVersionInfo, ValidationReport

router = APIRouter(prefix="/api", tags=["graphs"])


def _public(row: GraphRow, ver: GraphVersionRow) -> GraphPublic:
    return GraphPublic(
        id=row.id, name=row.name, version=ver.version, created_at=row.created_at,
        updated_at=ver.created_at, graph=Graph.model_validate(ver.graph),
    )


@router.post("/graphs/validate", response_model=ValidationReport)
def validate(
    graph: Graph,
    batch_size: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    optimizer: Literal["adam", "adamw", "nadam", "adamax", "adadelta", "adagrad", "rmsprop", "sgd"] | None = None,
) -> Response:
    """Shapes, parameter counts, memory, MACs and every problem, per node. Always 200 when the body is a
    graph. `batch_size` and `optimizer` (the Train panel's) size the memory budgets; without them
    validate assumes batch size 1 and Adam, and says so."""
    # report_of's dict has ValidationReport's shape (tests/api check it); sent as it is
    report = report_of(graph, batch_size=batch_size, optimizer=optimizer)
    return Response(json.dumps(report, allow_nan=False), media_type="application/json")


@router.get("/graphs")
def list_graphs(session: SessionDep, user: CurrentUser) -> GraphsPublic:
    """The caller's saved graphs (everyone's in token/none mode), latest first."""
    data = [_public(g, v) for g, v in repo.list_graphs(session, owner=user.owner)]
    return GraphsPublic(data=data, count=len(data))


@router.post("/graphs", status_code=201)
def create_graph(body: GraphCreate, session: SessionDep, user: CurrentUser) -> GraphPublic:
    row, ver = repo.create_graph(session, body.graph.model_dump(mode="json"), owner=user.owner)
    return _public(row, ver)


@router.get("/graphs/{graph_id}")
def get_graph(row: GraphDep, session: SessionDep, version: int | None = None) -> GraphPublic:
    found = repo.get_graph(session, row.id, version)
    if found is None:
        raise HTTPException(404, f"Graph '{row.id}' has no version {version} (latest is {row.version}).")
    return _public(*found)


@router.get("/graphs/{graph_id}/versions")
def list_graph_versions(row: GraphDep, session: SessionDep) -> list[GraphVersionInfo]:
    """Every saved version of the graph, oldest first."""
    return [GraphVersionInfo(version=v.version, created_at=v.created_at) for v in repo.graph_versions(session, row.id)]


@router.get("/graphs/{graph_id}/versions/{version}")
def get_graph_version(row: GraphDep, session: SessionDep, version: int) -> GraphPublic:
    """One older (or the latest) version: GraphPublic with that version's graph, updated_at its save time."""
    found = repo.get_graph(session, row.id, version) if version >= 1 else None
    if found is None:
        raise HTTPException(404, f"Graph '{row.id}' has no version {version} (latest is {row.version}).")
    return _public(*found)


@router.put("/graphs/{graph_id}")
def update_graph(row: GraphDep, body: GraphUpdate, session: SessionDep) -> GraphPublic:
    ver = repo.update_graph(session, row, body.graph.model_dump(mode="json"))
    return _public(row, ver)


@router.delete("/graphs/{graph_id}", status_code=204)
def delete_graph(row: GraphDep, session: SessionDep) -> Response:
    repo.delete_graph(session, row)
    return Response(status_code=204)
