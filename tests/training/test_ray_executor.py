"""The Ray executor against a real two-node Ray cluster on this machine (ray.cluster_utils.Cluster):
trainings, order of events, a cancel that keeps model.pt, a killed worker and a removed node; and
the API's executor tests (tests/api/test_runs_fake.py, test_stop_keeps_model.py) run again with
the Ray executor in place of the local one.

Skipped where ray is not installed, except under CI (scripts/setup.sh test installs the "ray" extra).
"""

from __future__ import annotations

import os
import queue
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from live_server import in_ci

if not in_ci():  # under CI the import fails loudly instead
    pytest.importorskip("ray")

import ray
from ray.cluster_utils import Cluster

from netcanvas.config import Settings
from netcanvas.training.events import LogEvent, StatusEvent
from netcanvas.training.ray_executor import RayExecutor
from netcanvas.training.runner import Job

HERE = Path(__file__).resolve().parent
API_TESTS = HERE.parent / "api"
sys.path.insert(0, str(API_TESTS))  # fake_trainer, api_factories and the API tests run again below

import test_runs_fake
import test_stop_keeps_model
from api_factories import wait_status
from test_runs_fake import (  # noqa: F401  (collected here again, with the Ray executor's `fake`)
    test_a_diverging_loss_travels_as_null,
    test_a_watcher_that_leaves_is_released,
    test_cancel_stops_gracefully_and_keeps_history,
    test_cancel_terminates_a_worker_that_ignores_the_stop_flag,
    test_run_lifecycle_stream_history_and_late_watcher,
    test_two_watchers_and_a_watcher_joining_midway_see_the_same_story,
)

FAKE = "fake_trainer:run_training"
PROBE = "ray_probe_trainer:run_training"
FINAL = {"succeeded", "failed", "cancelled"}
STORE_MB = 80 * 1024 * 1024  # each node's object store: small, the machine is shared


class TwoNodes:
    """The head (the driver, the API, connects to it) and a worker node labelled `node_b`."""

    def __init__(self) -> None:
        self.cluster = Cluster(initialize_head=True, connect=True, head_node_args={
            "num_cpus": 1, "object_store_memory": STORE_MB, "resources": {"head": 1}, "include_dashboard": False})
        self.add_b()

    def add_b(self) -> None:
        self.node_b = self.cluster.add_node(num_cpus=1, object_store_memory=STORE_MB, resources={"node_b": 1})
        self.node_b_id = self.node_b.node_id


@pytest.fixture(scope="module")
def cluster() -> Iterator[TwoNodes]:
    # the nodes' workers import the test trainers from these folders (the nodes inherit the environment)
    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(API_TESTS), str(HERE), *([before] if before else [])])
    had_metrics = "RAY_enable_metrics_collection" in os.environ
    os.environ.setdefault("RAY_enable_metrics_collection", "0")  # no metrics agent to wait for: faster starts
    nodes = TwoNodes()
    try:
        yield nodes
    finally:
        ray.shutdown()
        nodes.cluster.shutdown()
        if not had_metrics:
            os.environ.pop("RAY_enable_metrics_collection", None)
        if before is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = before


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "store", frontend_dist=tmp_path / "no-frontend", max_concurrent_runs=2)


def make_ray_client(settings, trainer: str = FAKE, grace_s: float = 3.0, max_concurrent: int | None = None):
    """api_factories.make_client with the Ray executor; one run at a time, where asked, by asking for
    the whole of node_b's single `node_b` resource."""
    from fastapi.testclient import TestClient

    from netcanvas.api.main import create_app

    resources = {"node_b": 1.0} if max_concurrent == 1 else None
    executor = RayExecutor(trainer=trainer, grace_s=grace_s, resources=resources)
    return TestClient(create_app(settings, executor=executor))


@pytest.fixture
def fake(settings, cluster) -> Iterator:
    with make_ray_client(settings, grace_s=1.0) as c:
        yield c


# ---------------------------------------------------------------------------------------------
# the API's own executor tests, with the Ray executor (make_client swapped for make_ray_client)


def test_concurrency_limit_queues_runs_on_ray(settings, cluster, monkeypatch):
    monkeypatch.setattr(test_runs_fake, "make_client", make_ray_client)
    test_runs_fake.test_concurrency_limit_queues_runs(settings)


def test_cancel_a_queued_run_and_delete_an_active_one_on_ray(settings, cluster, monkeypatch):
    monkeypatch.setattr(test_runs_fake, "make_client", make_ray_client)
    test_runs_fake.test_cancel_a_queued_run_and_delete_an_active_one(settings)


