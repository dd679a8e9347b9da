"""Response (and small request) models of the HTTP API: the shapes docs/api.md pins.

Requests that are domain objects (Graph, RunRequest) live with their domain
(graph.schema, training.settings).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from ..data.augment_preview import MAX_COUNT as AUGMENT_MAX_COUNT
from ..data.augment_preview import MAX_VARIANTS as AUGMENT_MAX_VARIANTS
from ..graph.schema import Graph, Problem
from ..sweeps.spec import Asha, Dimension, Objective, SweepCreate
from ..training.augment_settings import AugmentSettings
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
    # Memory (graph/budget.py, decimal bytes): its weights (float32, without gradients or optimizer
    # state) and its outputs for one sample (a None dimension counted as 1); None where unknown
    weight_bytes: int | None = None
    activation_bytes: int | None = None
    macs: int | None = None  # multiply-adds for one sample (graph/cost.py); None where unknown
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
    weight_bytes: int = 0  # the nodes' weight_bytes summed
    activation_bytes: int = 0  # the nodes' activation_bytes summed: one sample's layer outputs
    macs: int | None = None  # the nodes' multiply-adds summed, for one sample (always sent)
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
    notes: str = ""
    tags: list[str] = Field(default_factory=list)


def _clean_tags(tags: list[str] | None) -> list[str] | None:
    """Trimmed, empty ones refused, duplicates dropped (first kept, order kept)."""
    if tags is None:
        return None
    out: list[str] = []
    for tag in (t.strip() for t in tags):
        if not 1 <= len(tag) <= 40:
            raise ValueError("each tag is 1 to 40 characters (after trimming)")
        if tag not in out:
            out.append(tag)
    return out


class RunMetaUpdate(BaseModel):
    """PATCH /api/runs/{id}: what is given changes, what is left out stays."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, description="1 to 200 characters, trimmed.")
    notes: str | None = Field(None, max_length=10_000)
    tags: Annotated[list[str] | None, AfterValidator(_clean_tags)] = Field(
        None, max_length=32, description="At most 32 tags of 1 to 40 characters; trimmed, duplicates dropped.")

    @model_validator(mode="after")
    def _name_length(self) -> RunMetaUpdate:
        if self.name is not None:
            self.name = self.name.strip()
            if not 1 <= len(self.name) <= 200:
                raise ValueError("name: 1 to 200 characters (after trimming)")
        return self


class HistoryEpoch(BaseModel):
    epoch: int
    metrics: Metrics
    t: float | None = Field(None, description="Seconds since training started (null: recorded before t existed).")


class HistoryBatch(BaseModel):
    epoch: int
    step: int
    steps: int
    metrics: Metrics
    t: float | None = None


class RunHistory(BaseModel):
    """GET /api/runs/{id}/history?format=json: epochs as EpochEvent numbered them (1-based) and the
    stored (downsampled) batch events."""

    epochs: list[HistoryEpoch]
    batches: list[HistoryBatch]


class GraphVersionInfo(BaseModel):
    version: int
    created_at: UTCDateTime


class RunPublic(RunSummary):
    graph: Graph
    epochs: list[EpochRecord] = Field(default_factory=list)
    confusion_matrix: list[list[int]] | None = None
    class_names: list[str] | None = None


class RunsPublic(BaseModel):
    data: list[RunSummary]
    count: int


class PredictRequest(BaseModel):
    inputs: Any = Field(description="A batch in the graph's layout; a list of batches for several inputs. For a "
                                    "text model (its data set has a vocabulary), a list of raw strings: "
                                    "[\"a great film\", \"dull\"], tokenised as the data set was.")
    nodes: list[Annotated[str, Field(min_length=1, max_length=500)]] | None = Field(
        None, min_length=1, max_length=64,
        description="Answer these nodes' outputs (features at an intermediate layer) instead of the graph's.")


class PredictResponse(BaseModel):
    outputs: Any = Field(description="The model's outputs for the batch; a list per output for several.")
    nodes: list[str] | None = Field(None, description="The nodes answered, when the request named some.")
    shapes: list[list[int | None]] | None = Field(None, description="Per node, its output shape (batch excluded).")
    tokens: list[TextTokens] | None = Field(None, description="For texts sent as inputs: per text, the token ids "
                                                           "fed and the words they stand for.")


class EvaluateResponse(BaseModel):
    metrics: Metrics
    confusion_matrix: list[list[int]] | None = None
    class_names: list[str] | None = None
    original_units: dict[str, float] | None = Field(
        None, description="A series forecaster: mse, mae (and naive_mse, naive_mae: the last observed value held "
        "over the horizon) in the target's own units, the data set's scaling undone.")


class Message(BaseModel):
    detail: str


