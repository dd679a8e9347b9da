"""Try the model on data-set samples: the inputs sent to predict are the data set's own values
(GET /api/datasets/{id}/samples), for tables as a readable list of rows with their labels."""

from __future__ import annotations

import json

import httpx
import pytest
from playwright.sync_api import Page, expect
from test_browser_runs import wait_done

pytestmark = pytest.mark.browser


def iris_mlp() -> dict:
    return {
        "format": "netcanvas.graph/1", "name": "iris-mlp",
        "nodes": [
            {"id": "in", "type": "Input", "params": {"shape": [4]}},
            {"id": "h", "type": "Dense", "params": {"units": 16, "activation": "relu"}},
            {"id": "out", "type": "Dense", "params": {"units": 3, "activation": "softmax"}},
        ],
        "edges": [{"source": "in", "target": "h"}, {"source": "h", "target": "out"}],
    }


def test_table_samples_list_and_predict_with_exact_values(page: Page, server: str, artifacts):
    body = {"graph": iris_mlp(), "dataset": "iris", "epochs": 20, "batch_size": 16, "device": "cpu", "seed": 0,
            "optimizer": {"type": "adam", "learning_rate": 0.01}}
    r = httpx.post(f"{server}/api/runs", json=body, timeout=30)
    assert r.status_code == 201, r.text
    run_id = r.json()["id"]
    assert wait_done(server, run_id)["status"] == "succeeded"
    expected = httpx.get(f"{server}/api/datasets/iris/samples", params={"split": "test", "count": 16}).json()

    page.goto(f"/#/runs/{run_id}")
    expect(page.locator('[data-testid="run-view"]')).to_have_attribute("data-status", "succeeded")
    page.click('[data-testid="try-samples"]')
    rows = page.locator('[data-testid="samples"] .sample-row')
    expect(rows).to_have_count(16)
    # Labels are readable: whole class names, not clipped to a tile.
    labels = page.locator('[data-testid="samples"] .sample-label')
    assert labels.all_inner_texts() == expected["labels"]
    i = expected["labels"].index("versicolor")
    label = labels.nth(i)
    assert label.evaluate("e => e.scrollWidth <= e.clientWidth"), "the class name is clipped"

    with page.expect_request(lambda q: q.url.endswith("/predict")) as req:
        rows.nth(i).click()
    assert json.loads(req.value.post_data or "{}")["inputs"] == [expected["inputs"][i]]
    result = page.locator(f'[data-testid="sample-result"][data-for="{i}"][data-done="yes"]')
    expect(result).to_have_count(1)
    expect(page.locator('[data-testid="true-label"]')).to_have_text("versicolor")
    expect(page.locator('[data-testid="prediction"] .prob')).to_have_count(3)
    page.locator('[data-testid="samples"]').scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "try-table-samples.png"))

    # The next page of samples.
    page.click('[data-testid="samples-next"]')
    expect(page.locator('.sample-pager')).to_contain_text("17–")


def test_regression_samples_show_true_and_predicted_values(page: Page, server: str):
    graph = {
        "format": "netcanvas.graph/1", "name": "sine-mlp",
        "nodes": [
            {"id": "in", "type": "Input", "params": {"shape": [1]}},
            {"id": "h", "type": "Dense", "params": {"units": 8, "activation": "tanh"}},
            {"id": "out", "type": "Dense", "params": {"units": 1}},
        ],
        "edges": [{"source": "in", "target": "h"}, {"source": "h", "target": "out"}],
    }
    body = {"graph": graph, "dataset": "sine", "loss": "mean_squared_error", "metrics": ["mae"], "epochs": 2,
            "device": "cpu", "seed": 0}
    r = httpx.post(f"{server}/api/runs", json=body, timeout=30)
    assert r.status_code == 201, r.text
    run_id = r.json()["id"]
    assert wait_done(server, run_id)["status"] == "succeeded"
    expected = httpx.get(f"{server}/api/datasets/sine/samples", params={"count": 16}).json()

    page.goto(f"/#/runs/{run_id}")
    page.click('[data-testid="try-samples"]')
    page.click('[data-testid="sample-2"]')
    expect(page.locator('[data-testid="sample-result"][data-for="2"][data-done="yes"]')).to_have_count(1)
    truth = float(page.inner_text('[data-testid="true-label"]'))
    assert abs(truth - expected["values"][2]) < 1e-3 * max(1, abs(truth))
    float(page.inner_text('[data-testid="predicted-value"]'))  # one number out
