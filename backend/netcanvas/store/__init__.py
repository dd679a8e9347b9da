"""Persistence: SQLAlchemy 2.0 engine and ORM models, Alembic migrations applied at start-up.

The database is the memory of netcanvas (graphs, their versions, runs and their event history);
the event hub is only the live wire.
"""

from .db import Database, make_engine, run_migrations
from .models import Base, GraphRow, GraphVersionRow, RunEventRow, RunRow

__all__ = [
    "Base", "Database", "GraphRow", "GraphVersionRow", "RunEventRow", "RunRow", "make_engine", "run_migrations",
]