def test_real_trainer_stop_keeps_the_model_and_trains_further_on_ray(settings, cluster, monkeypatch):
    """The real trainer on digits: stopped at epoch two, its model.pt comes back and predicts; a
    1-epoch run trained further from it gets those weights through the object store."""
    monkeypatch.setattr(test_stop_keeps_model, "make_client", make_ray_client)
    test_stop_keeps_model.test_stopping_at_epoch_two_keeps_a_model_that_predicts_and_downloads(settings)
    weights = sorted(settings.runs_dir.glob("*/model.pt"))
    assert len(weights) == 2 and all(w.stat().st_size > 1000 for w in weights)


def test_trainer_error_and_silent_exit_fail_with_reasons_on_ray(fake):
    broken = test_runs_fake.start(fake, "broken")
    run = wait_status(fake, broken, FINAL)
    assert run["status"] == "failed"
    assert run["error"] == "Dense 'h' cannot take this data set: add a Flatten before it."
    silent = test_runs_fake.start(fake, "exit")
    run = wait_status(fake, silent, FINAL, timeout=60)
    assert run["status"] == "failed" and run["error"].startswith("the Ray worker running it died (pid ")


# ---------------------------------------------------------------------------------------------
# executor level


class Recorder:
    def __init__(self) -> None:
        self.events: queue.Queue = queue.Queue()

    def __call__(self, run_id: str, event) -> None:
        self.events.put((run_id, event))

    def until(self, run_id: str, kind: type | None = None, timeout: float = 60) -> list:
        """Events of `run_id` up to the first of `kind` (None: its final status)."""
        seen, end = [], time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                rid, ev = self.events.get(timeout=0.1)
            except queue.Empty:
                continue
            if rid != run_id:
                continue
            seen.append(ev)
            if (kind is not None and isinstance(ev, kind)) or (
                    kind is None and isinstance(ev, StatusEvent) and ev.status in FINAL):
                return seen
        raise AssertionError(f"run {run_id}: no {kind.__name__ if kind else 'final status'}; saw {seen[-5:]}")


@pytest.fixture
def executor(cluster) -> Iterator:
    made: list[RayExecutor] = []

    def make(**kw) -> tuple[RayExecutor, Recorder]:
        ex, rec = RayExecutor(trainer=kw.pop("trainer", FAKE), grace_s=kw.pop("grace_s", 1.0), **kw), Recorder()
        ex.start(rec)
        made.append(ex)
        return ex, rec

    yield make
    for ex in made:
        ex.shutdown(timeout=2)


def graph(name: str) -> dict:
    return {"name": name, "nodes": [{"id": "in", "type": "Input", "params": {"shape": [4]}}], "edges": []}


def where(events: list) -> str:
    return next(e.message for e in events if isinstance(e, LogEvent) and e.message.startswith("ran on the Ray"))


def pid_of(events: list) -> int:
    line = next(e.message for e in events if isinstance(e, LogEvent) and e.message.startswith("pid="))
    return int(line.split()[0].removeprefix("pid="))


def test_events_come_in_order_and_model_pt_comes_back_from_the_other_node(executor, cluster, tmp_path):
    ex, rec = executor(resources={"node_b": 0.01})
    out = tmp_path / "runs" / "r1"
    ex.submit(Job("r1", graph("fast"), {"epochs": 3, "device": "cpu"}, out, tmp_path))
    events = rec.until("r1")
    kinds = [e.type for e in events]
    assert events[0] == StatusEvent(status="running", device="cpu")
    assert events[-1] == StatusEvent(status="succeeded", device="cpu")
    assert kinds.count("batch") == 75 and kinds.count("epoch") == 3 and kinds.count("result") == 1
    batches = [(e.epoch, e.step) for e in events if e.type == "batch"]
    assert batches == [(epoch, step) for epoch in (1, 2, 3) for step in range(1, 26)]  # none lost, none moved
    assert kinds.index("result") > max(i for i, k in enumerate(kinds) if k == "epoch")
    # where it ran: node_b, not the API's node, and the worker was another process
    assert f"(id {cluster.node_b_id[:12]})" in where(events) and "device cpu" in where(events)
    assert pid_of(events) != os.getpid()
    assert (out / "model.pt").read_bytes() == b"not really a model"  # written there by this process
    assert not ex.is_active("r1")


