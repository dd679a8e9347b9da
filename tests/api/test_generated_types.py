"""The front end's API types (frontend/src/api/schema.d.ts, RunEvent included) are generated from
the backend's OpenAPI document; the committed file must be what the generator writes today."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from netcanvas.api.main import create_app
from netcanvas.config import Settings
from netcanvas.run_states import FINAL, STATUSES
from netcanvas.training.events import EVENT

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"


def test_the_openapi_document_carries_the_event_union(tmp_path):
    schemas = create_app(Settings(data_dir=tmp_path)).openapi()["components"]["schemas"]
    union = schemas["RunEvent"]
    assert union["discriminator"]["propertyName"] == "type"
    assert set(union["discriminator"]["mapping"]) == {"status", "batch", "epoch", "log", "result"}
    for ref in union["discriminator"]["mapping"].values():
        variant = schemas[ref.rsplit("/", 1)[-1]]
        assert set(variant["required"]) == set(variant["properties"])  # every field is always sent
    assert schemas["StatusEvent"]["properties"]["status"]["enum"] == list(STATUSES)
    assert schemas["FinalRunStatus"]["enum"] == [s for s in STATUSES if s in FINAL]
    # what the schema promises is what travels: a non-finite metric is null
    wire = EVENT.validate_python({"type": "epoch", "epoch": 1, "epochs": 1, "metrics": {"loss": float("nan")}})
    assert EVENT.validate_json(wire.model_dump_json()).metrics == {"loss": None}


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node (scripts/setup.sh installs the front end)")
def test_the_committed_typescript_types_are_current():
    if not (FRONTEND / "node_modules" / "openapi-typescript").is_dir():
        pytest.skip("frontend/node_modules is not installed (scripts/setup.sh)")
    done = subprocess.run(
        ["node", "scripts/gen-api.mjs", "--check"], cwd=FRONTEND, capture_output=True, text=True, timeout=240, check=False,
        env={**os.environ, "PYTHON": sys.executable},
    )
    assert done.returncode == 0, done.stdout + done.stderr
