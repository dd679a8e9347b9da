"""The runs page: several runs overlaid, stopping a run, opening a run's graph on the canvas."""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def mlp(name: str, hidden: int) -> dict:
    return {
        "format": "netcanvas.graph/1",
        "name": name,
        "nodes": [
            {"id": "in", "type": "Input", "params": {"shape": [1, 8, 8]}},
            {"id": "flat", "type": "Flatten", "params": {}},
            {"id": "h", "type": "Dense", "params": {"units": hidden, "activation": "relu"}},
            {"id": "out", "type": "Dense", "params": {"units": 10, "activation": "softmax"}},
        ],
        "edges": [{"source": "in", "target": "flat"}, {"source": "flat", "target": "h"}, {"source": "h", "target": "out"}],
    }


def start_run(server: str, graph: dict, epochs: int) -> str:
    body = {"graph": graph, "dataset": "digits", "epochs": epochs, "batch_size": 64, "device": "cpu", "seed": 0}
    r = httpx.post(f"{server}/api/runs", json=body, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def wait_done(server: str, run_id: str, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = httpx.get(f"{server}/api/runs/{run_id}", timeout=30).json()
        if run["status"] in ("succeeded", "failed", "cancelled"):
            return run
        time.sleep(0.5)
    raise AssertionError(f"run {run_id} did not finish in {timeout}s")


def test_compare_runs_overlay_and_open_on_canvas(page: Page, server: str, artifacts):
    a = start_run(server, mlp("mlp-16", 16), epochs=3)
    b = start_run(server, mlp("mlp-64", 64), epochs=3)
    assert wait_done(server, a)["status"] == "succeeded"
    assert wait_done(server, b)["status"] == "succeeded"

    page.click('[data-testid="nav-runs"]')
    for run_id in (a, b):
        row = page.locator(f'[data-testid="run-row-{run_id}"]')
        expect(row).to_contain_text("succeeded")
        row.locator('input[type="checkbox"]').check()
    page.click('[data-testid="compare-runs"]')
    chart = page.locator('[data-testid="compare-loss"]')
    # Two runs × (validation, training), three epochs each.
    expect(chart).to_have_attribute("data-points-by-series", "3,3,3,3")
    expect(page.locator(".compare-legend")).to_contain_text("mlp-16")
    expect(page.locator(".compare-legend")).to_contain_text("mlp-64")
    page.screenshot(path=str(artifacts / "compare-runs.png"))

    # A run's graph opens on the canvas.
    page.goto(f"/#/runs/{b}")
    expect(page.locator('[data-testid="run-view"]')).to_have_attribute("data-status", "succeeded")
    page.click('[data-testid="open-on-canvas"]')
    expect(page.locator(".react-flow__node")).to_have_count(4)
    expect(page.locator('[data-testid="graph-name"]')).to_have_value("mlp-64")
    expect(page.locator('[data-testid="shape-h"]')).to_have_text("(64,)")


def test_stop_a_running_run(page: Page, server: str, artifacts):
    """Stop after two epochs: the run keeps a completed epoch's model — downloads and predict work."""
    run_id = start_run(server, mlp("long", 32), epochs=500)
    page.goto(f"/#/runs/{run_id}")
    view = page.locator('[data-testid="run-view"]')
    expect(view).to_have_attribute("data-status", "running", timeout=90_000)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and len(httpx.get(f"{server}/api/runs/{run_id}", timeout=30).json()["epochs"]) < 2:
        time.sleep(0.1)
    page.click('[data-testid="stop-run"]')
    expect(view).to_have_attribute("data-status", "cancelled", timeout=60_000)
    expect(page.locator('[data-testid="stop-run"]')).to_have_count(0)
    expect(page.locator('[data-testid="stopped-kept"]')).to_contain_text("model.pt holds the weights of epoch")
    with page.expect_download() as dl:
        page.click('[data-testid="artifact-model.h5"]')
    target = artifacts / "stopped-model.h5"
    dl.value.save_as(target)
    assert target.read_bytes()[:8] == b"\x89HDF\r\n\x1a\n"
    page.screenshot(path=str(artifacts / "run-stopped-kept.png"))
    sample = [[[[0.5] * 8 for _ in range(8)]]]
    r = httpx.post(f"{server}/api/runs/{run_id}/predict", json={"inputs": sample}, timeout=30)
    assert r.status_code == 200 and abs(sum(r.json()["outputs"][0]) - 1) < 1e-5
