from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from netcanvas.store.db import Database, alembic_config
from netcanvas.store.models import Base, RunRow


def test_migrations_match_orm(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []
    assert {"graphs", "graph_versions", "runs", "run_events", "alembic_version"} <= set(
        inspect(db.engine).get_table_names()
    )
    db.dispose()


def test_migrations_are_idempotent(tmp_path):
    url = f"sqlite:///{tmp_path / 'y.db'}"
    Database(url).dispose()
    Database(url).dispose()  # a second start finds the schema at head


def test_0003_adds_run_notes_and_tags_to_old_rows(tmp_path):
    from alembic import command
    from sqlalchemy import create_engine, text

    url = f"sqlite:///{tmp_path / 'old.db'}"
    db = Database(url)
    db.dispose()
    command.downgrade(alembic_config(url), "0002")
    engine = create_engine(url)
    with engine.begin() as conn:
        assert "notes" not in {c["name"] for c in inspect(conn).get_columns("runs")}
        conn.execute(text("INSERT INTO runs (id, name, status, request, graph, dataset, created_at, artifacts) "
                          "VALUES ('r1', 'old', 'succeeded', '{}', '{}', 'digits', '2026-01-01', '[]')"))
    engine.dispose()
    db = Database(url)  # upgrades to head
    with db.session() as s:
        row = s.get(RunRow, "r1")
        assert row is not None and row.notes == "" and row.tags == []
    db.dispose()
