"""Alembic environment: uses the connection handed over by store.db.run_migrations, or the URL
in the config (`alembic -x` style use from a shell)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from netcanvas.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif connection is not None:
    _run(connection)
else:
    from netcanvas.config import get_settings

    url = config.get_main_option("sqlalchemy.url") or get_settings().db_url
    with create_engine(url).connect() as conn:
        _run(conn)
        conn.commit()
