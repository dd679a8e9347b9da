"""LocalExecutor's warm pool: pre-started workers take runs, one run per fresh process."""

from __future__ import annotations

import os
import queue
import signal
import sys
import time
from pathlib import Path

import pytest

from netcanvas.training.events import LogEvent, StatusEvent
from netcanvas.training.runner import Job, LocalExecutor

sys.path.insert(0, str(Path(__file__).parent))  # spawned workers import warm_trainer from here too
TRAINER = "warm_trainer:run_training"
FINAL = {"succeeded", "failed", "cancelled"}


def graph(name: str) -> dict:
    return {"name": name, "nodes": [{"id": "in", "type": "Input", "params": {"shape": [4]}}], "edges": []}


class Recorder:
    def __init__(self) -> None:
        self.events: queue.Queue = queue.Queue()

    def __call__(self, run_id: str, event) -> None:
        self.events.put((run_id, event))

    def until_final(self, run_id: str, timeout: float = 30) -> list:
        seen, end = [], time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                rid, ev = self.events.get(timeout=0.1)
            except queue.Empty:
                continue
            if rid == run_id:
                seen.append(ev)
                if isinstance(ev, StatusEvent) and ev.status in FINAL:
                    return seen
        raise AssertionError(f"run {run_id} did not end; saw {seen}")

    def first(self, run_id: str, kind: type, timeout: float = 30):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                rid, ev = self.events.get(timeout=0.1)
            except queue.Empty:
                continue
            if rid == run_id and isinstance(ev, kind):
                return ev
        raise AssertionError(f"no {kind.__name__} from {run_id}")


def ready_pids(ex: LocalExecutor, n: int, timeout: float = 30) -> list[int]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with ex._lock:
            pids = [w.process.pid for w in ex._pool if w.process.is_alive()]
        if len(pids) >= n:
            return [p for p in pids if p is not None]
        time.sleep(0.05)
    raise AssertionError("the warm pool never filled")


def pid_of(events: list) -> int:
    log = next(e for e in events if isinstance(e, LogEvent) and e.message.startswith("pid="))
    return int(log.message.split()[0].removeprefix("pid="))


@pytest.fixture
def executor():
    made: list[LocalExecutor] = []

    def make(**kw) -> tuple[LocalExecutor, Recorder]:
        ex = LocalExecutor(kw.pop("max_concurrent", 1), trainer=TRAINER, grace_s=2.0, **kw)
        rec = Recorder()
        ex.start(rec)
        made.append(ex)
        return ex, rec

    yield make
    for ex in made:
        ex.shutdown()


def job(tmp_path: Path, run_id: str, name: str = "fast") -> Job:
    return Job(run_id, graph(name), {"dataset": "digits", "epochs": 1}, tmp_path / run_id)


def test_a_warm_worker_takes_the_run_and_a_fresh_one_replaces_it(tmp_path, executor):
    ex, rec = executor(warm=1)
    (warm_pid,) = ready_pids(ex, 1)
    time.sleep(0.5)  # let it finish importing: the job then finds the trainer loaded
    ex.submit(job(tmp_path, "r1"))
    events = rec.until_final("r1")
    assert events[-1].status == "succeeded"
    assert pid_of(events) == warm_pid  # the pre-started process ran it
    log = next(e for e in events if isinstance(e, LogEvent) and e.message.startswith("pid="))
    assert float(log.message.split("imported_before_job_s=")[1]) > 0.3  # imported before the job came
    (next_pid,) = ready_pids(ex, 1)
    assert next_pid != warm_pid  # each run gets a process of its own
    ex.submit(job(tmp_path, "r2"))
    assert pid_of(rec.until_final("r2")) == next_pid


def test_cancel_reaches_a_warm_worker(tmp_path, executor):
    ex, rec = executor(warm=1)
    ready_pids(ex, 1)
    ex.submit(job(tmp_path, "slow", "slow"))
    rec.first("slow", StatusEvent)
    assert ex.cancel("slow", "stopped by the user")
    events = rec.until_final("slow")
    assert events[-1].status == "cancelled" and events[-1].error == "stopped by the user"


def test_a_warm_worker_that_died_idle_is_replaced(tmp_path, executor):
    ex, rec = executor(warm=1)
    (dead,) = ready_pids(ex, 1)
    os.kill(dead, signal.SIGKILL)
    time.sleep(0.3)
    ex.submit(job(tmp_path, "r"))
    events = rec.until_final("r")
    assert events[-1].status == "succeeded" and pid_of(events) != dead


def test_shutdown_ends_idle_warm_workers(tmp_path, executor):
    ex, _ = executor(warm=2, max_concurrent=2)
    pids = ready_pids(ex, 2)
    ex.shutdown()
    for pid in pids:
        with pytest.raises(ProcessLookupError):  # gone and reaped
            os.kill(pid, 0)


def test_without_a_pool_each_worker_is_spawned_for_its_run(tmp_path, executor):
    ex, rec = executor(warm=0)
    time.sleep(0.2)
    assert not ex._pool
    ex.submit(job(tmp_path, "cold"))
    assert rec.until_final("cold")[-1].status == "succeeded"
