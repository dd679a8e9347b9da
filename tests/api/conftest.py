from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from netcanvas.api.main import create_app
from netcanvas.config import Settings

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # spawned workers import the fake trainer from here
    sys.path.insert(0, str(HERE))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "store", frontend_dist=tmp_path / "no-frontend", max_concurrent_runs=2)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c
