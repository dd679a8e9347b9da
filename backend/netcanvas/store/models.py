"""ORM models. Any change here needs a migration in store/migrations/versions (a test compares them)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of every table."""


class GraphRow(Base):
    """A saved graph; its content lives in versions (one row per save)."""

    __tablename__ = "graphs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)  # the latest version number
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # users.id of who made it; None: made in token/none mode or before accounts (docs/security.md).
    # No foreign key: SQLite would rebuild the table to add one; removing a user reassigns explicitly.
    owner_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)

    versions: Mapped[list[GraphVersionRow]] = relationship(
        back_populates="graph_row", cascade="all, delete-orphan", passive_deletes=True,
        order_by="GraphVersionRow.version",
    )


class GraphVersionRow(Base):
    __tablename__ = "graph_versions"
    __table_args__ = (UniqueConstraint("graph_id", "version", name="uq_graph_versions_graph_id_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    graph_id: Mapped[str] = mapped_column(String(32), ForeignKey("graphs.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    graph: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    graph_row: Mapped[GraphRow] = relationship(back_populates="versions")


class RunRow(Base):
    """One training run (or an imported model) and what it ended with."""

    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_created_at", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    request: Mapped[dict[str, Any]] = mapped_column(JSON)  # TrainSettings + graph_id/version + name
    graph: Mapped[dict[str, Any]] = mapped_column(JSON)
    graph_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("graphs.id", ondelete="SET NULL"), nullable=True
    )
    graph_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    dataset: Mapped[str] = mapped_column(String(200))
    device: Mapped[str | None] = mapped_column(String(50), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    final_metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    best_metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    test_metrics: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    confusion_matrix: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    class_names: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    artifacts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    owner_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)  # as GraphRow's
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    # The API server (replica) whose executor runs it: a restarting replica ends only its own runs
    # (store/replicas.py). None: made before replicas were recorded, or never executed (imported).
    replica: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    # The sweep this run is a trial of (docs/sweeps.md); None: started on its own. No foreign key,
    # as owner_id: SQLite would rebuild the runs table to add one; deleting a sweep deletes its trials.
    sweep_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)

    events: Mapped[list[RunEventRow]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="RunEventRow.seq"
    )


class RunEventRow(Base):
    """One stored event of a run's stream (every status/epoch/log/result; batches downsampled)."""

    __tablename__ = "run_events"
    __table_args__ = (UniqueConstraint("run_id", "seq", name="uq_run_events_run_id_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(32), ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(20))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SweepRow(Base):
    """A sweep: many configurations of one run request, each trial an ordinary run (runs.sweep_id)."""

    __tablename__ = "sweeps"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)  # as GraphRow's
    request: Mapped[dict[str, Any]] = mapped_column(JSON)  # the SweepCreate it was made from
    # The planned trials in order: [{"params": {path: value}, "run_id": str | None, "note": str | None}]
    trials: Mapped[list[Any]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)  # queued|running|finished|cancelled
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # why it was cancelled
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    best_run_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    replica: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)  # whose scheduler drives it


class UserRow(Base):
    """An account of the multi-user mode (NETCANVAS_AUTH=users); the password only as an argon2 hash."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SessionRow(Base):
    """A signed-in browser or script: the sha256 of its random session id (the cookie holds the id
    itself, so a copy of the database signs nobody in), until `expires_at`."""

    __tablename__ = "sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReplicaRow(Base):
    """An API server sharing the database, alive while its heartbeat is fresh (store/replicas.py)."""

    __tablename__ = "replicas"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
