"""Response (and small request) models of the HTTP API: the shapes docs/api.md pins.

Requests that are domain objects (Graph, RunRequest) live with their domain
(graph.schema, training.settings).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from ..graph.schema import Graph, Problem
from ..training.events import RunStatus
from ..training.settings import TrainSettings


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


UTCDateTime = Annotated[datetime, AfterValidator(_utc)]


# -- layers -------------------------------------------------------------------------------------


class LayerInfo(BaseModel):
    type: str
    family: str
    doc: str
    min_inputs: int
    max_inputs: int | None
    input_names: list[str] = []  # port names for the canvas; empty: numbered
    output_names: list[str] = []
    params_schema: dict[str, Any]
    defaults: dict[str, Any]


class LayersPublic(BaseModel):
    data: list[LayerInfo]
    count: int


# -- validation ---------------------------------------------------------------------------------


class NodeReport(BaseModel):
    output_shapes: list[list[int | None]] | None
    params: int | None  # Keras's count for the layer (trainable + non-trainable)
    trainable_params: int | None = None
    trainable: bool = True  # the node's own flag; False: frozen, all its params non-trainable
    problems: list[Problem]
    # A Block instance's entry (graph/block_report.py): its definition's name; output_shapes are its
    # output ports', params the sum of the layers inside, problems those inside it (naming inner nodes)
    block: str | None = None


class ValidationReport(BaseModel):
    """Counts are Keras's model.summary() lines: total = trainable + non-trainable."""

    ok: bool
    total_params: int
    trainable_params: int = 0
    non_trainable_params: int = 0
    nodes: dict[str, NodeReport]
    problems: list[Problem]
    inputs: list[str]
    outputs: list[str]


class ProblemsDetail(BaseModel):
    message: str
    problems: list[Problem]


# -- graphs -------------------------------------------------------------------------------------


class GraphCreate(BaseModel):
    graph: Graph


class GraphUpdate(BaseModel):
    graph: Graph


class GraphPublic(BaseModel):
    id: str
    name: str
    version: int
    created_at: UTCDateTime
    updated_at: UTCDateTime
    graph: Graph


class GraphsPublic(BaseModel):
    data: list[GraphPublic]
    count: int


# -- runs ---------------------------------------------------------------------------------------


class RunRequestPublic(TrainSettings):
    """The settings a run was started with (the graph is RunPublic.graph)."""

    model_config = ConfigDict(extra="ignore")  # rows written by older versions still read

    graph_id: str | None = None
    graph_version: int | None = None
    name: str | None = None


Metrics = dict[str, float | None]  # null: not a finite number (a diverging loss)


class EpochRecord(BaseModel):
    epoch: int
    metrics: Metrics


class RunSummary(BaseModel):
    id: str
    status: RunStatus
    name: str
    dataset: str
    request: RunRequestPublic
    device: str | None = None
    error: str | None = None
    created_at: UTCDateTime
    started_at: UTCDateTime | None = None
    finished_at: UTCDateTime | None = None
    final_metrics: Metrics | None = None
    best_metrics: Metrics | None = None
    test_metrics: Metrics | None = None
    artifacts: list[str] = Field(default_factory=list)


class RunPublic(RunSummary):
    graph: Graph
    epochs: list[EpochRecord] = Field(default_factory=list)
    confusion_matrix: list[list[int]] | None = None
    class_names: list[str] | None = None


class RunsPublic(BaseModel):
    data: list[RunSummary]
    count: int


class PredictRequest(BaseModel):
    inputs: Any = Field(description="A batch in the graph's layout; a list of batches for several inputs.")
    nodes: list[Annotated[str, Field(min_length=1, max_length=500)]] | None = Field(
        None, min_length=1, max_length=64,
        description="Answer these nodes' outputs (features at an intermediate layer) instead of the graph's.")


class PredictResponse(BaseModel):
    outputs: Any = Field(description="The model's outputs for the batch; a list per output for several.")
    nodes: list[str] | None = Field(None, description="The nodes answered, when the request named some.")
    shapes: list[list[int | None]] | None = Field(None, description="Per node, its output shape (batch excluded).")


class EvaluateResponse(BaseModel):
    metrics: Metrics
    confusion_matrix: list[list[int]] | None = None
    class_names: list[str] | None = None


class Message(BaseModel):
    detail: str


# -- transfer: cut a model, replace its head (api/routes/surgery.py) ---------------------------


class CutRequest(BaseModel):
    node: str = Field(min_length=1, max_length=500, description="The node the new model ends at.")
    name: str | None = Field(None, max_length=200)


class ReplaceHeadRequest(BaseModel):
    from_node: str | None = Field(None, min_length=1, max_length=500,
                                  description="The first layer of the old head: it and everything after it go.")
    after_node: str | None = Field(None, min_length=1, max_length=500,
                                   description="Instead of from_node: keep this layer and put the head on it "
                                               "(a base without a head), only what follows it goes.")
    dataset: str | None = Field(None, max_length=200, description="The data set the new head is for.")
    classes: int | None = Field(None, ge=1, le=100_000, description="Classes of the new head, without a data set.")
    add_pooling: bool = Field(False, description="Add a global average pooling when the layer below the head "
                                                 "gives an image or a sequence.")
    name: str | None = Field(None, max_length=200)
    seed: int = 0

    @model_validator(mode="after")
    def _one_node(self) -> ReplaceHeadRequest:
        if (self.from_node is None) == (self.after_node is None):
            raise ValueError("give one of from_node (the first layer of the old head) or after_node (the layer "
                             "to put the new head on)")
        return self


class DerivedPublic(BaseModel):
    """The new saved graph and the `imported` run holding its weights."""

    graph: GraphPublic
    run: RunPublic
    notes: list[str]
