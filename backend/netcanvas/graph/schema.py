"""The graph format, version 1 (design.md): validated at the edge, typed everywhere inside."""

from __future__ import annotations

from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

GRAPH_FORMAT: Final = "netcanvas.graph/1"


class Position(BaseModel):
    x: float = 0.0
    y: float = 0.0


class Node(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=100)
    type: str = Field(min_length=1, max_length=100)
    # A display name the user gave the node; the id stays the stable key.
    name: str | None = Field(default=None, max_length=200)
    params: dict[str, Any] = Field(default_factory=dict)
    position: Position | None = None


class Edge(BaseModel):
    model_config = ConfigDict(extra="ignore")

    source: str
    target: str
    source_port: int = Field(0, ge=0)  # which output of a layer with several (LSTM return_state)
    target_port: int = Field(0, ge=0)  # which input of a merge layer, in order


class Graph(BaseModel):
    model_config = ConfigDict(extra="ignore")

    format: Literal["netcanvas.graph/1"] = GRAPH_FORMAT
    name: str = Field("untitled", max_length=200)
    nodes: list[Node] = Field(default_factory=list, max_length=5000)
    edges: list[Edge] = Field(default_factory=list, max_length=20000)
    # Model outputs in order; None: every node nothing else reads from, in node order.
    outputs: list[str] | None = None


class Problem(BaseModel):
    node: str | None = None
    field: str | None = None
    message: str