def test_an_upload_and_starting_weights_reach_the_worker_through_the_object_store(executor, cluster, tmp_path):
    from netcanvas.data import uploads
    from netcanvas.data.options import parse_options

    server = Settings(data_dir=tmp_path / "store")
    csv = tmp_path / "t.csv"
    csv.write_text("a,b,label\n" + "".join(f"{i},{i * 2},{i % 2}\n" for i in range(40)))
    info = uploads.create_from_file(server, csv, "t.csv", parse_options({"target": "label"}))
    (server.runs_dir / "earlier").mkdir(parents=True)
    (server.runs_dir / "earlier" / "model.pt").write_bytes(b"the earlier run's weights")
    ex, rec = executor(trainer=PROBE, resources={"node_b": 0.01})
    out = server.runs_dir / "r2"
    ex.submit(Job("r2", graph("probe"), {"dataset": info.id, "init_from_run": "earlier", "device": "cpu"},
                  out, server.data_dir))
    events = rec.until("r2")
    assert events[-1].status == "succeeded", events[-3:]
    logs = [e.message for e in events if isinstance(e, LogEvent)]
    found = next(m for m in logs if m.startswith("data_dir="))
    assert not found.startswith(f"data_dir={server.data_dir} ")  # the worker's own copy, not our folder
    assert found.endswith("test=8") and "train=32" in found  # 40 rows, split 80/20 by the upload
    assert "init=the earlier run's weights" in logs
    assert (out / "model.pt").read_bytes() == b"weights of probe"
    assert (out / "notes" / "n.txt").read_text() == "a file in a folder"


def test_a_data_set_over_the_limit_fails_with_a_sentence(executor, tmp_path):
    data = tmp_path / "store"
    (data / "datasets" / "mnist").mkdir(parents=True)
    (data / "datasets" / "mnist" / "big.bin").write_bytes(b"\0" * 2_500_000)
    ex, rec = executor(max_ship_mb=1)
    ex.submit(Job("r3", graph("fast"), {"dataset": "mnist", "device": "cpu"}, tmp_path / "r3", data))
    (final,) = rec.until("r3")
    assert final.status == "failed"
    assert "the data set 'mnist' with the starting weights is 2 MB, over the 1 MB" in final.error


def test_a_gpu_run_on_a_cluster_without_gpus_fails_at_once(executor, tmp_path):
    ex, rec = executor()
    ex.submit(Job("r4", graph("fast"), {"device": "cuda"}, tmp_path / "r4", tmp_path))
    (final,) = rec.until("r4", timeout=20)
    assert final.status == "failed" and "no node of the Ray cluster has a GPU" in final.error


def test_a_killed_worker_fails_the_run_and_the_next_one_trains(executor, tmp_path):
    ex, rec = executor()
    ex.submit(Job("r5", graph("slow"), {"device": "cpu"}, tmp_path / "r5", tmp_path))
    pid = pid_of(rec.until("r5", kind=LogEvent))
    os.kill(pid, signal.SIGKILL)
    final = rec.until("r5")[-1]
    assert final.status == "failed"
    assert final.error.startswith(f"the Ray worker running it died (pid {pid} on ")
    assert final.error.endswith(": its worker process has died")
    ex.submit(Job("r6", graph("fast"), {"epochs": 1, "device": "cpu"}, tmp_path / "r6", tmp_path))
    assert rec.until("r6")[-1].status == "succeeded"


def test_cancel_of_a_run_waiting_for_resources_and_the_settings_that_pick_ray(executor, tmp_path):
    from netcanvas.api.main import create_app

    ex, rec = executor(resources={"node_b": 1.0})  # one at a time
    ex.submit(Job("r7", graph("slow"), {"device": "cpu"}, tmp_path / "r7", tmp_path))
    rec.until("r7", kind=LogEvent)
    ex.submit(Job("r8", graph("slow"), {"device": "cpu"}, tmp_path / "r8", tmp_path))
    time.sleep(0.5)
    assert ex.is_active("r8") and ex.running() == ["r7"]
    assert ex.cancel("r8") and ex.cancel("r7", "the hub gave up")
    assert rec.until("r8")[-1] == StatusEvent(status="cancelled", error="cancelled before it started")
    assert rec.until("r7")[-1].error == "the hub gave up"
    assert not ex.cancel("r8")

    app = create_app(Settings(data_dir=tmp_path / "app", executor="ray", ray_address="local"))
    assert isinstance(app.state.executor, RayExecutor) and app.state.executor.address == "local"
    with pytest.raises(ValueError, match="executor"):
        Settings(executor="kubernetes")


def test_a_removed_node_fails_its_run_with_the_reason(executor, cluster, tmp_path):
    ex, rec = executor(resources={"node_b": 0.01})
    ex.submit(Job("r9", graph("slow"), {"device": "cpu"}, tmp_path / "r9", tmp_path))
    rec.until("r9", kind=LogEvent)
    node_id = cluster.node_b_id
    cluster.cluster.remove_node(cluster.node_b, allow_graceful=False)
    try:
        final = rec.until("r9")[-1]
        assert final.status == "failed"
        assert final.error.startswith("the Ray node running it died (pid ")
        assert f"node {node_id[:12]}): its node has died" in final.error
    finally:
        cluster.add_b()  # for whatever runs after
