"""The store on SQLite and (where a server can be started) PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from netcanvas.store import repo
from netcanvas.store.db import Database
from netcanvas.store.models import Base, GraphRow, RunRow
from netcanvas.training.events import EVENT


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'repo.db'}")
    else:
        url = request.getfixturevalue("pg_url")
        database = Database(url)
        with database.engine.begin() as conn:  # each test starts empty
            conn.execute(text("TRUNCATE graphs, graph_versions, runs, run_events CASCADE"))
    yield database
    database.dispose()


def test_schema_matches_orm(db):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_graph_versions(db):
    with db.session() as s:
        row, ver = repo.create_graph(s, {"name": "g", "nodes": []})
        repo.update_graph(s, row, {"name": "g2", "nodes": [1]})
        gid = row.id
    with db.session() as s:
        row, ver = repo.get_graph(s, gid)
        assert (row.name, ver.version, ver.graph) == ("g2", 2, {"name": "g2", "nodes": [1]})
        assert repo.get_graph(s, gid, 1)[1].graph == {"name": "g", "nodes": []}
        assert repo.get_graph(s, gid, 3) is None
        repo.delete_graph(s, s.get(GraphRow, gid))
        assert repo.get_graph(s, gid) is None


def test_events_fold_into_the_run_and_deleting_cascades(db):
    with db.session() as s:
        gid = repo.create_graph(s, {"name": "g"})[0].id
        run = repo.create_run(s, name="r", request={"epochs": 2}, graph={"name": "g"}, dataset="digits",
                              graph_id=gid, graph_version=1)
        run_id = run.id
    events = [
        {"type": "status", "status": "running", "device": "cpu", "error": None},
        {"type": "epoch", "epoch": 1, "epochs": 2, "metrics": {"loss": 1.0, "val_loss": 0.9}},
        {"type": "batch", "epoch": 2, "step": 3, "steps": 9, "seen": 3, "metrics": {"loss": 0.7}},
        {"type": "epoch", "epoch": 2, "epochs": 2, "metrics": {"loss": 0.5, "val_loss": 1.1}},
        {"type": "result", "test_metrics": {"accuracy": 0.9}, "artifacts": ["model.pt"],
         "confusion_matrix": [[1, 0], [0, 1]], "class_names": ["a", "b"]},
        {"type": "status", "status": "succeeded", "device": "cpu", "error": None},
        {"type": "status", "status": "failed", "device": "cpu", "error": "late"},  # refused: final stays final
    ]
    with db.session() as s:
        repo.apply_events(s, [repo.StoredEvent(run_id, i + 1, EVENT.validate_python(e), store=e["type"] != "batch")
                              for i, e in enumerate(events)])
    with db.session() as s:
        row = s.get(RunRow, run_id)
        assert row.status == "succeeded" and row.error is None and row.device == "cpu"
        assert row.final_metrics == {"loss": 0.5, "val_loss": 1.1}
        assert row.best_metrics == {"loss": 1.0, "val_loss": 0.9}  # lowest val_loss
        assert row.test_metrics == {"accuracy": 0.9} and row.artifacts == ["model.pt"]
        assert row.confusion_matrix == [[1, 0], [0, 1]] and row.class_names == ["a", "b"]
        assert row.started_at is not None and row.finished_at is not None
        assert [e.seq for e in repo.run_events(s, run_id)] == [1, 2, 4, 5, 6]  # the batch: row only
        assert repo.run_events(s, run_id)[-1].payload == events[-2]
        assert [e.payload["epoch"] for e in repo.run_events(s, run_id, ["epoch"])] == [1, 2]
        repo.delete_graph(s, s.get(GraphRow, gid))
        s.expire_all()
        assert s.get(RunRow, run_id).graph_id is None  # the run outlives its saved graph
        repo.delete_run(s, s.get(RunRow, run_id))
        assert repo.run_events(s, run_id) == []


def test_runs_a_previous_server_left_unfinished_end_interrupted(db):
    with db.session() as s:
        a = repo.create_run(s, name="a", request={}, graph={}, dataset="d")
        b = repo.create_run(s, name="b", request={}, graph={}, dataset="d")
        b.status = "succeeded"
        s.commit()
        assert repo.interrupt_unfinished_runs(s) == [a.id]
    with db.session() as s:
        row = s.get(RunRow, a.id)
        assert (row.status, row.error) == ("interrupted", "server restarted") and row.finished_at is not None
        assert repo.run_events(s, a.id)[-1].payload == {"type": "status", "status": "interrupted", "device": None,
                                                         "error": "server restarted"}
        assert s.get(RunRow, b.id).status == "succeeded"
