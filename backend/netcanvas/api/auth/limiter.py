"""Sign-in attempts per user name: after `max_failures` wrong passwords in a row the name is locked
for `lockout_s` seconds (in memory, per server process: enough to make guessing slow)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Entry:
    failures: int = 0
    locked_until: float = 0.0


class LoginLimiter:
    def __init__(self, max_failures: int = 10, lockout_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic):
        self.max_failures = max_failures
        self.lockout_s = lockout_s
        self.clock = clock
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def locked_for(self, name: str) -> float:
        """Seconds `name` stays locked (0: it may try)."""
        with self._lock:
            entry = self._entries.get(name.lower())
            return max(0.0, entry.locked_until - self.clock()) if entry else 0.0

    def failed(self, name: str) -> None:
        with self._lock:
            if len(self._entries) > 100_000:  # names that never succeed must not grow memory forever
                self._entries.clear()
            entry = self._entries.setdefault(name.lower(), _Entry())
            entry.failures += 1
            if entry.failures >= self.max_failures:
                entry.failures = 0
                entry.locked_until = self.clock() + self.lockout_s

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._entries.pop(name.lower(), None)
