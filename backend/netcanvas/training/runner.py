"""Executors run training jobs outside the API process and report their events.

`Executor` is the small interface the API uses; `LocalExecutor` runs each job in its own process
(multiprocessing *spawn* context: never fork a threaded server) with a concurrency limit. A Ray
executor can implement the same interface later.

Life of a job in LocalExecutor: queued (waits for a slot) → running (a worker process; events
arrive on a one-way pipe per worker, which a killed worker cannot leave locked or corrupt for
others) → finished. Cancel sets the worker's stop flag (graceful; run_training polls it) and
terminates the process if it has not stopped within `grace_s`. A worker that exits without a
final status is reported `failed` ("worker process exited unexpectedly (exit code -9)").

Warm pool (`warm`): that many workers are spawned ahead of time and have already imported torch and
the trainer (worker.warm_main), so a run's first batch comes without the ~4 s of spawn and imports;
each still runs a single job in its own fresh process, and a taken worker is replaced at once.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

from ..run_states import is_final
from .events import EVENT, Event, StatusEvent
from .worker import DEFAULT_TRAINER, warm_main, worker_main

log = logging.getLogger(__name__)

EventSink = Callable[[str, Event], None]
"""Receives (run_id, event); called from the executor's own thread."""


@dataclass
class Job:
    run_id: str
    graph: dict[str, Any]  # graph JSON (graph.schema.Graph)
    settings: dict[str, Any]  # TrainSettings JSON
    out_dir: Path
    data_dir: Path | None = None  # where uploaded / downloaded data sets live (Settings.data_dir)
    threads: int | None = None  # CPU threads for the worker's torch; None: the executor decides


class Executor(Protocol):
    def start(self, sink: EventSink) -> None: ...

    def submit(self, job: Job) -> None: ...

    def cancel(self, run_id: str, reason: str = "stopped by the user") -> bool:
        """Ask a queued or running job to stop (`reason` becomes the run's error); False when the
        executor does not know it."""
        ...

    def is_active(self, run_id: str) -> bool: ...

    def shutdown(self) -> None: ...


@dataclass
class _Worker:
    job: Job
    process: BaseProcess
    conn: Connection
    stop: Any  # multiprocessing Event
    final_seen: bool = False
    eof: bool = False
    exited_at: float | None = None
    cancel_deadline: float | None = None
    cancelled: bool = False
    reason: str = "stopped by the user"
    terminations: int = 0


@dataclass
class _Warm:
    """A pre-started worker waiting for its one job on `jobs`."""

    process: BaseProcess
    jobs: Connection  # the job goes in here
    conn: Connection  # its events come out here
    stop: Any
    threads: int


