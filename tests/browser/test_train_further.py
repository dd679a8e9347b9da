"""Train further: a trained run's weights seed a new run from its view; a graph edited so the weights
no longer fit is refused with the server's sentence."""

from __future__ import annotations

import re

import httpx
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
    expect(banner).to_contain_text("Starting from run digits-mlp · digits's weights")
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
    expect(page.locator(".react-flow__node")).to_have_count(4)
    settle(page)  # the run's graph is on the canvas and analysed: a click now selects its node
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


def test_imported_model_view_and_train_further(page: Page, server: str, artifacts):
    trained = start_run(server, mlp("to-export", 16), epochs=1)
    assert wait_done(server, trained)["status"] == "succeeded"
    h5 = httpx.get(f"{server}/api/runs/{trained}/artifacts/model.h5", timeout=60)
    assert h5.status_code == 200, h5.text
    r = httpx.post(f"{server}/api/models/import", files={"file": ("digits_mlp.h5", h5.content)},
                   data={"name": "keras-digits", "dataset": "digits"}, timeout=60)
    assert r.status_code == 201, r.text
    imported = r.json()

    page.goto(f"/#/runs/{imported['id']}")
    view = page.locator('[data-testid="run-view"]')
    expect(view).to_have_attribute("data-status", "imported")
    card = page.locator('[data-testid="imported-card"]')
    expect(card).to_contain_text("Imported model")
    expect(page.locator('[data-testid="imported-layers"]')).to_have_text(str(len(imported["graph"]["nodes"])))
    expect(page.locator('[data-testid="imported-params"]')).to_have_text("1,210")  # 64·16+16 + 16·10+10
    expect(page.locator('[data-testid="imported-dataset"]')).to_contain_text("Digits")
    # No training history to show: no progress bar, empty charts or made-up settings.
    for absent in ("progress-epoch", "live-charts", "run-logs"):
        expect(page.locator(f'[data-testid="{absent}"]')).to_have_count(0)
    expect(page.get_by_text("Waiting for the first points")).to_have_count(0)
    expect(page.locator(".run-side")).not_to_contain_text("Batch size")

    page.click('[data-testid="imported-evaluate"]')
    expect(page.locator("#evaluate-model .kv")).to_contain_text("accuracy")
    page.screenshot(path=str(artifacts / "imported-run-view.png"), full_page=True)

    page.click('[data-testid="train-further"]')
    expect(page.locator('[data-testid="init-from"]')).to_contain_text("keras-digits")
    settle(page)
    page.fill('[data-testid="train-epochs"]', "1")
    page.click('[data-testid="launch"]')
    page.wait_for_url("**/#/runs/*")
    expect(page.locator('[data-testid="run-logs"]')).to_contain_text(f"Starting from the weights of {imported['id']}",
                                                                     timeout=120_000)
    expect(view).to_have_attribute("data-status", "succeeded", timeout=180_000)
