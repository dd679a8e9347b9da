from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from netcanvas.store.db import Database
from netcanvas.store.models import Base


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
