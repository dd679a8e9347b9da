"""Train further: a trained run's weights seed a new run from its view; a graph edited so the weights
no longer fit is refused with the server's sentence."""

from __future__ import annotations

import re

import pytest
from canvas_helpers import set_param, settle
from playwright.sync_api import Page, expect
from test_browser_runs import mlp, start_run, wait_done

pytestmark = pytest.mark.browser


def test_train_further_from_a_trained_run(page: Page, server: str, artifacts):
    first = start_run(server, mlp("digits-mlp", 24), epochs=2)
    assert wait_done(server, first)["status"] == "succeeded"

    page.goto(f"/#/runs/{first}")
    view = page.locator('[data-testid="run-view"]')
    expect(view).to_have_attribute("data-status", "succeeded")
    page.click('[data-testid="train-further"]')

    # The run's graph on the canvas, the Train tab open and saying where the weights come from.
    page.wait_for_url(re.compile(r"#/$"))
    expect(page.locator(".react-flow__node")).to_have_count(4)
    banner = page.locator('[data-testid="init-from"]')
    expect(banner).to_contain_text("Starting from run digits-mlp's weights")
    expect(page.locator('[data-testid="train-dataset"]')).to_have_value("digits")
    expect(page.locator('[data-testid="train-batchSize"]')).to_have_value("64")
    settle(page)
    page.fill('[data-testid="train-epochs"]', "3")
    page.screenshot(path=str(artifacts / "train-further-panel.png"))

    # ✕ trains from scratch; Train further on the run view sets it again.
    page.click('[data-testid="init-from-clear"]')
    expect(banner).to_have_count(0)
    expect(page.locator('[data-testid="launch"]')).to_have_text(re.compile(r"^\s*Train\s*$"))
    page.go_back()
    page.click('[data-testid="train-further"]')
    expect(banner).to_be_visible()
    expect(page.locator('[data-testid="launch"]')).to_contain_text("Train further")
    settle(page)
    page.click('[data-testid="launch"]')

    page.wait_for_url("**/#/runs/*")
    second = page.url.rsplit("/", 1)[-1]
    assert second != first
    expect(page.locator('[data-testid="run-logs"]')).to_contain_text(f"Starting from the weights of {first}",
                                                                     timeout=120_000)
    expect(view).to_have_attribute("data-status", "succeeded", timeout=180_000)
    chart = page.locator('[data-testid="chart-loss"]')
    expect(chart).not_to_have_attribute("data-points", "0")
    _batch, train, val = (int(n) for n in (chart.get_attribute("data-points-by-series") or "0,0,0").split(","))
    assert train == 2 and val == 2, chart.get_attribute("data-points-by-series")
    page.screenshot(path=str(artifacts / "train-further-run.png"))

    # Widening a layer: the weights no longer fit, and the panel shows the server's sentence.
    page.click('[data-testid="train-further"]')
    expect(banner).to_be_visible()
    set_param(page, "h", "units", "40")
    settle(page)
    page.click('[data-testid="tab-train"]')
    expect(banner).to_be_visible()
    page.click('[data-testid="launch"]')
    error = page.locator('[data-testid="launch-error"]')
    expect(error).to_contain_text("'h'")
    expect(error).to_contain_text("do not fit")
    assert page.url.endswith("#/")
    page.screenshot(path=str(artifacts / "train-further-refused.png"))
