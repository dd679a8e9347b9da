"""Folders as bytes, for the Ray executor: the run's inputs travel to the worker and its artifacts
back through Ray's object store, never a shared filesystem (training/ray_executor.py).

A bundle is an uncompressed tar (model weights and .npy arrays hardly compress; tar costs no CPU).
`pack` refuses a folder over its limit with a sentence, so one huge upload cannot fill the object
store; `unpack` extracts with tarfile's "data" filter (no absolute paths, links out, devices).
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterable
from pathlib import Path

MB = 1_000_000


def pack(entries: Iterable[tuple[Path, str]], limit_mb: int, what: str) -> bytes:
    """A tar of each (path on disk, name in the bundle): files, or folders with what they hold.
    Over `limit_mb` in all: ValueError naming `what`."""
    entries = list(entries)
    size = sum(_size(path) for path, _ in entries)
    if size > limit_mb * MB:
        raise ValueError(f"{what} is {size / MB:,.0f} MB, over the {limit_mb:,} MB the Ray executor ships "
                         "through its object store")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for path, name in entries:
            tar.add(path, arcname=name)
    return buf.getvalue()


def unpack(bundle: bytes, into: Path) -> list[str]:
    """Extract `bundle` under `into`; the names of the files it held."""
    into.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(bundle), mode="r") as tar:
        names = [m.name for m in tar.getmembers() if m.isfile()]
        tar.extractall(into, filter="data")
    return names


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
