"""Fixtures for data tests: a private data directory the registry looks in, and file factories."""

from __future__ import annotations

from pathlib import Path

import pytest

from netcanvas.config import Settings
from netcanvas.data import registry


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    s = Settings(data_dir=tmp_path / "store")
    registry.configure(s)
    yield s
    registry._SETTINGS.clear()
    registry._CACHE.clear()
