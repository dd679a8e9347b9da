"""Fixtures for data tests: a private data directory, a registry that looks in it, and file factories."""

from __future__ import annotations

from pathlib import Path

import pytest

from netcanvas.config import Settings
from netcanvas.data.registry import DatasetRegistry


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "store")


@pytest.fixture
def datasets(settings: Settings) -> DatasetRegistry:
    return DatasetRegistry(settings)
