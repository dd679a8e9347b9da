"""What runs on a Ray node for one run (training/ray_executor.py starts one actor per run).

`RunActor.train` unpacks the run's inputs (the data set's folder, the starting weights) into a
private temporary data directory, runs `worker.worker_main` there, exactly as a local worker does,
in a thread, and streams its events back as a Ray streaming generator (each item in order, none
dropped). Before the final status it adds a log line saying where the run ran, then the bundle of
everything the trainer wrote in its out_dir, so model.pt reaches the API before the run ends. `stop`
(the actor is threaded, so it is served while `train` runs) sets the stop flag the trainer polls.
This module imports no Ray: the executor wraps the class with ray.remote.
"""

from __future__ import annotations

import os
import queue
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import ray_bundle
from .worker import DEFAULT_TRAINER, worker_main

_END = object()  # the worker closed its side: nothing more comes


class _QueueConn:
    """worker_main's pipe end, as a queue between its thread and the generator."""

    def __init__(self, q: queue.Queue[Any]):
        self._q = q

    def send(self, payload: dict[str, Any]) -> None:
        self._q.put(payload)

    def close(self) -> None:
        self._q.put(_END)


def placement() -> dict[str, Any]:
    """This process's Ray node and pid."""
    import ray

    ctx = ray.get_runtime_context()
    return {"node_id": ctx.get_node_id(), "node_ip": ray.util.get_node_ip_address(), "pid": os.getpid()}


class RunActor:
    def __init__(self) -> None:
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def where(self) -> dict[str, Any]:
        return placement()

    def train(self, job: dict[str, Any], inputs: bytes | None, trainer: str = DEFAULT_TRAINER,
              memory_mb: int | None = None, artifacts_mb: int = 4096) -> Iterator[tuple[str, Any]]:
        """Yields ("event", event JSON) and, once, just before the final status, ("files", bundle)."""
        root = Path(tempfile.mkdtemp(prefix="netcanvas-ray-"))
        try:
            data_dir, out_dir = root / "data", root / "out"
            data_dir.mkdir()
            if inputs:
                ray_bundle.unpack(inputs, data_dir)
            q: queue.Queue[Any] = queue.Queue()
            thread = threading.Thread(target=worker_main, name="netcanvas-ray-run", daemon=True, kwargs={
                "run_id": job["run_id"], "graph_json": job["graph"], "settings_json": job["settings"],
                "out_dir": str(out_dir), "conn": _QueueConn(q), "stop": self._stop, "trainer": trainer,
                "data_dir": str(data_dir), "threads": job.get("threads"), "memory_mb": memory_mb,
            })
            thread.start()
            while (item := q.get()) is not _END:
                if item.get("type") == "status" and item.get("status") in ("succeeded", "cancelled", "failed"):
                    yield from self._before_final(item, out_dir, artifacts_mb)
                yield "event", item
            thread.join(timeout=5)
        finally:
            shutil.rmtree(root, ignore_errors=True)

    def _before_final(self, final: dict[str, Any], out_dir: Path, artifacts_mb: int) -> Iterator[tuple[str, Any]]:
        at = placement()
        yield "event", {"type": "log", "level": "info", "message": (
            f"ran on the Ray executor: node {at['node_ip']} (id {at['node_id'][:12]}), worker pid {at['pid']}, "
            f"device {final.get('device') or 'unknown'}")}
        if not out_dir.is_dir():
            return
        try:
            files = ray_bundle.pack([(p, p.name) for p in sorted(out_dir.iterdir())], artifacts_mb,
                                    "what the run wrote")
        except (ValueError, OSError) as err:
            yield "event", {"type": "log", "level": "error", "message": f"its files could not come back: {err}"}
            return
        yield "files", files
