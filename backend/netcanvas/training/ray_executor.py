"""The Ray executor: each run is a Ray actor on some node of a Ray cluster (NETCANVAS_EXECUTOR=ray).

Ray is the scheduler: a run asks for resources from its settings (CPUs: `cpus_per_run` or the job's
threads; one GPU for device "cuda", and for "auto" where the cluster has GPUs; `memory_mb` of
memory) and waits, `queued`, until a node has them. The actor (training/ray_actor.py) runs
worker.worker_main as a local worker does and streams its events back as a Ray streaming generator;
one thread here per run reads them in order and hands them to the sink, so ordering and completeness
are the local executor's. Nothing relies on a shared filesystem: the data set's folder (an upload,
a published set's files) and the starting weights of a "train further" run go to the worker through
the object store, and the files the trainer wrote (model.pt …) come back the same way, into the
job's out_dir, before the final status.

Cancel: a run still waiting for resources is dropped (its actor killed); a running one gets its stop
flag set (graceful, the trainer keeps the weights of its last completed epoch) and is killed after
`grace_s`. A worker process or node that dies ends the run `failed` with a sentence. The run's log
says where it ran (node, worker pid, device).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model_file import FILE_NAME
from ..run_states import is_final
from . import ray_bundle
from .events import EVENT, Event, StatusEvent
from .runner import EventSink, Job
from .worker import DEFAULT_TRAINER

log = logging.getLogger(__name__)


@dataclass
class _Run:
    job: Job
    actor: Any = None
    started: bool = False  # the worker has sent an event
    final_seen: bool = False
    cancelled: bool = False
    reason: str = "stopped by the user"
    cancel_deadline: float | None = None
    killed: bool = False


class RayExecutor:
    """One Ray actor per run, on the cluster at `address` (None: Ray's default, RAY_ADDRESS or a new
    local one; "local": a new one in this process; "ray://…" or "host:port": an existing one)."""

    def __init__(self, address: str | None = None, trainer: str = DEFAULT_TRAINER, grace_s: float = 5.0,
                 memory_mb: int | None = None, cpus_per_run: float = 1, resources: dict[str, float] | None = None,
                 max_ship_mb: int = 2048):
        self.address = address
        self.trainer = trainer
        self.grace_s = grace_s
        self.memory_mb = memory_mb  # each worker's memory, asked of Ray and set as its limit
        self.cpus_per_run = cpus_per_run
        self.resources = dict(resources or {})  # extra Ray resources every run asks for (node labels)
        self.max_ship_mb = max_ship_mb  # the largest data set (and artifacts) the object store carries
        self._lock = threading.Lock()
        self._runs: dict[str, _Run] = {}
        self._threads: list[threading.Thread] = []
        self._sink: EventSink | None = None
        self._stopping = threading.Event()
        self._watchdog: threading.Thread | None = None
        self._owns_ray = False
        self._actor_class: Any = None

    # -- interface ------------------------------------------------------------------------------

    def start(self, sink: EventSink) -> None:
        import ray

        from .ray_actor import RunActor

        if not ray.is_initialized():
            ray.init(address=self.address, namespace="netcanvas")
            self._owns_ray = True
        self._actor_class = ray.remote(RunActor)
        self._sink = sink
        self._watchdog = threading.Thread(target=self._watch, name="netcanvas-ray-watchdog", daemon=True)
        self._watchdog.start()

    def submit(self, job: Job) -> None:
        job.out_dir.mkdir(parents=True, exist_ok=True)  # as a local worker makes it: the run's folder exists
        run = _Run(job=job)
        with self._lock:
            self._runs[job.run_id] = run
            thread = threading.Thread(target=self._pump, args=(run,), name=f"netcanvas-ray-{job.run_id[:8]}",
                                      daemon=True)
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def cancel(self, run_id: str, reason: str = "stopped by the user") -> bool:
        with self._lock:
            run = self._runs.get(run_id)
            if run is None:
                return False
            if run.cancelled:
                return True
            run.cancelled, run.reason = True, reason
            run.cancel_deadline = time.monotonic() + self.grace_s
            actor, started = run.actor, run.started
        if actor is not None:
            if started:
                actor.stop.remote()
            else:  # still waiting for resources (or starting): nothing to keep
                self._kill(run)
        return True

    def is_active(self, run_id: str) -> bool:
        with self._lock:
            return run_id in self._runs

    def running(self) -> list[str]:
        with self._lock:
            return [r for r, run in self._runs.items() if run.started]

    def shutdown(self, timeout: float = 5.0) -> None:
        """Cancel everything: runs get `timeout` to stop (and send their files back), then die."""
        with self._lock:
            runs = list(self._runs)
        for run_id in runs:
            self.cancel(run_id, "the server shut down")
        end = time.monotonic() + timeout + 2
        while time.monotonic() < end:
            with self._lock:
                if not self._runs:
                    break
            time.sleep(0.05)
        with self._lock:
            left = list(self._runs.values())
        for run in left:
            self._kill(run)
        for thread in list(self._threads):
            thread.join(timeout=5)
        self._stopping.set()
        if self._watchdog is not None:
            self._watchdog.join(timeout=2)
        if self._owns_ray:
            import ray

            ray.shutdown()
            self._owns_ray = False

    # -- one thread per run ---------------------------------------------------------------------

    def _emit(self, run_id: str, event: Event) -> None:
        if self._sink is not None:
            try:
                self._sink(run_id, event)
            except Exception:
                log.exception("event sink failed for run %s", run_id)

    def _pump(self, run: _Run) -> None:
        """Start the run's actor and pass its events on, in order, until its final status."""
        import ray
        from ray.exceptions import RayError

        job = run.job
        ending: StatusEvent | None = None
        try:
            inputs = self._inputs(job)
            options = self._options(job)
            inputs_ref = ray.put(inputs) if inputs else None
            actor = self._actor_class.options(**options).remote()
            with self._lock:
                run.actor = actor
                drop = run.cancelled  # cancelled while its inputs were packed
            if drop:
                self._kill(run)
            payload = {"run_id": job.run_id, "graph": job.graph, "settings": job.settings,
                       "threads": job.threads or max(1, int(self.cpus_per_run))}
            stream = actor.train.options(num_returns="streaming").remote(
                payload, inputs_ref, self.trainer, self.memory_mb, self.max_ship_mb)
            for ref in stream:
                kind, value = ray.get(ref)
                if kind == "files":
                    names = ray_bundle.unpack(value, job.out_dir)
                    log.info("run %s: %d file(s) came back from the Ray worker", job.run_id, len(names))
                else:
                    self._deliver(run, value)
        except RayError as err:
            ending = self._ended_by(run, err)
        except Exception as err:
            log.exception("run %s: could not run it on Ray", job.run_id)
            doing = "the Ray executor lost the run" if run.started else "could not start a Ray worker"
            ending = StatusEvent(status="failed", error=f"{doing}: {err}")
        finally:
            self._finish(run, ending)

    def _deliver(self, run: _Run, payload: dict[str, Any]) -> None:
        event = EVENT.validate_python(payload)
        with self._lock:
            run.started = True
        if isinstance(event, StatusEvent) and is_final(event.status):
            if run.final_seen:
                return
            run.final_seen = True
            if event.status == "cancelled" and not event.error and run.cancelled:
                event = event.model_copy(update={"error": run.reason})  # say why it ended
            with self._lock:  # it has ended: no longer active once its watchers hear so
                self._runs.pop(run.job.run_id, None)
        self._emit(run.job.run_id, event)

    def _ended_by(self, run: _Run, err: Exception) -> StatusEvent:
        """The final status of a run whose actor died (killed by cancel, or lost)."""
        if run.cancelled:
            if not run.started:
                return StatusEvent(status="cancelled", error="cancelled before it started")
            return StatusEvent(status="cancelled", error=run.reason)
        err = self._death_of(run, err)
        log.warning("run %s: the Ray worker died: %s", run.job.run_id, err)
        return StatusEvent(status="failed", error=died_sentence(err))

    def _death_of(self, run: _Run, err: Exception, wait_s: float = 20.0) -> Exception:
        """Ray's word on how the actor died. A node that dies first shows as the actor being
        "temporarily unavailable"; the death and its cause (the node) follow once Ray knows."""
        import ray
        from ray.exceptions import ActorDiedError, ActorUnavailableError, GetTimeoutError, RayError

        if not isinstance(err, ActorUnavailableError) or run.actor is None:
            return err
        end = time.monotonic() + wait_s
        while time.monotonic() < end:
            try:
                ray.get(run.actor.where.remote(), timeout=3)
            except ActorDiedError as died:
                return died
            except (ActorUnavailableError, GetTimeoutError):
                time.sleep(0.5)
            except RayError as other:
                return other
            else:
                break  # reachable again, but its stream is broken: the run is lost all the same
        return err

    def _finish(self, run: _Run, ending: StatusEvent | None) -> None:
        with self._lock:
            self._runs.pop(run.job.run_id, None)
        if run.actor is not None and not run.killed:
            self._kill(run)  # its work is done: free its resources now
        if not run.final_seen:
            if ending is None:
                ending = (StatusEvent(status="cancelled", error=run.reason) if run.cancelled else
                          StatusEvent(status="failed", error="the Ray worker ended without a final status"))
            run.final_seen = True
            self._emit(run.job.run_id, ending)

    def _kill(self, run: _Run) -> None:
        import ray

        run.killed = True
        try:
            ray.kill(run.actor, no_restart=True)
        except Exception:  # noqa: BLE001  (already gone: whatever Ray raised, nothing to kill)
            log.debug("run %s: the actor was already gone", run.job.run_id)

    # -- what a run asks for and takes along ---------------------------------------------------

    def _options(self, job: Job) -> dict[str, Any]:
        import ray

        device = job.settings.get("device", "auto")
        gpus = 0
        if device in ("cuda", "auto"):
            have = ray.cluster_resources().get("GPU", 0)
            if device == "cuda" and not have:
                raise ValueError("device 'cuda' was asked for, but no node of the Ray cluster has a GPU")
            gpus = 1 if have else 0
        options: dict[str, Any] = {
            "num_cpus": job.threads or self.cpus_per_run, "num_gpus": gpus, "resources": dict(self.resources),
            # threaded (2): `stop` is served while `train` runs; never restarted: a dead run stays dead
            "max_concurrency": 2, "max_restarts": 0, "max_task_retries": 0,
        }
        if self.memory_mb is not None:
            options["memory"] = self.memory_mb * ray_bundle.MB
        return options

    def _inputs(self, job: Job) -> bytes | None:
        """The data set's files (a set generated in code has none) and the starting weights, as a
        bundle laid out like the server's data directory."""
        from ..config import Settings, get_settings
        from ..data import published, uploads

        server = Settings(data_dir=job.data_dir) if job.data_dir is not None else get_settings()
        dataset = str(job.settings.get("dataset", ""))
        entries: list[tuple[Path, str]] = []
        for folder, name in ((uploads.folder(server, dataset), f"uploads/{dataset}"),
                             (published.folder(server, dataset), f"datasets/{dataset}")):
            if dataset and folder.is_dir():
                entries.append((folder, name))
                break
        init_run = job.settings.get("init_from_run")
        if init_run:
            weights = server.runs_dir / init_run / FILE_NAME
            if weights.is_file():  # else the worker says it is missing, as a local one does
                entries.append((weights, f"runs/{init_run}/{FILE_NAME}"))
        if not entries:
            return None
        return ray_bundle.pack(entries, self.max_ship_mb, f"the data set '{dataset}' with the starting weights")

    # -- the watchdog ---------------------------------------------------------------------------

    def _watch(self) -> None:
        """Kill a cancelled run's actor that has not stopped within grace_s."""
        while not self._stopping.wait(0.1):
            now = time.monotonic()
            with self._lock:
                late = [r for r in self._runs.values() if r.cancel_deadline is not None and now > r.cancel_deadline
                        and r.actor is not None and not r.killed and not r.final_seen]
                for run in late:
                    run.reason += "; the worker was terminated"
            for run in late:
                log.warning("run %s: the Ray worker did not stop in time; killing it", run.job.run_id)
                self._kill(run)


def died_sentence(err: Exception) -> str:
    """'the Ray worker running it died (pid … on <node ip>): <Ray's reason>'; 'the Ray node …' where
    Ray says the node died."""
    from ray.exceptions import ActorUnavailableError, NodeDiedError

    text = str(err)
    fields = dict(re.findall(r"^\s*(pid|ip): (\S+)\s*$", text, re.MULTILINE))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    causes = [m for line in lines if (m := re.match(r"The actor (?:is dead|died) because (.+)", line))]
    if causes:
        detail = causes[0].group(1).split(". ")[0].rstrip(".")
    else:
        detail = lines[0].rstrip(".") if lines else type(err).__name__
    where = " on ".join(f"{k} {fields[k]}" if k == "pid" else fields[k] for k in ("pid", "ip") if k in fields)
    if node := re.search(r"Node Id: ([0-9a-f]{12})", text):
        where += f", node {node.group(1)}"
    if isinstance(err, ActorUnavailableError):
        return f"the Ray worker running it became unreachable (its node may have died): {detail[:300]}"
    who = "node" if isinstance(err, NodeDiedError) or "node" in detail.lower() else "worker"
    return f"the Ray {who} running it died{f' ({where})' if where else ''}: {detail[:300]}"
