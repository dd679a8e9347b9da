"""A real `python -m netcanvas serve` for end-to-end tests, and the small helpers around it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[1]


def in_ci() -> bool:
    """CI=true: a missing system dependency (chromium, PostgreSQL) fails instead of skipping."""
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc: subprocess.Popen) -> None:
    """Terminate, then kill what does not exit within 20 s."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@contextmanager
def serve(data_dir: Path, env: dict[str, str | None] | None = None, args: tuple[str, ...] = (),
          start_timeout: float = 90) -> Iterator[str]:
    """Start the server on a free port with its own data dir; yield its base URL; stop it.

    `env` adds to the environment (None removes a variable). The server's output goes to
    data_dir/server.log, shown when it fails to start.
    """
    port = free_port()
    merged = {**os.environ, "NETCANVAS_DATA_DIR": str(data_dir), "NETCANVAS_MAX_CONCURRENT_RUNS": "2",
              **(env or {})}
    full_env = {k: v for k, v in merged.items() if v is not None}
    log_path = data_dir / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "netcanvas", "serve", "--port", str(port), *args],
            cwd=REPO, env=full_env, stdout=log, stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + start_timeout
        while True:
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("netcanvas serve did not start:\n" + log_path.read_text())
            time.sleep(0.25)
        try:
            yield base
        finally:
            stop(proc)
