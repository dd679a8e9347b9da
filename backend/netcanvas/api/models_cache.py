"""Trained models loaded in the API process for predict/evaluate, a few at a time (LRU)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any


class BundleCache:
    def __init__(self, size: int = 4):
        self.size = size
        self._items: OrderedDict[tuple[str, int], Any] = OrderedDict()
        self._derived: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
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

    def derived(self, path: Path, key: tuple[str, ...], build: Callable[[Any], Any]) -> Any:
        """`build(bundle)` for model.pt at `path`, kept as long as the bundle is (features at nodes)."""
        bundle = self.get(path)
        full = (str(path), path.stat().st_mtime_ns, *key)
        with self._lock:
            if full in self._derived:
                self._derived.move_to_end(full)
                return self._derived[full]
        value = build(bundle)
        with self._lock:
            self._derived[full] = value
            for gone in [k for k in self._derived if (k[0], k[1]) not in self._items]:
                del self._derived[gone]  # its bundle was evicted: do not keep its modules alive
            while len(self._derived) > self.size:
                self._derived.popitem(last=False)
        return value

    def forget(self, path: Path) -> None:
        with self._lock:
            for key in [k for k in self._items if k[0] == str(path)]:
                del self._items[key]
            for full in [k for k in self._derived if k[0] == str(path)]:
                del self._derived[full]
