"""Data sets (docs/api.md, Data sets): list, upload (streamed multipart), inspect, preview,
change load-time options, delete uploads; published sets (MNIST, Fashion-MNIST, CIFAR-10) status
and download. Every refusal is a 4xx whose detail names the file, column or option."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from ...data import published, uploads
from ...data.augment_preview import AugmentPreview, build_augment_preview
from ...data.base import DatasetInfo
from ...data.corpus import window_text
from ...data.errors import DataError
from ...data.incoming import receive_upload
from ...data.options import UploadOptions, parse_options
from ...data.preprocess import LoadOptions
from ...data.preview import DatasetPreview, build_preview
from ...data.registry import DatasetNotFound
from ...data.samples import MAX_COUNT, DatasetSamples, SplitName, build_samples
from ...data.vocabularies import NoVocabulary, corpus_vocabulary, vocabulary_of
from ..deps import CurrentUser, DatasetsDep, SettingsDep
from ..schemas import AugmentPreviewRequest, Message, VocabularyPublic

router = APIRouter(prefix="/api", tags=["datasets"])

DatasetId = Annotated[str, Path(min_length=1, max_length=100)]


class DatasetsPublic(BaseModel):
    data: list[DatasetInfo]
    count: int


class PublishedFile(BaseModel):
    name: str
    url: str
    md5: str
    sha256: str | None = None


class PublishedStatus(BaseModel):
    id: str
    name: str
    present: bool
    folder: str  # where the files are looked for (put them there by hand when offline)
    files: list[PublishedFile]


class PublishedList(BaseModel):
    data: list[PublishedStatus]
    count: int


def _http(exc: DataError | DatasetNotFound) -> HTTPException:
    if isinstance(exc, DatasetNotFound):
        return HTTPException(404, str(exc))
    return HTTPException(exc.status, exc.message)


def _upload_schema() -> dict[str, Any]:
    props: dict[str, Any] = {"file": {"type": "string", "format": "binary",
                                      "description": ".csv (table or text), .txt (a corpus), .npz (x, y) or .zip (a folder per class)"}}
    for name, f in UploadOptions.model_fields.items():
        props[name] = {"type": "string", "description": f"{f.annotation}".replace("typing.", "")}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {
        "schema": {"type": "object", "required": ["file"], "properties": props}}}}}


@router.get("/datasets")
def list_datasets(datasets: DatasetsDep) -> DatasetsPublic:
    data = datasets.infos()
    return DatasetsPublic(data=data, count=len(data))


@router.post("/datasets", status_code=201, openapi_extra=_upload_schema())
async def create_dataset(request: Request, settings: SettingsDep, user: CurrentUser) -> DatasetInfo:
    """Upload a CSV, text CSV, NPZ or image ZIP with options as form fields (UploadOptions)."""
    try:
        received = await receive_upload(
            request.headers.get("content-type"), request.headers.get("content-length"), request.stream(),
            settings.uploads_dir, settings.max_upload_mb * (1 << 20),
        )
        try:
            opts: UploadOptions = parse_options(received.fields)
        except DataError:
            received.path.unlink(missing_ok=True)
            raise
        return await run_in_threadpool(uploads.create_from_file, settings, received.path, received.filename, opts,
                                       owner=user.owner)
    except DataError as exc:
        raise _http(exc) from None


class OptionsSchemas(BaseModel):
    upload: dict[str, Any]  # JSON Schema of the form fields of POST /api/datasets (besides `file`)
    load: dict[str, Any]  # JSON Schema of PUT /api/datasets/{id}/options


@router.get("/datasets/options-schema")
def get_options_schema() -> OptionsSchemas:
    """The option forms, with their defaults and limits, so the UI writes none of them twice."""
    return OptionsSchemas(upload=UploadOptions.model_json_schema(), load=LoadOptions.model_json_schema())


@router.get("/datasets/published")
def list_published(settings: SettingsDep) -> PublishedList:
    data = [
        PublishedStatus(
            id=p.id, name=p.name, present=published.present(settings, p.id),
            folder=str(published.folder(settings, p.id)),
            files=[PublishedFile(name=f.name, url=f.url, md5=f.md5, sha256=f.sha256) for f in p.files],
        )
        for p in published.PUBLISHED.values()
    ]
    return PublishedList(data=data, count=len(data))


@router.post("/datasets/published/{dataset_id}/download")
async def download_published(dataset_id: DatasetId, settings: SettingsDep, datasets: DatasetsDep) -> DatasetInfo:
    """Fetch a published set's files (verifying the published checksums); 502 when offline."""
    if dataset_id not in published.PUBLISHED:
        raise HTTPException(404, f"No published data set '{dataset_id}'; known: {', '.join(published.PUBLISHED)}.")
    try:
        await run_in_threadpool(published.download, settings, dataset_id)
        datasets.forget(dataset_id)
        return datasets.info(dataset_id)
    except (DataError, DatasetNotFound) as exc:
        raise _http(exc) from None


@router.get("/datasets/{dataset_id}")
def get_dataset(dataset_id: DatasetId, datasets: DatasetsDep) -> DatasetInfo:
    try:
        return datasets.info(dataset_id)
    except (DataError, DatasetNotFound) as exc:
        raise _http(exc) from None


