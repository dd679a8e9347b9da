"""POST /api/models/vectors: pretrained word vectors (GloVe text or .npy) as an Embedding's matrix →
an imported run, as "Load Keras weights" makes one (docs/api.md, "Word vectors").

The graph is the canvas's (`graph`, JSON) or a saved one (`graph_id`); `node` names its Embedding.
A GloVe file's rows follow the vocabulary of `dataset` (data/word_vectors.py); a .npy is the
matrix itself. The node's `trainable` flag is set as asked (default false: the vectors stay as
loaded while the rest trains, as in Keras's pretrained-word-embeddings example). The upload is
streamed to disk with the upload size limit, then read a line at a time.
"""

from __future__ import annotations

from typing import Any, cast

import torch
from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, ValidationError

from ...config import Settings
from ...data.errors import DataError
from ...data.incoming import Received, receive_upload
from ...data.registry import DatasetNotFound, DatasetRegistry
from ...data.word_vectors import Target, Vectors, kind_of, read_glove, read_npy, word_index
from ...export.keras_import import Imported
from ...graph.compile import compile_graph, node_modules
from ...layers.embedding import EmbeddingModule
from ...store.db import Database
from ...training.events import LogEvent
from ...training.weight_match import REPORT_FILE, InitialisedLayer, LoadedLayer, WeightReport
from ..analysis import validate_graph
from ..deps import CurrentUser, DatasetsDep, DbDep, SettingsDep
from ..predict_io import text_encoding
from ..schemas import Message, ProblemsDetail
from .models import _store
from .weights import WeightsImportPublic, _graph

router = APIRouter(prefix="/api", tags=["models"])


class VectorsForm(BaseModel):
    """The form fields beside `file`."""

    graph: str | None = Field(None, description="The graph JSON the vectors go into")
    graph_id: str | None = Field(None, max_length=100, description="Or a saved graph's id")
    node: str = Field(min_length=1, max_length=100, description="The id of the Embedding node")
    dataset: str | None = Field(None, max_length=200, description="The data set whose vocabulary orders a GloVe "
                                                                  "file's rows (required for GloVe); also the run's")
    trainable: bool = Field(False, description="Keep training the vectors (true) or freeze them (false)")
    name: str | None = Field(None, max_length=200)
    seed: int = Field(0, ge=0, description="Seed of the other layers' fresh weights")


class VectorsSummary(BaseModel):
    """What the file gave the Embedding."""

    node: str
    format: str  # "glove" | "npy"
    input_dim: int
    output_dim: int
    trainable: bool
    found: int | None = None  # vocabulary words with a vector in the file (GloVe)
    missed: int | None = None  # vocabulary words left at zeros (GloVe)
    missed_sample: list[str] = Field(default_factory=list)
    vectors_read: int | None = None


class VectorsImportPublic(WeightsImportPublic):
    """POST /api/models/weights's answer, plus what the vectors covered."""

    vectors: VectorsSummary


def _form_schema() -> dict[str, Any]:
    props: dict[str, Any] = {"file": {"type": "string", "format": "binary",
                                      "description": "GloVe text (word v1 … vd per line) or a .npy matrix"}}
    for name, f in VectorsForm.model_fields.items():
        props[name] = {"type": "string", "description": f.description or name}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {
        "schema": {"type": "object", "required": ["file", "node"], "properties": props}}}}}


def _form(fields: dict[str, str]) -> VectorsForm:
    try:
        return VectorsForm.model_validate(fields)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(x) for x in first["loc"]) or "form"
        raise HTTPException(422, f"{where}: {first['msg']}.") from None


@router.post(
    "/models/vectors", status_code=201, openapi_extra=_form_schema(),
    responses={413: {"model": Message}, 415: {"model": Message}, 422: {"model": Message}},
)
async def load_vectors(
    request: Request, db: DbDep, settings: SettingsDep, datasets: DatasetsDep, user: CurrentUser
) -> VectorsImportPublic:
    """Put word vectors into an Embedding of the graph and store the graph as an imported run (train
    it further from the run page); the answer's `vectors` says how much of the vocabulary they covered."""
    try:
        received = await receive_upload(
            request.headers.get("content-type"), request.headers.get("content-length"), request.stream(),
            settings.uploads_dir, settings.max_upload_mb * (1 << 20))
    except DataError as err:
        raise HTTPException(err.status, err.message) from None
    try:
        return await run_in_threadpool(_load, db, settings, datasets, received, user.owner)
    except DataError as err:
        raise HTTPException(err.status, err.message) from None
    finally:
        received.path.unlink(missing_ok=True)


