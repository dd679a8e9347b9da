"""Which API server (replica) is alive, so servers sharing one database end only orphaned runs.

Each server claims a replica id at start (the `replica_id` setting, else the host name), records it
on the runs it executes (runs.replica) and beats a heartbeat while it lives. A starting server ends
the runs its own predecessor left active; every server ends, from time to time, the runs of a
replica whose heartbeat went stale (that server died without restarting). Runs of a live replica
are never touched, so two servers on one PostgreSQL database no longer fail each other's runs.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .models import ReplicaRow, utcnow

log = logging.getLogger(__name__)


def default_replica_id() -> str:
    return (socket.gethostname() or "netcanvas")[:90]


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=utcnow().tzinfo)  # SQLite hands back naive UTC


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def _is_predecessor(row: ReplicaRow, host: str) -> bool:
    """The row was left by an earlier life of this server: same host, and its process is gone (or is
    this very pid, reused after a container restart)."""
    return row.host == host and (row.pid == os.getpid() or not _pid_alive(row.pid))


def claim(s: Session, wanted: str, stale_after: timedelta) -> str:
    """This server's replica id: `wanted`, unless a live server holds it (then a suffixed one)."""
    host, now = socket.gethostname(), utcnow()
    row = s.get(ReplicaRow, wanted)
    if row is not None and now - _aware(row.heartbeat_at) < stale_after and not _is_predecessor(row, host):
        taken = wanted
        wanted = f"{wanted[:90]}-{uuid.uuid4().hex[:8]}"
        log.warning("replica id %r is held by a live server (%s, pid %d): this one is %r",
                    taken, row.host, row.pid, wanted)
        row = None
    if row is None:
        s.add(ReplicaRow(id=wanted, host=host, pid=os.getpid(), started_at=now, heartbeat_at=now))
    else:
        row.host, row.pid, row.started_at, row.heartbeat_at = host, os.getpid(), now, now
    try:
        s.commit()
    except IntegrityError:  # another server claimed the same id a moment ago
        s.rollback()
        return claim(s, f"{wanted[:90]}-{uuid.uuid4().hex[:8]}", stale_after)
    return wanted


def beat(s: Session, replica_id: str) -> None:
    """Refresh the heartbeat (re-creating the row if another server pruned it)."""
    row = s.get(ReplicaRow, replica_id)
    if row is None:
        s.add(ReplicaRow(id=replica_id, host=socket.gethostname(), pid=os.getpid()))
    else:
        row.heartbeat_at = utcnow()
    s.commit()


def live(s: Session, stale_after: timedelta) -> set[str]:
    """Ids of the replicas whose heartbeat is fresh."""
    now = utcnow()
    return {r.id for r in s.scalars(select(ReplicaRow)) if now - _aware(r.heartbeat_at) < stale_after}


def release(s: Session, replica_id: str) -> None:
    """A clean shutdown: the id is free at once for the next start."""
    row = s.get(ReplicaRow, replica_id)
    if row is not None:
        s.delete(row)
        s.commit()
