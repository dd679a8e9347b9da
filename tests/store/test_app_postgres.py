"""The whole app on PostgreSQL: migrations at start-up, graphs, and a run's events through the hub
(an in-process executor stands in for worker processes here)."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient
from sqlalchemy import text
from starlette.websockets import WebSocketDisconnect

from netcanvas.api.main import create_app
from netcanvas.config import Settings
from netcanvas.store.db import Database
from netcanvas.training.events import BatchEvent, EpochEvent, ResultEvent, StatusEvent
from netcanvas.training.runner import EventSink, Job

GRAPH = {
    "name": "pg",
    "nodes": [
        {"id": "in", "type": "Input", "params": {"shape": [1, 8, 8]}},
        {"id": "f", "type": "Flatten", "params": {}},
        {"id": "out", "type": "Dense", "params": {"units": 10, "activation": "softmax"}},
    ],
    "edges": [{"source": "in", "target": "f"}, {"source": "f", "target": "out"}],
}


class InlineExecutor:
    """Plays a short run's events from a thread, as a worker would."""

    def start(self, sink: EventSink) -> None:
        self.sink = sink

    def submit(self, job: Job) -> None:
        def play() -> None:
            self.sink(job.run_id, StatusEvent(status="running", device="cpu"))
            for step in (1, 2):
                self.sink(job.run_id, BatchEvent(epoch=1, step=step, steps=2, seen=step, metrics={"loss": 1.0}))
            self.sink(job.run_id, EpochEvent(epoch=1, epochs=1, metrics={"loss": 0.5}))
            self.sink(job.run_id, ResultEvent(test_metrics={"accuracy": 0.5}, artifacts=[]))
            self.sink(job.run_id, StatusEvent(status="succeeded", device="cpu"))

        threading.Thread(target=play).start()

    def cancel(self, run_id: str, reason: str = "stopped by the user") -> bool:
        return False

    def is_active(self, run_id: str) -> bool:
        return False

    def shutdown(self) -> None:
        pass


def test_app_on_postgresql(pg_url, tmp_path):
    db = Database(pg_url)
    with db.engine.begin() as conn:
        conn.execute(text("TRUNCATE graphs, graph_versions, runs, run_events CASCADE"))
    db.dispose()
    settings = Settings(data_dir=tmp_path, database_url=pg_url, frontend_dist=tmp_path / "none")
    with TestClient(create_app(settings, executor=InlineExecutor())) as c:
        gid = c.post("/api/graphs", json={"graph": GRAPH}).json()["id"]
        assert c.put(f"/api/graphs/{gid}", json={"graph": GRAPH}).json()["version"] == 2
        r = c.post("/api/runs", json={"graph_id": gid, "dataset": "digits", "epochs": 1})
        assert r.status_code == 201, r.text
        run_id = r.json()["id"]
        events = []
        with c.websocket_connect(f"/api/runs/{run_id}/stream") as ws:
            try:
                while True:
                    events.append(ws.receive_json())
            except WebSocketDisconnect:
                pass
        assert [e["type"] for e in events] == ["status", "status", "batch", "batch", "epoch", "result", "status"]
        run = c.get(f"/api/runs/{run_id}").json()
        assert run["status"] == "succeeded" and run["epochs"] == [{"epoch": 1, "metrics": {"loss": 0.5}}]
        assert run["test_metrics"] == {"accuracy": 0.5} and run["request"]["graph_version"] == 2
        assert c.get("/api/runs").json()["count"] == 1
