from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from live_server import free_port, in_ci, stop


def _server_binary(name: str) -> str | None:
    """On PATH, or where Debian's postgresql package puts it (/usr/lib/postgresql/N/bin)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(candidates[-1]) if candidates else None


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A throw-away PostgreSQL cluster (skipped where initdb or psycopg is missing, except under CI,
    where scripts/setup.sh installs both and a skip would hide a broken set-up)."""
    if not in_ci():  # under CI the import below fails loudly instead
        pytest.importorskip("psycopg")
    initdb, postgres = _server_binary("initdb"), _server_binary("postgres")
    if not initdb or not postgres:
        if in_ci():
            pytest.fail("PostgreSQL server binaries not found: scripts/setup.sh test installs Debian's postgresql")
        pytest.skip("PostgreSQL server binaries not installed")
    as_user: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="netcanvas-pg-"))
    if os.geteuid() == 0:  # initdb refuses root
        if not shutil.which("runuser"):
            pytest.skip("running as root without runuser")
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(root, "postgres")
    data = root / "data"
    subprocess.run([*as_user, initdb, "-D", str(data), "-A", "trust", "-U", "netcanvas"],
                   check=True, capture_output=True, timeout=120)
    port = free_port()
    proc = subprocess.Popen(
        [*as_user, postgres, "-D", str(data), "-p", str(port), "-k", str(root),
         "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"postgresql+psycopg://netcanvas@127.0.0.1:{port}/postgres"
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        try:
            psycopg.connect(f"postgresql://netcanvas@127.0.0.1:{port}/postgres", connect_timeout=1).close()
            break
        except psycopg.OperationalError:
            if proc.poll() is not None or time.monotonic() > deadline:
                (pytest.fail if in_ci() else pytest.skip)("PostgreSQL did not start")
            time.sleep(0.2)
    try:
        yield url
    finally:
        stop(proc)
        shutil.rmtree(root, ignore_errors=True)
