"""Trained models loaded in the API process for predict/evaluate, a few at a time (LRU)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any


class BundleCache:
    def __init__(self, size: int = 4):
        self.size = size
        self._items: OrderedDict[tuple[str, int], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, path: Path) -> Any:
        """training.bundle.Bundle for model.pt at `path` (reloaded when the file changes)."""
        from ..training.bundle import load_bundle

        key = (str(path), path.stat().st_mtime_ns)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        bundle = load_bundle(path)
        with self._lock:
            self._items[key] = bundle
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return bundle

    def forget(self, path: Path) -> None:
        with self._lock:
            for key in [k for k in self._items if k[0] == str(path)]:
                del self._items[key]