class LocalExecutor:
    """One spawned process per job, at most `max_concurrent` at once."""

    def __init__(self, max_concurrent: int = 2, trainer: str = DEFAULT_TRAINER, grace_s: float = 5.0,
                 memory_mb: int | None = None, warm: int = 0):
        self.max_concurrent = max_concurrent
        self.warm = warm  # pre-started workers kept ready (0: spawn each worker when its run starts)
        self._pool: deque[_Warm] = deque()
        self.memory_mb = memory_mb  # each worker's memory limit (Settings.worker_memory_mb); None: none
        self.trainer = trainer
        self.grace_s = grace_s
        self._ctx = mp.get_context("spawn")
        self._lock = threading.Lock()
        self._pending: deque[Job] = deque()
        self._running: dict[str, _Worker] = {}
        self._sink: EventSink | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    # -- interface ------------------------------------------------------------------------------

    def start(self, sink: EventSink) -> None:
        self._sink = sink
        self._thread = threading.Thread(target=self._loop, name="netcanvas-executor", daemon=True)
        self._thread.start()

    def submit(self, job: Job) -> None:
        with self._lock:
            self._pending.append(job)

    def cancel(self, run_id: str, reason: str = "stopped by the user") -> bool:
        with self._lock:
            for job in self._pending:
                if job.run_id == run_id:
                    self._pending.remove(job)
                    break
            else:
                w = self._running.get(run_id)
                if w is None:
                    return False
                if not w.cancelled:
                    w.cancelled, w.reason = True, reason
                    w.cancel_deadline = time.monotonic() + self.grace_s
                    w.stop.set()
                return True
        self._emit(run_id, StatusEvent(status="cancelled", error="cancelled before it started"))
        return True

    def is_active(self, run_id: str) -> bool:
        with self._lock:
            return run_id in self._running or any(j.run_id == run_id for j in self._pending)

    def running(self) -> list[str]:
        with self._lock:
            return list(self._running)

    def pid(self, run_id: str) -> int | None:
        with self._lock:
            w = self._running.get(run_id)
            return w.process.pid if w else None

    def shutdown(self, timeout: float = 5.0) -> None:
        """Cancel everything: queued jobs end cancelled, workers get `timeout` to stop, then die."""
        with self._lock:
            pending = list(self._pending)
            self._pending.clear()
            for w in self._running.values():
                w.cancelled, w.reason = True, "the server shut down"
                w.cancel_deadline = time.monotonic() + timeout
                w.stop.set()
        for job in pending:
            self._emit(job.run_id, StatusEvent(status="cancelled", error="the server shut down before it started"))
        end = time.monotonic() + timeout + 2
        while time.monotonic() < end:
            with self._lock:
                if not self._running:
                    break
            time.sleep(0.05)
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._drain_pool()
        with self._lock:
            for w in self._running.values():
                if w.process.is_alive():
                    w.process.kill()
                w.process.join(timeout=2)
            self._running.clear()

    def threads_per_run(self) -> int:
        """The CPUs shared fairly between the runs allowed at once (no oversubscription)."""
        try:
            cpus = len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            cpus = os.cpu_count() or 1
        return max(1, cpus // self.max_concurrent)

    # -- the executor thread --------------------------------------------------------------------

    def _emit(self, run_id: str, event: Event) -> None:
        if self._sink is not None:
            try:
                self._sink(run_id, event)
            except Exception:
                log.exception("event sink failed for run %s", run_id)

    def _spawn_warm(self) -> _Warm:
        recv, send = self._ctx.Pipe(duplex=False)
        job_recv, job_send = self._ctx.Pipe(duplex=False)
        stop = self._ctx.Event()
        threads = self.threads_per_run()
        proc = self._ctx.Process(target=warm_main, args=(job_recv, send, stop, self.trainer, threads),
                                 name="netcanvas-warm-worker", daemon=False)
        proc.start()
        send.close()
        job_recv.close()
        return _Warm(process=proc, jobs=job_send, conn=recv, stop=stop, threads=threads)

    def _refill(self) -> None:
        """Keep `warm` workers ready; one that died while idle is dropped (and replaced)."""
        for w in [w for w in self._pool if not w.process.is_alive()]:
            self._pool.remove(w)
            w.jobs.close()
            w.conn.close()
        while len(self._pool) < self.warm and not self._stopping.is_set():
            try:
                self._pool.append(self._spawn_warm())
            except Exception:
                log.exception("could not start a warm worker")
                break

    def _drain_pool(self) -> None:
        with self._lock:
            pool, self._pool = list(self._pool), deque()
        for w in pool:
            w.jobs.close()  # EOF: the idle worker exits by itself
        for w in pool:
            w.process.join(timeout=3)
            if w.process.is_alive():
                w.process.kill()
                w.process.join(timeout=2)
            w.conn.close()

    def _take_warm(self, job: Job) -> _Worker | None:
        """Hand `job` to a ready worker (None: none is ready, or it did not take the job)."""
        while self._pool:
            w = self._pool.popleft()
            if not w.process.is_alive() or (job.threads and job.threads != w.threads):
                w.jobs.close()
                w.conn.close()
                continue
            try:
                w.jobs.send({
                    "run_id": job.run_id, "graph_json": job.graph, "settings_json": job.settings,
                    "out_dir": str(job.out_dir), "data_dir": str(job.data_dir) if job.data_dir else None,
                    "threads": w.threads, "memory_mb": self.memory_mb,
                })
            except (OSError, EOFError):  # it died just now
                w.jobs.close()
                w.conn.close()
                continue
            w.jobs.close()
            log.info("run %s: warm worker pid %s took it", job.run_id, w.process.pid)
            return _Worker(job=job, process=w.process, conn=w.conn, stop=w.stop)
        return None

    def _launch(self, job: Job) -> _Worker:
        warm = self._take_warm(job)
        if warm is not None:
            return warm
        recv, send = self._ctx.Pipe(duplex=False)
        stop = self._ctx.Event()
        proc = self._ctx.Process(
            target=worker_main,
            args=(job.run_id, job.graph, job.settings, str(job.out_dir), send, stop, self.trainer,
                  str(job.data_dir) if job.data_dir else None, job.threads or self.threads_per_run(),
                  self.memory_mb),
            name=f"netcanvas-run-{job.run_id[:8]}",
        )
        proc.start()
        send.close()  # the child holds the only write end: its death means EOF here
        log.info("run %s: worker pid %s started", job.run_id, proc.pid)
        return _Worker(job=job, process=proc, conn=recv, stop=stop)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self._step()
            except Exception:
                log.exception("executor loop error")
                time.sleep(0.2)

    def _step(self) -> None:
        now = time.monotonic()
        with self._lock:
            while self._pending and len(self._running) < self.max_concurrent:
                job = self._pending.popleft()
                try:
                    self._running[job.run_id] = self._launch(job)
                except Exception as err:
                    log.exception("run %s: could not start a worker", job.run_id)
                    self._emit(job.run_id, StatusEvent(status="failed", error=f"could not start a worker: {err}"))
            self._refill()
            for w in self._running.values():
                if w.cancel_deadline is not None and now > w.cancel_deadline and w.process.is_alive():
                    if w.terminations == 0:
                        log.warning("run %s: worker did not stop in time; terminating", w.job.run_id)
                        w.process.terminate()
                        w.reason += "; the worker was terminated"
                    else:
                        w.process.kill()
                    w.terminations += 1
                    w.cancel_deadline = now + 2
            workers = list(self._running.values())
        waitables: list[Any] = [w.conn for w in workers if not w.eof]
        waitables += [w.process.sentinel for w in workers if w.exited_at is None]
        if not waitables:
            time.sleep(0.05)
            return
        ready = set(wait(waitables, timeout=0.1))
        for w in workers:
            if not w.eof and w.conn in ready:
                self._drain(w)
            if w.exited_at is None and w.process.sentinel in ready:
                w.exited_at = time.monotonic()
            if w.exited_at is not None and not w.eof:
                self._drain(w)  # the child is gone: read what it left until EOF
                if not w.eof and time.monotonic() - w.exited_at > 2:
                    w.eof = True  # a grandchild holds the pipe open: stop waiting for it
            if w.exited_at is not None and w.eof:
                self._finish(w)

    def _drain(self, w: _Worker) -> None:
        try:
            while w.conn.poll():
                payload = w.conn.recv()
                try:
                    event = EVENT.validate_python(payload)
                except ValidationError as err:
                    log.warning("run %s: dropping a malformed event: %s", w.job.run_id, err)
                    continue
                if isinstance(event, StatusEvent) and is_final(event.status):
                    if w.final_seen:
                        continue
                    w.final_seen = True
                    if event.status == "cancelled" and not event.error and w.cancelled:
                        event = event.model_copy(update={"error": w.reason})  # say why it ended
                self._emit(w.job.run_id, event)
        except (EOFError, OSError):
            w.eof = True
        except Exception:
            log.exception("run %s: unreadable message from the worker", w.job.run_id)
            w.eof = True

    def _finish(self, w: _Worker) -> None:
        w.process.join(timeout=1)
        code = w.process.exitcode
        w.conn.close()
        with self._lock:
            self._running.pop(w.job.run_id, None)
        log.info("run %s: worker exited with code %s", w.job.run_id, code)
        if w.final_seen:
            return
        if w.cancelled:
            event = StatusEvent(status="cancelled", error=w.reason)
        else:
            event = StatusEvent(status="failed", error=f"worker process exited unexpectedly (exit code {code})")
        self._emit(w.job.run_id, event)
