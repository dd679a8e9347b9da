"""Several API servers on one database: a starting or surviving server ends only orphaned runs."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text, update
from test_app_postgres import GRAPH

from netcanvas.api.main import create_app
from netcanvas.config import Settings
from netcanvas.store import replicas, repo
from netcanvas.store.db import Database
from netcanvas.store.models import ReplicaRow, RunRow, utcnow
from netcanvas.training.events import StatusEvent
from netcanvas.training.runner import EventSink, Job


class HoldingExecutor:
    """Starts each run and keeps it running, as a long training on a live server does."""

    def start(self, sink: EventSink) -> None:
        self.sink = sink

    def submit(self, job: Job) -> None:
        self.sink(job.run_id, StatusEvent(status="running", device="cpu"))

    def cancel(self, run_id: str, reason: str = "stopped by the user") -> bool:
        return False

    def is_active(self, run_id: str) -> bool:
        return True

    def shutdown(self) -> None:
        pass


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    url = request.getfixturevalue("pg_url")
    db = Database(url)
    with db.engine.begin() as conn:
        conn.execute(text("TRUNCATE graphs, graph_versions, runs, run_events, replicas CASCADE"))
    db.dispose()
    return url


def server(tmp_path, db_url, name: str, heartbeat_s: float = 3600) -> TestClient:
    settings = Settings(data_dir=tmp_path / name, database_url=db_url, frontend_dist=tmp_path / "none",
                        replica_id=name, replica_heartbeat_s=heartbeat_s, auth="none")
    return TestClient(create_app(settings, executor=HoldingExecutor()))


def start_run(client: TestClient) -> str:
    r = client.post("/api/runs", json={"graph": GRAPH, "dataset": "digits", "epochs": 1})
    assert r.status_code == 201, r.text
    run_id = r.json()["id"]
    deadline = time.monotonic() + 10
    while client.get(f"/api/runs/{run_id}").json()["status"] != "running":
        assert time.monotonic() < deadline, "the run never started"
        time.sleep(0.05)
    return run_id


def status(db_url: str, run_id: str) -> tuple[str, str | None, str | None]:
    db = Database(db_url)
    try:
        with db.session() as s:
            row = s.get(RunRow, run_id)
            assert row is not None
            return row.status, row.replica, row.error
    finally:
        db.dispose()


def test_a_second_server_starting_leaves_the_first_ones_runs_alone(tmp_path, db_url):
    with server(tmp_path, db_url, "a") as a:
        run_id = start_run(a)
        assert status(db_url, run_id)[:2] == ("running", "a")
        with server(tmp_path, db_url, "b") as b:
            assert b.get(f"/api/runs/{run_id}").json()["status"] == "running"
        with server(tmp_path, db_url, "b"):  # b restarts: still a's run
            pass
        assert status(db_url, run_id)[0] == "running"


def test_a_restarting_server_ends_its_own_runs(tmp_path, db_url):
    with server(tmp_path, db_url, "b"):  # a live neighbour changes nothing for a's own runs
        a = server(tmp_path, db_url, "a")
        with a:
            run_id = start_run(a)
        # a stopped without ending its run (its executor kept it): the next start of a ends it
        assert status(db_url, run_id)[0] == "running"
        with server(tmp_path, db_url, "a"):
            assert status(db_url, run_id)[::2] == ("interrupted", "server restarted")


def test_a_live_server_ends_the_runs_of_one_that_stopped_beating(tmp_path, db_url):
    with server(tmp_path, db_url, "a") as a, server(tmp_path, db_url, "b", heartbeat_s=0.1):
        run_id = start_run(a)
        db = Database(db_url)
        with db.session() as s:  # a hangs: its heartbeat stops (its own loop beats hourly here)
            s.execute(update(ReplicaRow).where(ReplicaRow.id == "a").values(heartbeat_at=utcnow() - timedelta(hours=1)))
            s.commit()
        db.dispose()
        deadline = time.monotonic() + 10
        while status(db_url, run_id)[0] == "running":
            assert time.monotonic() < deadline, "b never ended the run of the stopped replica"
            time.sleep(0.05)
        state, _, error = status(db_url, run_id)
        assert state == "interrupted" and "heartbeat" in (error or "")


def test_an_id_held_by_a_live_server_elsewhere_is_not_taken(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'r.db'}")
    stale_after = timedelta(seconds=30)
    with db.session() as s:
        s.add(ReplicaRow(id="api", host="some-other-host", pid=1))
        s.commit()
        mine = replicas.claim(s, "api", stale_after)
        assert mine != "api" and mine.startswith("api-")
        assert replicas.live(s, stale_after) == {"api", mine}
        # the same host with a process that is gone: this server's own predecessor, taken over
        s.add(ReplicaRow(id="gone", host=replicas.socket.gethostname(), pid=2**22 + 12345))
        s.commit()
        assert replicas.claim(s, "gone", stale_after) == "gone"
        # a stale heartbeat frees the id, whoever held it
        s.execute(update(ReplicaRow).where(ReplicaRow.id == "api").values(heartbeat_at=utcnow() - timedelta(minutes=5)))
        s.commit()
        assert replicas.claim(s, "api", stale_after) == "api"
    db.dispose()


def test_interrupt_spares_live_replicas_and_takes_unrecorded_runs_only_at_start(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'i.db'}")
    with db.session() as s:
        ids = {}
        for replica in ("live", "dead", None):
            row = repo.create_run(s, name="r", request={}, graph={}, dataset="digits", replica=replica)
            row.status = "running"
            ids[replica] = row.id
        s.commit()
        assert repo.interrupt_unfinished_runs(s, spare={"live"}, unowned=False) == [ids["dead"]]
        assert repo.interrupt_unfinished_runs(s, spare={"live"}) == [ids[None]]
        assert s.get(RunRow, ids["live"]).status == "running"
    db.dispose()