def _load(
    db: Database, settings: Settings, datasets: DatasetRegistry, received: Received, owner: str | None
) -> VectorsImportPublic:
    form = _form(received.fields)
    graph = _graph(db, form.graph, form.graph_id, owner)
    report = validate_graph(graph)
    if not report.ok:
        raise HTTPException(422, ProblemsDetail(message="The graph has problems.", problems=report.problems)
                            .model_dump())
    node = next((n for n in graph.nodes if n.id == form.node), None)
    if node is None or node.type != "Embedding":
        what = f"is a {node.type}" if node is not None else "is not a node of the graph"
        raise HTTPException(422, f"node: '{form.node}' {what}; name the Embedding the vectors go into.")
    if form.dataset is not None:
        try:
            datasets.info(form.dataset)
        except DatasetNotFound:
            raise HTTPException(422, f"dataset: '{form.dataset}' is not a data set.") from None
    graph = graph.model_copy(update={"nodes": [
        n.model_copy(update={"trainable": form.trainable}) if n.id == node.id else n for n in graph.nodes]})
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(form.seed)
        module = compile_graph(graph)
    weight = cast(EmbeddingModule, node_modules(module)[node.id]).embedding.weight
    target = Target(node.id, int(weight.shape[0]), int(weight.shape[1]))
    name = received.filename
    vectors = _read(settings, datasets, received, name, form.dataset, target)
    with torch.no_grad():
        weight.copy_(torch.from_numpy(vectors.matrix))
    summary = VectorsSummary(node=node.id, format=vectors.format, input_dim=target.input_dim,
                             output_dim=target.output_dim, trainable=form.trainable, found=vectors.found,
                             missed=vectors.missed, missed_sample=vectors.missed_sample,
                             vectors_read=vectors.vectors_read)
    fresh = [nid for nid, m in node_modules(module).items() if nid != node.id and next(m.parameters(), None) is not None]
    weights = WeightReport(source=name, loaded=[LoadedLayer(node=node.id, source=name)], initialised=[
        InitialisedLayer(node=nid, reason=f"{name} holds word vectors for '{node.id}' only") for nid in fresh])
    imported = Imported(graph=graph, state_dict=module.state_dict(), source="word-vectors")
    files = {REPORT_FILE: weights.model_dump_json(indent=1).encode("utf-8")}
    try:
        run = _store(db, settings, imported, name, form.name or graph.name, form.dataset, files,
                     [*weights.log_events(), LogEvent(level="info", message=_coverage(summary))], owner=owner)
    except ValueError as err:
        raise HTTPException(422, f"{name}: the vectors could not be stored: {err}") from None
    return VectorsImportPublic(run=run, report=weights, vectors=summary)


def _read(settings: Settings, datasets: DatasetRegistry, received: Received, name: str, dataset: str | None,
          target: Target) -> Vectors:
    if kind_of(received.path, name) == "npy":
        return read_npy(received.path, name, target)
    if dataset is None:
        raise HTTPException(422, f"dataset: {name} is a GloVe text file, whose rows follow a vocabulary; name the "
                                 "data set the model trains on (its vocabulary orders the rows), or upload a .npy "
                                 "matrix.")
    enc = text_encoding(settings, dataset, datasets)
    if enc is None:
        raise HTTPException(422, f"dataset: '{dataset}' has no vocabulary, so a GloVe file's words have no rows; "
                                 "choose a text data set, or upload a .npy matrix.")
    vocab = enc.vocabulary
    if vocab.unit != "word":
        raise HTTPException(422, f"dataset: '{dataset}' is tokenised by characters; word vectors need a "
                                 "word-level data set (unit 'word').")
    if len(vocab) > target.input_dim:
        raise HTTPException(422, f"the data set's vocabulary has {len(vocab)} tokens but '{target.node}' has "
                                 f"input_dim {target.input_dim}: set input_dim to {len(vocab)}.")
    special = {i for i in (vocab.pad, vocab.oov, vocab.start, vocab.end) if i is not None}
    with open(received.path, "rb") as f:
        return read_glove(f, name, word_index(vocab.tokens, special), target)


def _coverage(s: VectorsSummary) -> str:
    frozen = "trainable" if s.trainable else "frozen (trainable false)"
    if s.found is None:
        return f"Word vectors: a {s.input_dim}×{s.output_dim} matrix for '{s.node}', {frozen}."
    return (f"Word vectors for '{s.node}': {s.found} of {s.found + (s.missed or 0)} vocabulary words found "
            f"({s.missed} left at zeros), {s.output_dim} dimensions, {frozen}.")