class TextTokens(BaseModel):
    """One text of a /predict batch as the model saw it (api/predict_io.py)."""

    text: str
    ids: list[int] = Field(description="The padded row of token ids fed to the model.")
    words: list[str] = Field(description="The tokens those ids stand for, padding left out (unknown words "
                                         "read as the out-of-vocabulary token).")
    unknown: list[str] = Field(description="Words of the text that are not in the vocabulary.")


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


# -- text: vocabularies and generation (api/routes/datasets.py, api/routes/generate.py) ---------


class VocabularyPublic(BaseModel):
    """GET /api/datasets/{id}/vocabulary: token ↔ id of a data set with tokens (data/vocabulary.py)."""

    unit: Literal["char", "word"]
    size: int
    tokens: list[str] = Field(description="tokens[i] is the token of id i.")
    pad: int | None = Field(description="The padding id (null: the set has no padding).")
    oov: int | None = Field(description="The id unknown tokens become (null: unknown tokens are refused).")
    start: int | None = Field(None, description="seq2seq: the token a decoded sequence starts from.")
    end: int | None = Field(None, description="seq2seq: the token that ends a decoded sequence.")
    lowercase: bool


class GenerateRequest(BaseModel):
    """POST /api/runs/{id}/generate (training/generate.py, training/seq2seq_decode.py)."""

    model_config = ConfigDict(extra="forbid")

    seed: str = Field(max_length=100_000, description="Next-token models: the text to continue. seq2seq models: "
                                                      "the input sequence to decode.")
    length: int = Field(200, description="Tokens to generate (seq2seq: the most output tokens), 1 to 2000.")
    temperature: float = Field(1.0, description="0: greedy (the most likely token each step); T > 0: "
                                                "probabilities p^(1/T), renormalised, then sampled.")
    top_k: int = Field(0, description="Sample among the k most likely tokens only (0: all).")
    random_seed: int | None = Field(None, description="Seed of the sampling, for a reproducible text.")
    stream: bool = Field(False, description="Answer application/x-ndjson: {\"token\"} lines, then "
                                            "{\"done\": true, \"text\", \"mode\"}.")
    beam_width: int = Field(1, description="seq2seq: beam search width (1: greedy).")


class GenerateResponse(BaseModel):
    mode: Literal["next_token", "seq2seq"]
    text: str = Field(description="The generated continuation (seq2seq: the decoded sequence), without the seed.")
    tokens: list[str] = Field(description="The generated tokens, in order.")


# -- augmentation preview (api/routes/datasets.py, data/augment_preview.py) ---------------------


class AugmentPreviewRequest(BaseModel):
    """POST /api/datasets/{id}/augment-preview: what a run's `augment` would make of some training images."""

    model_config = ConfigDict(extra="forbid")

    augment: AugmentSettings = Field(description="The run's `augment`, as POST /api/runs takes it.")
    count: int = Field(8, ge=1, le=AUGMENT_MAX_COUNT, description="Samples, spread evenly over the split.")
    variants: int = Field(4, ge=1, le=AUGMENT_MAX_VARIANTS, description="Augmented copies of each sample.")
    seed: int = Field(0, description="The run's seed (augment.seed, when set, wins as in a run).")
    split: Literal["train"] = Field("train", description="Augmentation applies to training batches only.")


# -- sweeps (docs/sweeps.md) ----------------------------------------------------------------------

SweepStatus = Literal["queued", "running", "finished", "cancelled"]


class TrialPublic(BaseModel):
    """One planned trial of a sweep: its run once started (`run_id`), the values it was given."""

    index: int  # 1-based, as in its run's name "<sweep name> · trial k"
    run_id: str | None = None
    name: str
    # the run's status; pending: not started yet; not_started: skipped (note says why) or the sweep ended first
    status: RunStatus | Literal["pending", "not_started"]
    params: dict[str, Any]  # sweep path → the value this trial got
    note: str | None = None  # "stopped early by ASHA at epoch 2", "not started: …"
    error: str | None = None  # the run's error
    final_metrics: Metrics | None = None
    best_metrics: Metrics | None = None
    objective: float | None = None  # the best value of the objective's metric over its epochs
    best: bool = False  # the sweep's best trial (best_run_id)


class SweepSummary(BaseModel):
    id: str
    name: str
    status: SweepStatus
    reason: str | None = None  # why it was cancelled (by the user, a restart…)
    created_at: UTCDateTime
    finished_at: UTCDateTime | None = None
    algorithm: Literal["grid", "random"]
    space: dict[str, Dimension]
    objective: Objective
    parallelism: int
    early_termination: Asha | None = None
    planned: int  # trials planned (the grid's, or max_trials draws)
    counts: dict[str, int]  # trial status → how many
    best_run_id: str | None = None
    best_objective: float | None = None


class SweepPublic(SweepSummary):
    request: SweepCreate  # as it was posted
    trials: list[TrialPublic]


class SweepsPublic(BaseModel):
    data: list[SweepSummary]
    count: int
