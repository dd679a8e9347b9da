"""Features at a node, Replace head and Cut here on a run's page (issue 9), against the real server."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect
from test_browser_runs import start_run, wait_done

pytestmark = pytest.mark.browser


def cnn(name: str) -> dict:
    return {
        "format": "netcanvas.graph/1", "name": name,
        "nodes": [
            {"id": "in", "type": "Input", "params": {"shape": [1, 8, 8]}},
            {"id": "c1", "type": "Conv2D", "params": {"filters": 6, "kernel_size": 3, "activation": "relu"}},
            {"id": "p1", "type": "MaxPooling2D", "params": {"pool_size": 2}},
            {"id": "f", "type": "Flatten", "params": {}},
            {"id": "fc1", "type": "Dense", "params": {"units": 16, "activation": "relu"}},
            {"id": "out", "type": "Dense", "params": {"units": 10, "activation": "softmax"}},
        ],
        "edges": [{"source": a, "target": b} for a, b in
                  [("in", "c1"), ("c1", "p1"), ("p1", "f"), ("f", "fc1"), ("fc1", "out")]],
    }


def test_features_at_a_node_then_replace_head_and_cut_here(page: Page, server: str, artifacts):
    run_id = start_run(server, cnn("digits-cnn"), epochs=1)
    assert wait_done(server, run_id)["status"] == "succeeded"

    page.goto(f"/#/runs/{run_id}")
    expect(page.locator('[data-testid="run-view"]')).to_have_attribute("data-status", "succeeded")
    page.click('[data-testid="try-features"]')
    panel = page.locator('[data-testid="node-features"]')
    panel.locator('[data-testid="features-node"]').select_option("p1")
    expect(panel.locator('[data-testid="features-sample"]')).to_be_enabled()  # the test samples came
    panel.locator('[data-testid="features-show"]').click()
    result = panel.locator('[data-testid="features-result"]')
    expect(result.locator('[data-testid="features-shape"]')).to_have_text(re.compile(r"6\s*×\s*3\s*×\s*3|\(6, 3, 3\)"))
    expect(result.locator('[data-testid="features-count"]')).to_have_text("54")
    # the first values are the server's answer for that sample
    sample = httpx.get(f"{server}/api/datasets/digits/samples?split=test&offset=0&count=1", timeout=30).json()
    want = httpx.post(f"{server}/api/runs/{run_id}/predict",
                      json={"inputs": [sample["inputs"][0]], "nodes": ["p1"]}, timeout=30).json()["outputs"][0]
    first = float(result.locator('[data-testid="features-values"]').inner_text().split(",")[0])
    assert abs(first - want[0][0][0]) <= 1e-3 * max(1.0, abs(want[0][0][0]))
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "features-at-node.png"))

    # An unknown node (a graph edited elsewhere) is the server's sentence, not a blank panel.
    r = httpx.post(f"{server}/api/runs/{run_id}/predict", json={"inputs": [sample["inputs"][0]], "nodes": ["nope"]})
    assert r.status_code == 422 and "'nope'" in r.json()["detail"]

    # Replace head: from fc1 on, a new Dense head for digits; the page moves to the new model.
    page.click('[data-testid="replace-head"]')
    dialog = page.locator('[data-testid="transfer-dialog"]')
    expect(dialog.locator('[data-testid="transfer-node"]')).to_have_value("out")
    dialog.locator('[data-testid="transfer-node"]').select_option("fc1")
    expect(dialog.locator('[data-testid="transfer-dataset"]')).to_have_value("digits")
    page.screenshot(path=str(artifacts / "replace-head-dialog.png"))
    dialog.locator('[data-testid="transfer-go"]').click()
    page.wait_for_url(re.compile(r"#/runs/(?!" + run_id + ")"))
    new_id = page.url.rsplit("/", 1)[-1]
    view = page.locator('[data-testid="run-view"]')
    expect(view).to_have_attribute("data-status", "imported")
    expect(page.locator('[data-testid="imported-layers"]')).to_have_text("5")  # in c1 p1 f head
    expect(page.locator('[data-testid="run-logs"]')).to_contain_text("New head 'head'")
    made = httpx.get(f"{server}/api/runs/{new_id}", timeout=30).json()
    assert [n["id"] for n in made["graph"]["nodes"]] == ["in", "c1", "p1", "f", "head"]
    assert made["request"]["graph_id"]
    page.screenshot(path=str(artifacts / "replace-head-new-run.png"))

    # Cut here on the source run: a feature extractor ending at p1.
    page.goto(f"/#/runs/{run_id}")
    expect(page.locator('[data-testid="run-view"]')).to_have_attribute("data-status", "succeeded")
    page.click('[data-testid="cut-here"]')
    dialog.locator('[data-testid="transfer-node"]').select_option("p1")
    dialog.locator('[data-testid="transfer-go"]').click()
    page.wait_for_url(re.compile(r"#/runs/(?!" + run_id + ")"))
    expect(view).to_have_attribute("data-status", "imported")
    expect(page.locator('[data-testid="imported-layers"]')).to_have_text("3")
    cut_id = page.url.rsplit("/", 1)[-1]
    got = httpx.post(f"{server}/api/runs/{cut_id}/predict", json={"inputs": [sample["inputs"][0]]}, timeout=30)
    assert got.json()["outputs"][0] == want
    page.screenshot(path=str(artifacts / "cut-here-new-run.png"))
