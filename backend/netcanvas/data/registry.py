"""Every data set by id: built-in (scikit-learn), synthetic, published file formats, uploads.

A `DatasetRegistry` belongs to one data directory (its Settings): the app keeps one on
`app.state.datasets` (routes get it as the `DatasetsDep` dependency), a training worker makes its
own for the server's data directory. Sources (published files on disk, uploads) are asked on every
call, so a set appears as soon as its files are there and disappears when they are deleted. Loaded
sets are cached per registry; a cached copy is reused while its provider's stamp (e.g. the upload's
meta.json) is unchanged, and `forget` drops one explicitly.

The providers know nothing of the registry (they import only data.base), so nothing imports back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from . import builtin, published, uploads
from .base import Dataset, DatasetInfo, Provider, Source

if TYPE_CHECKING:
    from ..config import Settings

log = logging.getLogger(__name__)


class DatasetNotFound(LookupError):
    pass


def default_sources() -> list[Source]:
    return [published.PublishedSource(), uploads.UploadSource()]


class DatasetRegistry:
    def __init__(
        self, settings: Settings, providers: Mapping[str, Provider] | None = None,
        sources: Sequence[Source] | None = None,
    ):
        self.settings = settings
        self._providers = dict(builtin.BUILTIN if providers is None else providers)
        self._sources = list(default_sources() if sources is None else sources)
        self._cache: dict[str, tuple[object, Dataset]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_environment(cls) -> DatasetRegistry:
        """For the data directory NETCANVAS_DATA_DIR names (config.get_settings())."""
        from ..config import get_settings

        return cls(get_settings())

    def ids(self) -> list[str]:
        ids = list(self._providers)
        for source in self._sources:
            ids += [i for i in source.ids(self.settings) if i not in ids]
        return ids

    def _find(self, dataset_id: str) -> Provider:
        provider = self._providers.get(dataset_id)
        if provider is not None:
            return provider
        for source in self._sources:
            provider = source.provider(self.settings, dataset_id)
            if provider is not None:
                return provider
        known = ", ".join(sorted(self.ids()))
        raise DatasetNotFound(f"Unknown data set '{dataset_id}'. Known: {known}.")

    def infos(self) -> list[DatasetInfo]:
        """Every data set; a file or upload set whose files cannot be read is left out (and logged),
        so one damaged folder does not hide the others."""
        out = []
        for i in self.ids():
            try:
                out.append(self._find(i).info())
            except (ValueError, OSError, DatasetNotFound) as exc:  # DataError is a ValueError
                if i in self._providers:
                    raise
                log.warning("data set %s left out of the list: %s", i, exc)
        return out

    def info(self, dataset_id: str) -> DatasetInfo:
        return self._find(dataset_id).info()

    def load(self, dataset_id: str) -> Dataset:
        """The data set's arrays (cached); DatasetNotFound for an unknown or deleted one."""
        provider = self._find(dataset_id)  # asked every time: a deleted upload is not served from the cache
        try:
            stamp = provider.stamp() if provider.stamp is not None else None
        except FileNotFoundError:  # deleted just now
            raise DatasetNotFound(f"Data set '{dataset_id}' was just deleted.") from None
        with self._lock:
            cached = self._cache.get(dataset_id)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        data = provider.load()
        with self._lock:
            self._cache[dataset_id] = (stamp, data)
        return data

    def forget(self, dataset_id: str) -> None:
        """Drop a cached data set (after its files were replaced)."""
        with self._lock:
            self._cache.pop(dataset_id, None)