@router.get("/datasets/{dataset_id}/preview")
def get_dataset_preview(
    dataset_id: DatasetId, settings: SettingsDep, datasets: DatasetsDep,
    count: Annotated[int, Query(ge=0, le=64)] = 16,
) -> DatasetPreview:
    """Sample images (PNG data URLs) or rows with labels, class balance per split, input shape."""
    try:
        ds = datasets.load(dataset_id)
        meta = uploads.read_meta(settings, dataset_id) if uploads.is_upload_id(dataset_id) else None
        corpus = corpus_vocabulary(ds.info, settings)
        if corpus is None:
            return build_preview(ds, count, uploads.folder(settings, dataset_id) if meta else None, meta)
        preview = build_preview(ds, count, None, meta)  # a corpus: its samples read back as text here
        for sample in preview.samples:
            if sample.values is not None:
                sample.text = window_text(corpus, sample.values)
        return preview
    except (DataError, DatasetNotFound) as exc:
        raise _http(exc) from None


@router.post("/datasets/{dataset_id}/augment-preview", responses={404: {"model": Message}, 422: {"model": Message}})
def augment_dataset_preview(dataset_id: DatasetId, body: AugmentPreviewRequest, datasets: DatasetsDep) -> AugmentPreview:
    """What a run's `augment` makes of `count` training images: each original and `variants` augmented
    copies (PNG data URLs), drawn by the code a run applies, seeded as a run with `seed`. 404 for an
    unknown set; 422 for a set that is not one image input, or for bad settings."""
    try:
        return build_augment_preview(datasets.load(dataset_id), body.augment, body.count, body.variants, body.seed)
    except (DataError, DatasetNotFound) as exc:
        raise _http(exc) from None


@router.get("/datasets/{dataset_id}/vocabulary", responses={404: {"model": Message}, 422: {"model": Message}})
def get_dataset_vocabulary(dataset_id: DatasetId, settings: SettingsDep, datasets: DatasetsDep) -> VocabularyPublic:
    """Token ↔ id of a set with tokens (a text CSV, a .txt corpus, the built-in seq2seq task): `tokens[i]`
    is id i; `pad`, `oov`, `start`, `end` are ids or null. 404 for an unknown set, 422 for a set without
    tokens (images, tables)."""
    try:
        vocab = vocabulary_of(settings, dataset_id, datasets)  # another user's upload: unknown
    except NoVocabulary as exc:
        raise HTTPException(422, exc.message) from None
    except (DataError, DatasetNotFound) as exc:
        raise _http(exc) from None
    return VocabularyPublic(unit=vocab.unit, size=len(vocab), tokens=vocab.tokens, pad=vocab.pad, oov=vocab.oov,
                            start=vocab.start, end=vocab.end, lowercase=vocab.lowercase)


@router.get("/datasets/{dataset_id}/samples")
def get_dataset_samples(
    dataset_id: DatasetId,
    settings: SettingsDep,
    datasets: DatasetsDep,
    split: Annotated[SplitName, Query()] = "test",
    offset: Annotated[int, Query(ge=0)] = 0,
    count: Annotated[int, Query(ge=1, le=MAX_COUNT)] = 16,
) -> DatasetSamples:
    """Samples offset … offset+count-1 of a split exactly as training sees them (graph layout, float
    values or token ids, a batch per input), with their class ids and names or target values: a batch
    for POST /api/runs/{id}/predict. 404 for an unknown set; 422 for a missing split or an offset past
    its end."""
    try:
        ds = datasets.load(dataset_id)
        corpus = corpus_vocabulary(ds.info, settings)
        vocabulary = None
        if ds.info.kind == "text" and uploads.is_upload_id(dataset_id) and corpus is None:
            path = uploads.folder(settings, dataset_id) / "vocabulary.json"
            vocabulary = json.loads(path.read_text()) if path.is_file() else None
        samples = build_samples(ds, split, offset, count, vocabulary)
        if corpus is not None:  # one input: windows of token ids or of one-hot rows
            samples.texts = [window_text(corpus, row) for row in samples.inputs]
        return samples
    except (DataError, DatasetNotFound) as exc:
        raise _http(exc) from None


@router.put("/datasets/{dataset_id}/options")
def update_dataset_options(
    dataset_id: DatasetId, options: LoadOptions, settings: SettingsDep, datasets: DatasetsDep
) -> DatasetInfo:
    """Change what applies at load time (label mode, augmentation) of an uploaded or published set."""
    try:
        if uploads.is_upload_id(dataset_id):
            datasets.info(dataset_id)  # DatasetsDep: another user's upload is unknown (404)
            return uploads.set_load_options(settings, dataset_id, options)
        if dataset_id in published.PUBLISHED and published.present(settings, dataset_id):
            published.save_options(settings, dataset_id, options)
            datasets.forget(dataset_id)
            return datasets.info(dataset_id)
        datasets.info(dataset_id)  # 404 when unknown
    except (DataError, DatasetNotFound) as exc:
        raise _http(exc) from None
    raise HTTPException(409, f"Data set '{dataset_id}' is built in; its options cannot change.")


@router.delete("/datasets/{dataset_id}", status_code=204)
def delete_dataset(dataset_id: DatasetId, settings: SettingsDep, datasets: DatasetsDep) -> Response:
    """Delete an uploaded data set (built-in and published ones are refused with 409)."""
    try:
        if uploads.is_upload_id(dataset_id):
            datasets.info(dataset_id)  # DatasetsDep: another user's upload is unknown (404)
            uploads.delete(settings, dataset_id)
            datasets.forget(dataset_id)  # its arrays need not stay in memory
            return Response(status_code=204)
        datasets.info(dataset_id)
    except (DataError, DatasetNotFound) as exc:
        raise _http(exc) from None
    raise HTTPException(409, f"Data set '{dataset_id}' is not an upload; only uploaded data sets can be deleted.")
