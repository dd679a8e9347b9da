"""Uploaded data sets on disk: `{uploads_dir}/{id}/` holds x_/y_{train,validation,test}.npy and
meta.json (written last). A set is built in a staging folder and renamed into place, so a refusal
or a crash never leaves a half-made set; the worker loads one by id from these files alone.
"""

from __future__ import annotations

import errno
import json
import logging
import shutil
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .assemble import assemble, load_arrays, with_options
from .base import Dataset, DatasetInfo, Provider
from .corpus import build_corpus
from .errors import DataError, FormatError, TooLarge
from .images import build_images
from .limits import LIMITS, Limits
from .npz import build_npz
from .options import UploadOptions
from .preprocess import LoadOptions
from .series import build_series
from .tables import build_table, build_text

if TYPE_CHECKING:
    from ..config import Settings

log = logging.getLogger(__name__)

META = "meta.json"
STAGING_PREFIX = ".staging-"
ID_PREFIX = "up-"
BUILDERS = {"csv": build_table, "text": build_text, "images": build_images, "npz": build_npz,
            "series": build_series, "corpus": build_corpus}


def new_id() -> str:
    return ID_PREFIX + uuid.uuid4().hex[:12]


def is_upload_id(dataset_id: str) -> bool:
    return dataset_id.startswith(ID_PREFIX) and dataset_id[len(ID_PREFIX):].isalnum()


def staging_dir(settings: Settings) -> Path:
    """A fresh private folder inside uploads_dir (same file system: the final rename is atomic)."""
    settings.uploads_dir.mkdir(parents=True, exist_ok=True)
    path = settings.uploads_dir / f"{STAGING_PREFIX}{uuid.uuid4().hex}"
    path.mkdir()
    return path


STALE_AFTER_S = 6 * 3600


def sweep_stale(settings: Settings, max_age_s: float = STALE_AFTER_S) -> list[str]:
    """Remove staging folders and partial incoming files that a crash left behind (older than
    `max_age_s`, so builds in progress are never touched). Returns what was removed."""
    root = settings.uploads_dir
    if not root.is_dir():
        return []
    removed = []
    cutoff = time.time() - max_age_s
    for p in root.iterdir():
        if p.name.startswith((STAGING_PREFIX, ".incoming-")) and p.stat().st_mtime < cutoff:
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
            removed.append(p.name)
    return removed


def detect_kind(filename: str, opts: UploadOptions, src: Path | None = None) -> str:
    """The kind from the option, else the extension; a CSV whose two columns are the text column
    and the label (`text,label`) is a text CSV. A `.txt` is a corpus (data/corpus.py), as users of
    the char-RNN tutorials mean one; a table saved as .txt is read as a CSV with kind=csv."""
    if opts.kind != "auto":
        return opts.kind
    suffix = Path(filename).suffix.lower()
    if suffix == ".txt":
        return "corpus"
    if suffix in (".csv", ".tsv"):
        if src is not None and _looks_like_text_csv(src, opts):
            return "text"
        return "csv"
    if suffix == ".npz":
        return "npz"
    if suffix == ".zip":
        return "images"
    raise DataError(
        f"{filename}: cannot tell the kind of data from the name; use .csv, .txt, .npz or .zip, or set the "
        "option kind (csv, text, corpus, series, npz, images).", 415)


def _looks_like_text_csv(src: Path, opts: UploadOptions) -> bool:
    import csv

    from .tables import _delimiter

    try:
        with open(src, newline="", encoding="utf-8-sig") as f:
            header = next(csv.reader(f, delimiter=_delimiter(src)), [])
    except (UnicodeDecodeError, csv.Error, OSError):
        return False  # the table reader reports the problem
    header = [h.strip() for h in header]
    return len(header) == 2 and opts.text_column in header and (opts.target or "label") in header


def create_from_file(
    settings: Settings, src: Path, filename: str, opts: UploadOptions, limits: Limits = LIMITS,
    owner: str | None = None,
) -> DatasetInfo:
    """Build a data set from an uploaded file already on disk (it is consumed: moved or deleted).
    `owner`: the uploading user's id in users mode (meta.json "owner"; None in token/none mode).

    Raises DataError (a 4xx) for anything refused; nothing is left behind then.
    """
    sweep_stale(settings)
    try:
        kind = detect_kind(filename, opts, src)
    except DataError:
        src.unlink(missing_ok=True)
        raise
    stage = staging_dir(settings)
    try:
        built: dict[str, Any] = BUILDERS[kind](src, stage, filename, opts, limits)
        check_load_options(built["info"], opts.load_options(), filename)
        dataset_id = new_id()
        info: DatasetInfo = built["info"].model_copy(update={"id": dataset_id})
        meta = {
            "format": "netcanvas.dataset/1",
            "id": dataset_id,
            "owner": owner,
            "created_at": datetime.now(UTC).isoformat(),
            "file": {"name": filename, "bytes": src.stat().st_size, "kind": kind},
            "options": opts.model_dump(mode="json"),
            "load_options": opts.load_options().model_dump(mode="json"),
            "info": info.model_dump(mode="json"),
            "preprocessing": built.get("preprocessing", {}),
            "preview": built.get("preview"),
        }
        _write_json(stage / META, meta)  # last: its presence marks a complete set
        stage.rename(settings.uploads_dir / dataset_id)
    except BaseException as exc:
        shutil.rmtree(stage, ignore_errors=True)
        raise _as_data_error(exc, filename) from exc
    finally:
        src.unlink(missing_ok=True)
    return with_options(info, opts.load_options())


