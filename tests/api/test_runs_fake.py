"""Run lifecycle through the real executor and worker processes, with a fake trainer (no torch)."""

from __future__ import annotations

import importlib.util
import os
import signal
import time

import pytest
from api_factories import make_client, mlp_graph, run_request, wait_status
from starlette.websockets import WebSocketDisconnect

FINAL = {"succeeded", "failed", "cancelled"}


def start(client, mode: str, **kw) -> str:
    r = client.post("/api/runs", json=run_request(mlp_graph(name=mode), **kw))
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "queued"
    return r.json()["id"]


def watch(client, run_id: str, until=None) -> tuple[list[dict], int | None]:
    """Every message of the stream (or up to `until`), and the close code."""
    events: list[dict] = []
    with client.websocket_connect(f"/api/runs/{run_id}/stream") as ws:
        while True:
            try:
                events.append(ws.receive_json())
            except WebSocketDisconnect as d:
                return events, d.code
            if until is not None and until(events[-1]):
                return events, None


def pid_of(events: list[dict]) -> int:
    line = next(e["message"] for e in events if e["type"] == "log" and e["message"].startswith("pid="))
    return int(line.split()[0].removeprefix("pid="))


@pytest.fixture
def fake(settings):
    with make_client(settings, grace_s=1.0) as c:
        yield c


