"""Compare two runs' curves: one chart per metric with both runs on it, drawn as the run page's
chart controls say (log y, step axis) and with a training/validation choice."""

from __future__ import annotations

import json

import httpx
import pytest
from playwright.sync_api import Page, expect
from test_browser_runs import mlp, start_run, wait_done

pytestmark = pytest.mark.browser

NOT_CURVES = {"lr", "samples_per_s", "seconds"}


def curve_metrics(server: str, run_id: str) -> set[str]:
    epochs = httpx.get(f"{server}/api/runs/{run_id}", timeout=30).json()["epochs"]
    names = {k.removeprefix("val_") for e in epochs for k in e["metrics"]}
    return names - NOT_CURVES


def test_compare_curves_one_chart_per_metric(page: Page, server: str, artifacts):
    a = start_run(server, mlp("narrow-8", 8), epochs=2)
    b = start_run(server, mlp("wide-32", 32), epochs=2)
    assert wait_done(server, a)["status"] == "succeeded"
    assert wait_done(server, b)["status"] == "succeeded"
    metrics = curve_metrics(server, a) | curve_metrics(server, b)
    assert {"loss", "accuracy"} <= metrics

    page.goto(f"/#/compare/{a},{b}")
    expect(page.get_by_test_id("hparams-table")).to_be_visible()  # the table stays with the curves
    charts = page.locator('[data-testid="compare-charts"] > .chart')
    expect(charts).to_have_count(len(metrics))
    for m in metrics:
        chart = page.get_by_test_id(f"compare-{m}")
        # Per run: validation and training, two epochs each.
        expect(chart).to_have_attribute("data-points-by-series", "2,2,2,2")
        legend = page.get_by_test_id(f"compare-{m}-legend")
        expect(legend).to_contain_text("narrow-8")
        expect(legend).to_contain_text("wide-32")
    loss = page.get_by_test_id("compare-loss")
    expect(loss).to_have_attribute("data-y-scale", "linear")

    # The run page's controls: a log y axis redraws every chart on it.
    page.get_by_test_id("y-log").click()
    expect(loss).to_have_attribute("data-y-scale", "log")
    expect(page.get_by_test_id("compare-accuracy")).to_have_attribute("data-y-scale", "log")
    expect(page.get_by_test_id("compare-charts")).to_have_attribute("data-y-scale", "log")

    # The step axis counts batches: two epochs of digits in batches of 64 are far more than 2 steps.
    page.get_by_test_id("x-step").click()
    page.wait_for_function(
        "() => { const t = JSON.parse(document.querySelector('[data-testid=compare-loss]').dataset.xTicks || '[]');"
        " return t.length > 0 && Number(t[t.length - 1]) > 10; }")
    ticks = json.loads(loss.get_attribute("data-x-ticks") or "[]")
    assert float(ticks[-1]) > 10, ticks

    # Validation only: one series per run.
    page.get_by_test_id("split-val").click()
    expect(loss).to_have_attribute("data-points-by-series", "2,2")
    page.get_by_test_id("split-both").click()
    expect(loss).to_have_attribute("data-points-by-series", "2,2,2,2")
    page.get_by_test_id("compare-charts").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "compare-curves.png"))
    page.get_by_test_id("compare-charts").screenshot(path=str(artifacts / "compare-curves-charts.png"))

    # The choice is the run page's too: it opens with the same log axis.
    page.goto(f"/#/runs/{a}")
    expect(page.get_by_test_id("live-charts")).to_have_attribute("data-y-scale", "log")
