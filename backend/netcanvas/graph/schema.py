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
    # False: the node's weights are frozen (no gradient, no optimizer state; BatchNormalization
    # in inference mode), as Keras's `layer.trainable = False`. On a Block node: all inside it.
    trainable: bool = True
    # For type "Block": the name of its definition in Graph.blocks (copies naming it stay linked).
    block: str | None = Field(default=None, max_length=100)


class Edge(BaseModel):
    model_config = ConfigDict(extra="ignore")

    source: str
    target: str
    source_port: int = Field(0, ge=0)  # which output of a layer with several (LSTM return_state)
    target_port: int = Field(0, ge=0)  # which input of a merge layer, in order


class BlockDef(BaseModel):
    """A named sub-graph (design.md, Blocks). Its Input nodes are the block's input ports in node
    order; `outputs` (or, when None, the nodes nothing inside reads from) its output ports."""

    model_config = ConfigDict(extra="ignore")

    nodes: list[Node] = Field(default_factory=list, max_length=5000)
    edges: list[Edge] = Field(default_factory=list, max_length=20000)
    outputs: list[str] | None = None


class Graph(BaseModel):
    model_config = ConfigDict(extra="ignore")

    format: Literal["netcanvas.graph/1"] = GRAPH_FORMAT
    name: str = Field("untitled", max_length=200)
    nodes: list[Node] = Field(default_factory=list, max_length=5000)
    edges: list[Edge] = Field(default_factory=list, max_length=20000)
    # Model outputs in order; None: every node nothing else reads from, in node order.
    outputs: list[str] | None = None
    # Block definitions by name, used by nodes of type "Block" (graph/blocks.py inlines them).
    blocks: dict[str, BlockDef] = Field(default_factory=dict, max_length=1000)


class Problem(BaseModel):
    node: str | None = None
    field: str | None = None
    message: str