def _as_data_error(exc: BaseException, filename: str) -> BaseException:
    """Anything a builder did not foresee still answers a 4xx/5xx that names the file (logged)."""
    if isinstance(exc, DataError) or not isinstance(exc, Exception):
        return exc
    if isinstance(exc, MemoryError):
        return TooLarge(f"{filename}: too large to prepare in this server's memory.")
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return DataError(f"{filename}: the server ran out of disk space preparing it.", 507)
    if isinstance(exc, OSError):
        return exc  # a server problem, not the file's
    log.exception("preparing upload %s failed", filename)
    return FormatError(f"{filename}: could not be prepared ({type(exc).__name__}: {exc}).")


def check_load_options(info: DatasetInfo, options: LoadOptions, what: str) -> None:
    if options.augment.active and len(info.input_specs()) > 1:
        raise DataError(
            f"{what}: horizontal_flip, vertical_flip and shift augment a set with one image input; this set has "
            f"{len(info.input_specs())} inputs; leave them out.", 422)
    if options.augment.active and info.kind != "image":
        raise DataError(
            f"{what}: horizontal_flip, vertical_flip and shift augment images, but this is a {info.kind} "
            "data set; leave them out.", 422)
    if options.label_mode == "categorical" and info.target.kind != "classes":
        raise DataError(f"{what}: label_mode 'categorical' needs class labels, but the target is values.", 422)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False))
    tmp.replace(path)


def folder(settings: Settings, dataset_id: str) -> Path:
    return settings.uploads_dir / dataset_id


def read_meta(settings: Settings, dataset_id: str) -> dict[str, Any]:
    path = folder(settings, dataset_id) / META
    if not is_upload_id(dataset_id) or not path.is_file():
        raise DataError(f"No uploaded data set '{dataset_id}'.", 404)
    return json.loads(path.read_text())


def info(settings: Settings, dataset_id: str) -> DatasetInfo:
    meta = read_meta(settings, dataset_id)
    return with_options(DatasetInfo.model_validate(meta["info"]), LoadOptions.model_validate(meta["load_options"]))


def load(settings: Settings, dataset_id: str) -> Dataset:
    meta = read_meta(settings, dataset_id)
    base = DatasetInfo.model_validate(meta["info"])
    arrays = load_arrays(folder(settings, dataset_id))
    return assemble(base, arrays, LoadOptions.model_validate(meta["load_options"]))


def set_load_options(settings: Settings, dataset_id: str, options: LoadOptions) -> DatasetInfo:
    meta = read_meta(settings, dataset_id)
    check_load_options(DatasetInfo.model_validate(meta["info"]), options, f"Data set '{dataset_id}'")
    meta["load_options"] = options.model_dump(mode="json")
    _write_json(folder(settings, dataset_id) / META, meta)  # a new stamp: the registry reloads it
    return info(settings, dataset_id)


def delete(settings: Settings, dataset_id: str) -> None:
    """Remove an uploaded set: meta.json goes first, so a crash midway leaves no listed half-set."""
    read_meta(settings, dataset_id)
    path = folder(settings, dataset_id)
    trash = settings.uploads_dir / f"{STAGING_PREFIX}deleted-{dataset_id}"
    path.rename(trash)
    shutil.rmtree(trash, ignore_errors=True)


def owner_of(settings: Settings, dataset_id: str) -> str | None:
    """The users.id that uploaded the set, or None (token/none mode, or made before accounts);
    DataError 404 when there is no such upload."""
    owner = read_meta(settings, dataset_id).get("owner")
    return owner if isinstance(owner, str) else None


def set_owner(settings: Settings, old: str | None, new: str | None) -> list[str]:
    """Every upload owned by `old` (None: without an owner) passes to `new`: the first admin claims
    the unowned ones when the server starts in users mode, an admin takes a removed user's."""
    changed = []
    for dataset_id in list_ids(settings):
        try:
            meta = read_meta(settings, dataset_id)
        except (DataError, ValueError, OSError):
            continue  # deleted meanwhile or damaged: the registry reports it
        if meta.get("owner") == old:
            meta["owner"] = new
            _write_json(folder(settings, dataset_id) / META, meta)
            changed.append(dataset_id)
    return changed


def list_ids(settings: Settings) -> list[str]:
    root = settings.uploads_dir
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if is_upload_id(p.name) and (p / META).is_file()]
    return [p.name for p in sorted(found, key=lambda p: (p / META).stat().st_mtime)]


class UploadSource:
    def ids(self, settings: Settings) -> list[str]:
        return list_ids(settings)

    def provider(self, settings: Settings, dataset_id: str) -> Provider | None:
        if not is_upload_id(dataset_id) or not (folder(settings, dataset_id) / META).is_file():
            return None
        meta = folder(settings, dataset_id) / META
        return Provider(lambda: info(settings, dataset_id), lambda: load(settings, dataset_id),
                        stamp=meta.read_bytes)
