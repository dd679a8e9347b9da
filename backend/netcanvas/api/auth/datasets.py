"""The data sets one user may see: every built-in and published set, and their own uploads.

`OwnedDatasets` is the app's registry seen by one user (api.deps.DatasetsDep hands it to routes in
users mode): it shares the registry's providers and cache, and another user's upload answers
exactly as an unknown id does ("Unknown data set …"), so nobody learns it exists.
"""

from __future__ import annotations

from ...data import uploads
from ...data.base import Provider
from ...data.errors import DataError
from ...data.registry import DatasetNotFound, DatasetRegistry


class OwnedDatasets(DatasetRegistry):
    def __init__(self, base: DatasetRegistry, owner: str):
        # not super().__init__: the same providers, sources, cache and lock as the app's registry
        self.settings = base.settings
        self._providers = base._providers
        self._sources = base._sources
        self._cache = base._cache
        self._lock = base._lock
        self.owner = owner

    def _mine(self, dataset_id: str) -> bool:
        if not uploads.is_upload_id(dataset_id) or dataset_id in self._providers:
            return True
        try:
            return uploads.owner_of(self.settings, dataset_id) == self.owner
        except (DataError, ValueError, OSError):
            return True  # no such upload (or unreadable): the registry answers as it would

    def ids(self) -> list[str]:
        return [i for i in super().ids() if self._mine(i)]

    def _find(self, dataset_id: str) -> Provider:
        if not self._mine(dataset_id):
            known = ", ".join(sorted(self.ids()))
            raise DatasetNotFound(f"Unknown data set '{dataset_id}'. Known: {known}.")
        return super()._find(dataset_id)
