"""The Sweeps page: a 12-trial random sweep trained for real, its table, parallel coordinates, the
chosen trials' curves and the best opened on the canvas; and a small grid sweep made in the dialog."""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.sync_api import Page, expect
from test_browser_runs import mlp

pytestmark = pytest.mark.browser

TRIALS = 12


def sweep_body() -> dict:
    base = {"graph": mlp("sweep-mlp", 8), "dataset": "digits", "epochs": 1, "batch_size": 64, "device": "cpu", "seed": 0}
    return {
        "name": "lr and width", "base": base, "algorithm": "random", "max_trials": TRIALS, "parallelism": 2, "seed": 3,
        "space": {"optimizer.learning_rate": {"type": "log_uniform", "low": 1e-4, "high": 0.1},
                  "h.units": {"type": "choice", "values": [4, 16, 48]}},
        "objective": {"metric": "val_loss", "mode": "min"},
    }


def wait_sweep(server: str, sweep_id: str, timeout: float = 1200) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sweep = httpx.get(f"{server}/api/sweeps/{sweep_id}", timeout=30).json()
        if sweep["status"] in ("finished", "cancelled"):
            return sweep
        time.sleep(2)
    raise AssertionError(f"sweep {sweep_id} did not finish in {timeout}s: {sweep['counts']}")


# 12 real trainings, two at a time, on a shared and busy machine: far past the default 300 s.
@pytest.mark.timeout(1500)
def test_sweep_page_table_plot_curves_and_best_on_canvas(page: Page, server: str, artifacts):
    r = httpx.post(f"{server}/api/sweeps", json=sweep_body(), timeout=60)
    assert r.status_code == 201, r.text
    sweep_id = r.json()["id"]
    page.goto(f"/#/sweeps/{sweep_id}")
    expect(page.get_by_test_id("sweep-name")).to_have_text("lr and width")
    expect(page.locator('[data-testid^="trial-row-"]')).to_have_count(TRIALS)  # planned trials show at once
    page.screenshot(path=str(artifacts / "sweep-running.png"))

    sweep = wait_sweep(server, sweep_id)
    assert sweep["status"] == "finished" and sweep["counts"] == {"succeeded": TRIALS}, sweep["counts"]
    view = page.get_by_test_id("sweep-view")
    expect(view).to_have_attribute("data-status", "finished", timeout=30_000)  # the page refreshed itself
    expect(page.get_by_test_id("sweep-progress")).to_have_text(f"{TRIALS} / {TRIALS} trials done")
    best = next(t for t in sweep["trials"] if t["best"])
    assert best["objective"] == min(t["objective"] for t in sweep["trials"])

    # the table: one row per trial, the best one marked; sorting by the objective puts it first
    rows = page.locator('[data-testid="trials-table"] tbody tr')
    expect(rows).to_have_count(TRIALS)
    expect(page.locator('[data-testid^="trial-row-"][data-best="true"]')).to_have_count(1)
    expect(page.get_by_test_id(f"trial-row-{best['index']}")).to_have_class("best")
    page.get_by_test_id("tsort-objective").click()
    expect(rows.first).to_have_attribute("data-testid", f"trial-row-{best['index']}")
    expect(rows.first.locator('[data-col="param:h.units"]')).to_have_text(str(best["params"]["h.units"]))

    # parallel coordinates: one polyline per trial, the best thick; a log axis for the learning rate
    lines = page.locator('[data-testid="pcoords"] polyline')
    expect(lines).to_have_count(TRIALS)
    best_line = page.get_by_test_id(f"pc-line-{best['index']}")
    expect(best_line).to_have_attribute("data-best", "true")
    expect(best_line).to_have_class("pc-line best")
    assert float(best_line.evaluate("e => getComputedStyle(e).strokeWidth").rstrip("px")) > 4
    assert best_line.get_attribute("points").count(",") == 3  # both dimensions and the objective
    expect(page.get_by_test_id("pc-axis-optimizer.learning_rate")).to_have_attribute("data-kind", "log")
    # a real hover, on a point of the line (a polyline's box centre is rarely on it)
    best_line.scroll_into_view_if_needed()
    x, y = best_line.evaluate("e => { const p = e.getPointAtLength(e.getTotalLength() * 0.3)"
                              ".matrixTransform(e.getScreenCTM()); return [p.x, p.y]; }")
    page.mouse.move(x, y)
    expect(page.get_by_test_id("pc-hover")).to_contain_text(f"Trial {best['index']} (best)")

    # choose two trials: their curves are overlaid
    others = [t["index"] for t in sweep["trials"] if not t["best"]][:1]
    chosen = [best["index"], *others]
    for index in chosen:
        page.get_by_test_id(f"trial-row-{index}").click()
    curves = page.get_by_test_id("trial-curves")
    expect(curves).to_have_attribute("data-trials", ",".join(str(i) for i in sorted(chosen)))
    loss = page.get_by_test_id("trial-curves-loss")
    expect(loss).to_have_attribute("data-points-by-series", "1,1,1,1")  # val and train of each, one epoch
    for index in chosen:
        expect(page.get_by_test_id("trial-curves-loss-legend")).to_contain_text(f"trial {index} · val")
    page.screenshot(path=str(artifacts / "sweep-finished.png"))
    page.get_by_test_id("pcoords").screenshot(path=str(artifacts / "sweep-pcoords.png"))
    curves.screenshot(path=str(artifacts / "sweep-chosen-curves.png"))

    # open the best on the canvas: its graph with the best trial's width
    page.get_by_test_id("open-best").click()
    expect(page.locator(".react-flow__node")).to_have_count(4)
    expect(page.locator('[data-testid="shape-h"]')).to_have_text(f"({best['params']['h.units']},)")
    expect(page.locator('[data-testid="node-h"] .node-params')).to_contain_text(f"{best['params']['h.units']} units")
    page.screenshot(path=str(artifacts / "sweep-best-on-canvas.png"))

    # the list shows the sweep with its trials and best objective
    page.get_by_test_id("nav-sweeps").click()
    row = page.get_by_test_id(f"sweep-row-{sweep_id}")
    expect(row.get_by_test_id("sweep-trials")).to_have_text(f"{TRIALS} / {TRIALS}")
    expect(row.get_by_test_id("sweep-best")).not_to_have_text("–")


