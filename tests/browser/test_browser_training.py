"""Train on digits from the browser: live curves over the websocket, reload replays them, download."""

from __future__ import annotations

import json
import time
import zipfile

import pytest
from canvas_helpers import settle
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def chart_state(page: Page, metric: str) -> dict:
    chart = page.locator(f'[data-testid="chart-{metric}"]')
    return {
        "points": int(chart.get_attribute("data-points") or 0),
        "by_series": chart.get_attribute("data-points-by-series"),
        "last": json.loads(chart.get_attribute("data-last") or "null"),
    }


def test_train_digits_live_curves_reload_and_download(page: Page, artifacts):
    # A small CNN from the templates, its Input set to the data set's shape from the train panel.
    page.click('[data-testid="open-templates"]')
    page.click('[data-testid="template-mnist-cnn"]')
    page.fill('[data-testid="graph-name"]', "digits-cnn")
    page.click('[data-testid="tab-train"]')
    expect(page.locator('[data-testid="train-dataset"]')).to_have_value("digits")
    expect(page.locator(".ds-card")).to_contain_text("(1, 8, 8)")
    page.click('[data-testid="apply-input-shape"]')
    settle(page)
    expect(page.locator('[data-testid="problem-count"]')).to_have_text("Ready to train")
    expect(page.locator('[data-testid="train-loss"]')).to_have_value("sparse_categorical_crossentropy")
    page.fill('[data-testid="train-epochs"]', "12")
    page.fill('[data-testid="train-batchSize"]', "32")
    page.click('[data-testid="launch"]')

    page.wait_for_url("**/#/runs/*")
    run_id = page.url.rsplit("/", 1)[-1]
    view = page.locator('[data-testid="run-view"]')

    # Curve points arrive while the run is still running.
    seen_live = None
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline:
        status = view.get_attribute("data-status")
        pts = chart_state(page, "loss")["points"] if page.locator('[data-testid="chart-loss"]').count() else 0
        if status == "running" and pts > 0:
            seen_live = pts
            break
        assert status not in ("succeeded", "failed", "cancelled"), f"run ended ({status}) before any point showed"
        page.wait_for_timeout(100)
    assert seen_live, "no curve point arrived while the run was running"
    expect(page.locator('[data-testid="progress-epoch"]')).to_contain_text("/ 12")
    # …and keep arriving.
    page.wait_for_function(
        "n => Number(document.querySelector('[data-testid=\"chart-loss\"]').dataset.points) > n", arg=seen_live,
        timeout=60_000,
    )
    page.screenshot(path=str(artifacts / "live-view-running.png"))

    expect(view).to_have_attribute("data-status", "succeeded", timeout=180_000)
    expect(page.locator('[data-testid="chart-accuracy"]')).to_be_visible()
    expect(page.locator('[data-testid="artifact-model.pt"]')).to_be_visible(timeout=30_000)
    page.wait_for_timeout(300)
    loss, acc = chart_state(page, "loss"), chart_state(page, "accuracy")
    batch, train, val = (int(n) for n in loss["by_series"].split(","))
    assert train == 12 and val == 12 and batch >= 12, loss
    assert acc["last"][2] > 0.5, acc  # validation accuracy after 12 epochs of digits
    page.screenshot(path=str(artifacts / "live-view-done.png"))

    # Reloading the page (the URL holds the run id) replays the same curves.
    page.reload()
    expect(view).to_have_attribute("data-status", "succeeded")
    expect(page.locator('[data-testid="chart-loss"]')).to_have_attribute("data-points-by-series", loss["by_series"])
    assert chart_state(page, "loss") == loss
    assert chart_state(page, "accuracy") == acc
    expect(page.locator('[data-testid="test-metrics"]')).to_contain_text("accuracy")
    page.screenshot(path=str(artifacts / "live-view-reloaded.png"))

    # Download the trained model.
    with page.expect_download() as dl:
        page.click('[data-testid="artifact-model.pt"]')
    target = artifacts / "model.pt"
    dl.value.save_as(target)
    assert dl.value.suggested_filename == "model.pt"
    assert target.stat().st_size > 10_000
    assert zipfile.is_zipfile(target)  # torch.save's format

    # Evaluate: test metrics and a 10×10 confusion matrix for the digits classifier.
    page.click('[data-testid="evaluate"]')
    expect(page.locator('[data-testid="confusion-matrix"] tbody tr')).to_have_count(10, timeout=60_000)
    expect(page.locator('[data-testid="evaluate"]')).to_have_text("Re-evaluate", timeout=60_000)

    # Draw a digit with the mouse on the 8×8 pad: a vertical stroke, a "1".
    pad = page.locator('[data-testid="drawpad"]')
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    x = box["x"] + box["width"] * 0.5
    page.mouse.move(x, box["y"] + box["height"] * 0.08)
    page.mouse.down()
    for i in range(1, 13):
        page.mouse.move(x, box["y"] + box["height"] * (0.08 + i * 0.07), steps=2)
    page.mouse.up()
    expect(page.locator('[data-testid="prediction"] .prob')).to_have_count(10)
    probs = [float(t) for t in page.locator('[data-testid="prediction"] .pv').all_inner_texts()]
    assert abs(sum(probs) - 1) < 0.02, probs  # a softmax over the ten digits
    page.locator(".page").evaluate("e => e.scrollTo(0, e.scrollHeight)")
    page.screenshot(path=str(artifacts / "evaluate-predict.png"))

    # Or try it on a sample of the data set.
    page.click('[data-testid="try-samples"]')
    right = 0
    for i in range(4):
        page.click(f'[data-testid="sample-{i}"]')
        expect(page.locator(f'[data-testid="sample-result"][data-for="{i}"][data-done="yes"]')).to_have_count(1)
        right += page.inner_text('[data-testid="predicted-class"]') == page.inner_text('[data-testid="true-label"]')
    assert right >= 3, f"only {right} of 4 samples predicted right"  # ~97% test accuracy

    # The runs page lists it with its data set and best metrics.
    page.click('[data-testid="nav-runs"]')
    row = page.locator(f'[data-testid="run-row-{run_id}"]')
    expect(row).to_contain_text("digits-cnn")
    expect(row).to_contain_text("digits")
    expect(row).to_contain_text("val_accuracy")
    page.screenshot(path=str(artifacts / "runs-page.png"))
