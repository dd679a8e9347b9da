"""Apps in a chosen auth mode for the auth and ownership tests, and an executor that "trains" at
once: it writes a real model.pt of the run's graph (so predict and downloads work) and reports
running → succeeded, with no worker process."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from netcanvas.api.main import create_app
from netcanvas.config import Settings
from netcanvas.training.events import StatusEvent
from netcanvas.training.runner import Job

PASSWORD = "correct horse battery"


class InstantExecutor:
    def __init__(self) -> None:
        self.publish: Any = None
        self.jobs: list[Job] = []

    def start(self, sink: Any) -> None:
        self.publish = sink

    def submit(self, job: Job) -> None:
        from netcanvas.graph.compile import compile_graph
        from netcanvas.graph.schema import Graph
        from netcanvas.training.bundle import bundle_dict, save_bundle

        self.jobs.append(job)
        graph = Graph.model_validate(job.graph)
        module = compile_graph(graph)
        job.out_dir.mkdir(parents=True, exist_ok=True)
        save_bundle(job.out_dir / "model.pt", dict(bundle_dict(
            graph, module, settings=None, linear_outputs=[], output_activations=[None], dataset="digits")))
        self.publish(job.run_id, StatusEvent(status="running", device="cpu"))
        self.publish(job.run_id, StatusEvent(status="succeeded", device="cpu"))

    def cancel(self, run_id: str, reason: str = "stopped by the user") -> bool:
        self.publish(run_id, StatusEvent(status="cancelled", error=reason))
        return True

    def is_active(self, run_id: str) -> bool:
        return False

    def shutdown(self) -> None:
        pass


def settings_for(tmp_path: Path, auth: str, **kw: Any) -> Settings:
    return Settings(data_dir=tmp_path / "store", frontend_dist=tmp_path / "no-frontend", auth=auth, **kw)


def client_for(settings: Settings) -> TestClient:
    return TestClient(create_app(settings, executor=InstantExecutor()))


def table_csv(rows: int = 40) -> bytes:
    lines = ["a,b,label"] + [f"{i % 7},{(i * 3) % 5},{'yes' if i % 2 else 'no'}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def upload(client: TestClient, name: str = "t.csv") -> dict[str, Any]:
    r = client.post("/api/datasets", files={"file": (name, io.BytesIO(table_csv()))})
    assert r.status_code == 201, r.text
    return r.json()


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> None:
    r = client.post("/api/auth/login", json={"username": name, "password": password})
    assert r.status_code == 200, r.text