def test_run_lifecycle_stream_history_and_late_watcher(fake, settings):
    run_id = start(fake, "fast", epochs=3)
    live, code = watch(fake, run_id)
    assert code == 1000
    kinds = [e["type"] for e in live]
    assert live[0] == {"type": "status", "status": "queued", "device": None, "error": None}
    assert live[1]["status"] == "running" and live[1]["device"] == "cpu"
    assert live[-1] == {"type": "status", "status": "succeeded", "device": "cpu", "error": None}
    assert kinds.count("epoch") == 3 and kinds.count("result") == 1 and kinds.count("batch") == 75
    assert [e["epoch"] for e in live if e["type"] == "epoch"] == [1, 2, 3]
    if "OMP_NUM_THREADS" not in os.environ:  # the cores are shared between the runs allowed at once
        want = max(1, len(os.sched_getaffinity(0)) // settings.max_concurrent_runs)
        assert f"threads={want}" in next(e["message"] for e in live if e["type"] == "log")

    run = fake.get(f"/api/runs/{run_id}").json()
    assert run["status"] == "succeeded" and run["device"] == "cpu" and run["error"] is None
    assert [e["epoch"] for e in run["epochs"]] == [1, 2, 3]
    assert run["final_metrics"] == {"loss": 1 / 3, "val_loss": 0.5}
    assert run["test_metrics"] == {"loss": 0.5, "accuracy": 0.75}
    assert run["confusion_matrix"] == [[3, 1], [0, 4]] and run["class_names"] == ["a", "b"]
    assert run["artifacts"] == ["model.pt"]
    assert run["started_at"] and run["finished_at"] and run["request"]["epochs"] == 3
    assert run["graph"]["name"] == "fast"

    late, code = watch(fake, run_id)  # from the database now
    assert code == 1000
    assert late == live  # 25 batches per epoch are all under the storage limit

    listed = fake.get("/api/runs").json()
    assert listed["count"] == 1
    summary = listed["data"][0]
    assert "graph" not in summary and "epochs" not in summary
    assert summary["best_metrics"] == {"loss": 1 / 3, "val_loss": 0.5}

    r = fake.get(f"/api/runs/{run_id}/artifacts/model.pt")
    assert r.status_code == 200 and r.content == b"not really a model"
    r = fake.post(f"/api/runs/{run_id}/predict", json={"inputs": [[0.0]]})
    assert r.status_code == 409 and "could not be loaded" in r.json()["detail"]
    if importlib.util.find_spec("netcanvas.export.artifacts"):  # a foreign model.pt cannot be converted
        r = fake.get(f"/api/runs/{run_id}/artifacts/model.h5")
        assert r.status_code == 422 and "model.pt" in r.json()["detail"]
    r = fake.get(f"/api/runs/{run_id}/artifacts/other.bin")
    assert r.status_code == 404 and "Available: model.pt" in r.json()["detail"]
    for bad in (".model.pt", "a..b", "%2E%2E", "..%5Cmodel.pt", "x" * 200):
        assert fake.get(f"/api/runs/{run_id}/artifacts/{bad}").status_code in (400, 404), bad
    r = fake.get(f"/api/runs/{run_id}/artifacts/..%2F..%2Fnetcanvas.db")
    assert r.status_code == 404 and "SQLite" not in r.text


def test_two_watchers_and_a_watcher_joining_midway_see_the_same_story(fake):
    run_id = start(fake, "slow")
    first_events, _ = watch(fake, run_id, until=lambda e: e["type"] == "epoch")
    with fake.websocket_connect(f"/api/runs/{run_id}/stream") as a, \
            fake.websocket_connect(f"/api/runs/{run_id}/stream") as b:
        got_a = [a.receive_json() for _ in range(30)]
        fake.post(f"/api/runs/{run_id}/cancel")
        rest_a, rest_b = [], []
        for ws, rest in ((a, rest_a), (b, rest_b)):
            with pytest.raises(WebSocketDisconnect):
                while True:
                    rest.append(ws.receive_json())
        got_a += rest_a
        got_b = rest_b
    stored, _ = watch(fake, run_id)
    assert stored[-1]["status"] == "cancelled"
    assert got_a[-1] == got_b[-1] == stored[-1]
    # The snapshot/live seam: no event lost or repeated. Live watchers may see more batches than
    # storage keeps, but every stored event appears exactly once and in order.
    for seen in (got_a, first_events):
        non_batch = [e for e in seen if e["type"] != "batch"]
        assert non_batch == [e for e in stored if e["type"] != "batch"][: len(non_batch)]
    assert [e for e in got_a if e["type"] != "batch"] == [e for e in stored if e["type"] != "batch"]
    keys = [(e["epoch"], e["step"]) for e in got_a if e["type"] == "batch"]
    assert keys == sorted(set(keys))


def test_cancel_stops_gracefully_and_keeps_history(fake):
    run_id = start(fake, "slow")
    watch(fake, run_id, until=lambda e: e["type"] == "batch")
    r = fake.post(f"/api/runs/{run_id}/cancel")
    assert r.status_code == 202 and r.json()["id"] == run_id
    run = wait_status(fake, run_id, FINAL)
    assert run["status"] == "cancelled" and run["finished_at"] and run["error"] == "stopped by the user"
    r = fake.post(f"/api/runs/{run_id}/predict", json={"inputs": [[0.0]]})
    assert r.status_code == 409 and "no trained model" in r.json()["detail"]
    history, _ = watch(fake, run_id)
    assert history[-1]["status"] == "cancelled"
    assert any(e["type"] == "batch" for e in history)
    r = fake.post(f"/api/runs/{run_id}/cancel")
    assert r.status_code == 409 and "already ended" in r.json()["detail"]


def test_cancel_terminates_a_worker_that_ignores_the_stop_flag(fake):
    run_id = start(fake, "stubborn")
    watch(fake, run_id, until=lambda e: e["type"] == "batch")
    fake.post(f"/api/runs/{run_id}/cancel")
    run = wait_status(fake, run_id, FINAL)
    assert run["status"] == "cancelled"
    assert "terminated" in run["error"]


def test_killed_worker_fails_the_run_and_the_server_lives(fake):
    run_id = start(fake, "slow")
    events, _ = watch(fake, run_id, until=lambda e: e["type"] == "batch")
    os.kill(pid_of(events), signal.SIGKILL)
    run = wait_status(fake, run_id, FINAL)
    assert run["status"] == "failed"
    assert run["error"] == "worker process exited unexpectedly (exit code -9)"
    history, code = watch(fake, run_id)
    assert code == 1000 and history[-1]["error"] == run["error"]
    assert fake.get("/api/layers").status_code == 200
    other = start(fake, "fast", epochs=1)  # and can still train
    assert wait_status(fake, other, FINAL)["status"] == "succeeded"


def test_trainer_error_and_silent_exit_fail_with_reasons(fake):
    broken, silent = start(fake, "broken"), start(fake, "exit")
    run = wait_status(fake, broken, FINAL)
    assert run["status"] == "failed"
    assert run["error"] == "Dense 'h' cannot take this data set: add a Flatten before it."
    history, _ = watch(fake, broken)
    assert any(e["type"] == "log" and e["level"] == "error" for e in history)
    run = wait_status(fake, silent, FINAL)
    assert run["status"] == "failed" and run["error"] == "worker process exited unexpectedly (exit code 3)"


def test_concurrency_limit_queues_runs(settings):
    with make_client(settings, max_concurrent=1, grace_s=1.0) as c:
        first, second = start(c, "slow"), start(c, "slow")
        watch(c, first, until=lambda e: e["type"] == "batch")
        time.sleep(0.5)
        assert c.get(f"/api/runs/{second}").json()["status"] == "queued"
        c.post(f"/api/runs/{first}/cancel")
        assert wait_status(c, second, {"running"})["status"] == "running"
        assert c.get(f"/api/runs/{first}").json()["status"] == "cancelled"
        listed = c.get("/api/runs").json()["data"]
        assert [r["id"] for r in listed] == [second, first]  # newest first
        page = c.get("/api/runs", params={"offset": 1, "limit": 1}).json()
        assert page["count"] == 2 and [r["id"] for r in page["data"]] == [first]
        c.post(f"/api/runs/{second}/cancel")
        wait_status(c, second, FINAL)


def test_cancel_a_queued_run_and_delete_an_active_one(settings):
    with make_client(settings, max_concurrent=1, grace_s=1.0) as c:
        first, second = start(c, "slow"), start(c, "slow")
        r = c.post(f"/api/runs/{second}/cancel")
        assert r.status_code == 202
        run = wait_status(c, second, FINAL)
        assert run["status"] == "cancelled" and run["error"] == "cancelled before it started"
        watch(c, first, until=lambda e: e["type"] == "batch")
        run_dir = settings.runs_dir / first
        assert run_dir.is_dir()
        assert c.delete(f"/api/runs/{first}").status_code == 204
        assert c.get(f"/api/runs/{first}").status_code == 404
        assert not run_dir.exists()
        assert c.delete(f"/api/runs/{first}").status_code == 404
        assert [r["id"] for r in c.get("/api/runs").json()["data"]] == [second]


def test_runs_left_running_by_a_previous_server_end_interrupted(settings):
    from fastapi.testclient import TestClient

    from netcanvas.api.main import create_app
    from netcanvas.store import repo
    from netcanvas.store.db import Database

    db = Database(settings.db_url)
    with db.session() as s:
        row = repo.create_run(s, name="old", request={}, graph=mlp_graph(), dataset="digits")
        row.status = "running"
        s.commit()
        run_id = row.id
    db.dispose()
    with TestClient(create_app(settings)) as c:
        run = c.get(f"/api/runs/{run_id}").json()
        assert run["status"] == "interrupted" and run["error"] == "server restarted"
        history, code = watch(c, run_id)
        assert code == 1000 and history[-1]["status"] == "interrupted"
        assert history[-1]["error"] == "server restarted"


def test_a_watcher_that_leaves_is_released(fake):
    run_id = start(fake, "slow")
    hub = fake.app.state.hub
    with fake.websocket_connect(f"/api/runs/{run_id}/stream") as ws:
        ws.receive_json()
        assert len(hub._states[run_id].subscribers) == 1
    deadline = time.monotonic() + 5
    while hub._states[run_id].subscribers and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not hub._states[run_id].subscribers
    fake.post(f"/api/runs/{run_id}/cancel")
    assert wait_status(fake, run_id, FINAL)["status"] == "cancelled"



def test_a_diverging_loss_travels_as_null(fake):
    run_id = start(fake, "diverge")
    events, code = watch(fake, run_id)
    assert code == 1000
    epoch = next(e for e in events if e["type"] == "epoch")
    assert epoch["metrics"] == {"loss": None, "val_loss": None}
    run = fake.get(f"/api/runs/{run_id}").json()
    assert run["status"] == "succeeded" and run["epochs"][0]["metrics"]["loss"] is None
    assert run["test_metrics"] == {"loss": None, "accuracy": 0.1}
    assert fake.get("/api/runs").json()["data"][0]["best_metrics"] == {"loss": None, "val_loss": None}