@pytest.mark.timeout(600)
def test_new_sweep_dialog_makes_a_grid_sweep_of_the_canvas_graph(page: Page, server: str, artifacts):
    # a graph on the canvas, by way of a run opened there
    r = httpx.post(f"{server}/api/runs", json={"graph": mlp("dialog-mlp", 8), "dataset": "digits", "epochs": 1,
                                               "batch_size": 64, "device": "cpu", "seed": 0}, timeout=30)
    assert r.status_code == 201, r.text
    page.goto(f"/#/runs/{r.json()['id']}")
    page.get_by_test_id("open-on-canvas").click()
    expect(page.locator(".react-flow__node")).to_have_count(4)

    page.get_by_test_id("nav-sweeps").click()
    page.get_by_test_id("new-sweep-open").click()
    dialog = page.get_by_test_id("new-sweep")
    expect(dialog.get_by_test_id("ns-base")).to_contain_text("dialog-mlp")
    dialog.get_by_test_id("ns-algorithm").select_option("grid")
    dialog.get_by_test_id("ns-max-trials").fill("")
    # a grid of a range is refused by the server: the sentence sits on that row
    dialog.get_by_test_id("ns-type-0").select_option("log_uniform")
    dialog.get_by_test_id("ns-low-0").fill("0.001")
    dialog.get_by_test_id("ns-high-0").fill("0.01")
    dialog.get_by_test_id("ns-create").click()
    expect(dialog.get_by_test_id("ns-error-row-0")).to_contain_text("a grid searches choice dimensions only")
    page.screenshot(path=str(artifacts / "sweep-dialog-refused.png"))

    dialog.get_by_test_id("ns-type-0").select_option("choice")
    dialog.get_by_test_id("ns-values-0").fill("0.01, 0.001")
    dialog.get_by_test_id("ns-add-row").click()
    dialog.get_by_test_id("ns-path-1").select_option("epochs")
    dialog.get_by_test_id("ns-values-1").fill("1")
    dialog.get_by_test_id("ns-name").fill("dialog grid")
    page.screenshot(path=str(artifacts / "sweep-dialog.png"))
    dialog.get_by_test_id("ns-create").click()

    expect(page.get_by_test_id("sweep-name")).to_have_text("dialog grid")
    rows = page.locator('[data-testid="trials-table"] tbody tr')
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator('[data-col="param:optimizer.learning_rate"]')).to_have_text("0.01")
    expect(rows.nth(1).locator('[data-col="param:optimizer.learning_rate"]')).to_have_text("0.001")
    expect(page.get_by_test_id("sweep-view")).to_have_attribute("data-status", "finished", timeout=240_000)
    expect(page.locator('[data-testid^="trial-row-"][data-best="true"]')).to_have_count(1)
    page.screenshot(path=str(artifacts / "sweep-dialog-finished.png"))
