"""Every data set by id: built-in (scikit-learn), synthetic, published file formats, uploads.

Providers register a loader with its info; `load_dataset` caches what it loaded in this process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .base import Dataset, DatasetInfo


class DatasetNotFound(LookupError):
    pass


@dataclass
class Provider:
    info: Callable[[], DatasetInfo]  # cheap: no arrays loaded
    load: Callable[[], Dataset]


_PROVIDERS: dict[str, Provider] = {}
_CACHE: dict[str, Dataset] = {}


def register_dataset(dataset_id: str, info: Callable[[], DatasetInfo], load: Callable[[], Dataset]) -> None:
    _PROVIDERS[dataset_id] = Provider(info, load)


def _ensure_registered() -> None:
    from . import builtin  # noqa: F401  (registers the built-in and synthetic sets)


def list_datasets() -> list[DatasetInfo]:
    _ensure_registered()
    return [p.info() for p in _PROVIDERS.values()]


def load_dataset(dataset_id: str) -> Dataset:
    _ensure_registered()
    if dataset_id not in _CACHE:
        provider = _PROVIDERS.get(dataset_id)
        if provider is None:
            known = ", ".join(sorted(_PROVIDERS))
            raise DatasetNotFound(f"Unknown data set '{dataset_id}'. Known: {known}.")
        _CACHE[dataset_id] = provider.load()
    return _CACHE[dataset_id]


def dataset_info(dataset_id: str) -> DatasetInfo:
    _ensure_registered()
    provider = _PROVIDERS.get(dataset_id)
    if provider is None:
        known = ", ".join(sorted(_PROVIDERS))
        raise DatasetNotFound(f"Unknown data set '{dataset_id}'. Known: {known}.")
    return provider.info()
