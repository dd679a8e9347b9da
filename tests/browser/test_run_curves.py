"""The run page's curves: log y axis, smoothing, step / wall-time x axes, legends, prefs kept on reload."""

from __future__ import annotations

import json
import re
from itertools import pairwise

import httpx
import pytest
from playwright.sync_api import Page, expect
from test_browser_runs import wait_done

pytestmark = pytest.mark.browser


def ticks(page: Page, chart: str, axis: str) -> list[str]:
    return json.loads(page.locator(f'[data-testid="{chart}"]').get_attribute(f"data-{axis}-ticks") or "[]")


def numbers(labels: list[str]) -> list[float]:
    return [float(v) for v in labels]


def conv_net(name: str) -> dict:
    """Three 3×3 convolutions over digits: ~1 ms a batch of one on a quiet 2-core machine, so each
    epoch spans several 0.25 s batch-event intervals (a 256-unit MLP finishes an epoch inside one)."""
    convs = [{"id": f"c{i}", "type": "Conv2D", "params": {"filters": 64, "kernel_size": 3, "padding": "same",
                                                         "activation": "relu"}} for i in (1, 2, 3)]
    nodes = [{"id": "in", "type": "Input", "params": {"shape": [1, 8, 8]}}, *convs,
             {"id": "flat", "type": "Flatten", "params": {}},
             {"id": "out", "type": "Dense", "params": {"units": 10, "activation": "softmax"}}]
    return {"format": "netcanvas.graph/1", "name": name, "nodes": nodes,
            "edges": [{"source": a["id"], "target": b["id"]} for a, b in pairwise(nodes)]}


def start_noisy_run(server: str) -> str:
    """Small batches at a brisk learning rate: many batch events (one per 0.25 s at most), and a
    loss that falls over a decade, so a log axis has decades to show."""
    body = {"graph": conv_net("curves-cnn"), "dataset": "digits", "epochs": 5, "batch_size": 1, "device": "cpu",
            "seed": 0, "optimizer": {"type": "adam", "learning_rate": 0.001}}
    r = httpx.post(f"{server}/api/runs", json=body, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_run_curves_controls(page: Page, server: str, artifacts):
    run_id = start_noisy_run(server)
    assert wait_done(server, run_id)["status"] == "succeeded"
    page.goto(f"/#/runs/{run_id}")
    expect(page.get_by_test_id("run-view")).to_have_attribute("data-status", "succeeded")
    loss = page.get_by_test_id("chart-loss")
    expect(loss).to_have_attribute("data-points-by-series", re.compile(r"^\d+,5,5$"))
    raw_counts = loss.get_attribute("data-points-by-series")
    assert int((raw_counts or "0").split(",")[0]) > 10, raw_counts  # per-batch points between the epochs

    # Legends name the series, and show values only while the cursor is on the chart.
    legend = page.get_by_test_id("chart-loss-legend")
    expect(legend).to_have_text(re.compile(r"^train \(per batch\)\s*train\s*validation$"))
    box = loss.locator(".u-over").bounding_box()
    assert box
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)
    expect(legend).to_contain_text(re.compile(r"validation\s*\d\.\d+"))
    page.mouse.move(0, 0)
    expect(legend).not_to_contain_text(re.compile(r"\d\.\d"))

    # Linear y: evenly spaced tick values. Log y: uPlot's scale really is logarithmic, and the ticks
    # are decades and their multiples, no longer evenly spaced.
    expect(loss).to_have_attribute("data-y-scale", "linear")
    lin = numbers(ticks(page, "chart-loss", "y"))
    steps = {round(b - a, 6) for a, b in pairwise(lin)}
    assert len(lin) >= 3 and len(steps) == 1, lin
    loss.screenshot(path=str(artifacts / "curves-linear.png"))
    page.get_by_test_id("y-log").click()
    expect(loss).to_have_attribute("data-y-scale", "log")
    expect(page.get_by_test_id("chart-accuracy")).to_have_attribute("data-y-scale", "log")  # every chart
    log = numbers(ticks(page, "chart-loss", "y"))
    assert log != lin and all(v > 0 for v in log), (lin, log)
    gaps = {round(b - a, 6) for a, b in pairwise(log)}
    assert len(log) >= 2 and (len(gaps) > 1 or any(re.fullmatch(r"1(0*)|0\.0*1", f"{v:g}") for v in log)), log
    loss.screenshot(path=str(artifacts / "curves-log.png"))
    page.get_by_test_id("y-linear").click()
    expect(loss).to_have_attribute("data-y-scale", "linear")

    # Smoothing draws an EMA over the raw values (which stay as faint lines): the drawn line changes.
    before = json.loads(loss.get_attribute("data-drawn-last") or "[]")
    pixels_before = loss.locator("canvas").screenshot()
    page.get_by_test_id("smoothing").fill("0.9")
    expect(page.get_by_test_id("live-charts")).to_have_attribute("data-smoothing", "0.9")
    expect(loss).not_to_have_attribute("data-drawn-last", json.dumps(before))
    after = json.loads(loss.get_attribute("data-drawn-last") or "[]")
    assert len(after) == 6 and after[:3] == before, (before, after)  # raw ghosts + smoothed lines
    assert after[3] != after[0] and after[4] != after[1], after  # smoothed ends elsewhere than raw
    assert loss.get_attribute("data-points-by-series") == raw_counts  # the data itself is untouched
    assert loss.locator("canvas").screenshot() != pixels_before
    loss.screenshot(path=str(artifacts / "curves-smoothed.png"))

    # Per-batch off: only the epoch series remain drawn and named.
    page.get_by_test_id("per-batch").uncheck()
    expect(legend).to_have_text(re.compile(r"^train\s*validation$"))

    # x axis: global step (whole numbers), then wall time (m:ss).
    page.get_by_test_id("x-step").click()
    expect(loss).to_have_attribute("data-x-ticks", re.compile(r"^\[\"\d+\""))
    assert all(re.fullmatch(r"\d+", t) for t in ticks(page, "chart-loss", "x"))
    page.get_by_test_id("x-wall").click()
    expect(loss).to_have_attribute("data-x-ticks", re.compile(r"^\[\"\d+:\d\d\""))
    wall = ticks(page, "chart-loss", "x")
    assert len(wall) >= 2 and all(re.fullmatch(r"\d+:\d\d", t) for t in wall), wall
    page.get_by_test_id("y-log").click()
    expect(loss).to_have_attribute("data-y-scale", "log")
    page.screenshot(path=str(artifacts / "curves-wall-log.png"), full_page=True)

    # The choices are kept (localStorage): a reload draws the same way.
    page.reload()
    expect(page.get_by_test_id("run-view")).to_have_attribute("data-status", "succeeded")
    expect(loss).to_have_attribute("data-y-scale", "log")
    expect(loss).to_have_attribute("data-x-ticks", re.compile(r"^\[\"\d+:\d\d\""))
    expect(page.get_by_test_id("smoothing")).to_have_value("0.9")
    expect(page.get_by_test_id("per-batch")).not_to_be_checked()
    expect(loss).to_have_attribute("data-points-by-series", raw_counts or "")
