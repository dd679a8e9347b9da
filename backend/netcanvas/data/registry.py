"""Every data set by id: built-in (scikit-learn), synthetic, published file formats, uploads.

Providers register a loader with its info; `load_dataset` caches what it loaded in this process.
Sources (published files on disk, uploads) are asked on every call, so a set appears as soon as
its files are there and disappears when they are deleted. They look under the data directory of
the settings given to `configure` (default: `config.get_settings()`, i.e. NETCANVAS_DATA_DIR).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from .base import Dataset, DatasetInfo

if TYPE_CHECKING:
    from ..config import Settings


log = logging.getLogger(__name__)


class DatasetNotFound(LookupError):
    pass


@dataclass
class Provider:
    info: Callable[[], DatasetInfo]  # cheap: no arrays loaded
    load: Callable[[], Dataset]


class Source(Protocol):
    """Data sets that come and go with files on disk."""

    def ids(self, settings: Settings) -> list[str]: ...

    def provider(self, settings: Settings, dataset_id: str) -> Provider | None: ...


_PROVIDERS: dict[str, Provider] = {}
_SOURCES: list[Source] = []
_CACHE: dict[str, Dataset] = {}
_SETTINGS: list[Settings] = []  # the configured settings, if any


def register_dataset(dataset_id: str, info: Callable[[], DatasetInfo], load: Callable[[], Dataset]) -> None:
    _PROVIDERS[dataset_id] = Provider(info, load)


def register_source(source: Source) -> None:
    if source not in _SOURCES:
        _SOURCES.append(source)


def configure(settings: Settings) -> None:
    """Look for file and upload data sets under `settings.data_dir` (forgets what was cached)."""
    if _SETTINGS and _SETTINGS[0] is settings:
        return
    _SETTINGS[:] = [settings]
    _CACHE.clear()


def current_settings() -> Settings:
    if _SETTINGS:
        return _SETTINGS[0]
    from ..config import get_settings

    return get_settings()


def forget(dataset_id: str) -> None:
    """Drop a cached data set (after it was deleted or its options changed)."""
    _CACHE.pop(dataset_id, None)


def _ensure_registered() -> None:
    try:
        from . import builtin  # noqa: F401  (registers the built-in and synthetic sets)
    except ModuleNotFoundError as exc:  # while builtin.py is being written
        if exc.name != f"{__package__}.builtin":
            raise
    from . import published, uploads  # noqa: F401  (register their sources)


def _find(dataset_id: str) -> Provider:
    provider = _PROVIDERS.get(dataset_id)
    if provider is not None:
        return provider
    settings = current_settings()
    for source in _SOURCES:
        provider = source.provider(settings, dataset_id)
        if provider is not None:
            return provider
    known = ", ".join(sorted(_all_ids()))
    raise DatasetNotFound(f"Unknown data set '{dataset_id}'. Known: {known}.")


def _all_ids() -> list[str]:
    settings = current_settings()
    ids = list(_PROVIDERS)
    for source in _SOURCES:
        ids += [i for i in source.ids(settings) if i not in ids]
    return ids


def list_datasets() -> list[DatasetInfo]:
    """Every data set; a file or upload set whose files cannot be read is left out (and logged),
    so one damaged folder does not hide the others."""
    _ensure_registered()
    out = []
    for i in _all_ids():
        try:
            out.append(_find(i).info())
        except (ValueError, OSError, DatasetNotFound) as exc:  # DataError is a ValueError
            if i in _PROVIDERS:
                raise
            log.warning("data set %s left out of the list: %s", i, exc)
    return out


def load_dataset(dataset_id: str) -> Dataset:
    _ensure_registered()
    if dataset_id not in _CACHE:
        _CACHE[dataset_id] = _find(dataset_id).load()
    return _CACHE[dataset_id]


def dataset_info(dataset_id: str) -> DatasetInfo:
    _ensure_registered()
    return _find(dataset_id).info()
