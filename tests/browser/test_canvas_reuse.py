"""Cut here / Replace head from here… in the canvas's inspector (issue 9): offered while the canvas
carries a trained run's weights, refused for a layer that run does not have, and the new model opens
on the canvas with its imported run as the starting weights, so Train further trains the new head."""

from __future__ import annotations

import re

import httpx
import pytest
from canvas_helpers import drop_layer, node_ids, select_node, set_param, settle
from playwright.sync_api import Page, expect
from test_browser_runs import mlp, start_run, wait_done

pytestmark = pytest.mark.browser


def test_replace_head_from_the_canvas_then_train_further(page: Page, server: str, artifacts):
    first = start_run(server, mlp("digits-mlp", 24), epochs=1)
    assert wait_done(server, first)["status"] == "succeeded"

    page.goto(f"/#/runs/{first}")
    expect(page.locator('[data-testid="run-view"]')).to_have_attribute("data-status", "succeeded")
    page.click('[data-testid="train-further"]')
    page.wait_for_url(re.compile(r"#/$"))
    expect(page.locator(".react-flow__node")).to_have_count(4)
    settle(page)
    page.click('[data-testid="tab-inspect"]')

    reuse = page.locator('[data-testid="reuse-controls"]')
    select_node(page, "out")
    expect(reuse).to_contain_text("Reuse run digits-mlp · digits's weights")
    expect(reuse.locator('[data-testid="canvas-replace-head"]')).to_be_enabled()
    expect(reuse.locator('[data-testid="reuse-note"]')).to_have_count(0)
    select_node(page, "in")
    expect(reuse).to_have_count(0)  # an Input is neither a cut point nor a head

    # An edit: the actions stay, with a sentence that the result ignores it; undone, the sentence goes.
    set_param(page, "h", "units", "40")
    expect(reuse.locator('[data-testid="reuse-note"]')).to_contain_text("starts from that graph as trained")
    page.screenshot(path=str(artifacts / "canvas-reuse-edited.png"))
    page.click('[data-testid="undo"]')
    settle(page)
    select_node(page, "h")
    expect(page.locator('[data-testid="param-units"]')).to_have_value("24")
    expect(reuse.locator('[data-testid="reuse-note"]')).to_have_count(0)

    # A layer the run never had: the buttons are off and say why.
    added = drop_layer(page, "Dense", 420, 320)
    select_node(page, added)
    expect(reuse.locator('[data-testid="canvas-replace-head"]')).to_be_disabled()
    expect(reuse.locator('[data-testid="canvas-cut-here"]')).to_be_disabled()
    expect(reuse.locator('[data-testid="reuse-blocked"]')).to_contain_text(f"has no layer '{added}'")
    page.screenshot(path=str(artifacts / "canvas-reuse-blocked.png"))
    page.click('[data-testid="inspector-delete"]')
    expect(page.locator(".react-flow__node")).to_have_count(4)
    settle(page)

    # Replace head from the last Dense: the dialog comes with that node chosen.
    select_node(page, "out")
    reuse.locator('[data-testid="canvas-replace-head"]').click()
    dialog = page.locator('[data-testid="transfer-dialog"]')
    expect(dialog.locator('[data-testid="transfer-node"]')).to_have_value("out")
    expect(dialog.locator('[data-testid="transfer-keep"]')).not_to_be_checked()
    dialog.locator('[data-testid="transfer-dataset"]').select_option("digits")
    page.screenshot(path=str(artifacts / "canvas-reuse-dialog.png"))
    before = {r["id"] for r in httpx.get(f"{server}/api/runs", timeout=30).json()["data"]}
    dialog.locator('[data-testid="transfer-go"]').click()
    expect(dialog).to_have_count(0)

    # The new model is on the canvas, and the Train tab starts from its imported run.
    assert page.url.endswith("#/")
    expect(page.locator('[data-testid="node-head"]')).to_have_count(1)
    assert sorted(node_ids(page)) == ["flat", "h", "head", "in"]
    (made,) = [r["id"] for r in httpx.get(f"{server}/api/runs", timeout=30).json()["data"] if r["id"] not in before]
    derived = httpx.get(f"{server}/api/runs/{made}", timeout=30).json()
    assert derived["status"] == "imported"
    assert [n["id"] for n in derived["graph"]["nodes"]] == ["in", "flat", "h", "head"]
    head = next(n for n in derived["graph"]["nodes"] if n["id"] == "head")
    assert head["type"] == "Dense" and head["params"]["units"] == 10
    # every kept layer has the trained weights: the same features at h as the source run
    sample = httpx.get(f"{server}/api/datasets/digits/samples?split=test&offset=0&count=2", timeout=30).json()["inputs"]
    want = httpx.post(f"{server}/api/runs/{first}/predict", json={"inputs": sample, "nodes": ["h"]}, timeout=30)
    got = httpx.post(f"{server}/api/runs/{derived['id']}/predict", json={"inputs": sample, "nodes": ["h"]}, timeout=30)
    assert want.status_code == got.status_code == 200, (want.text, got.text)
    assert got.json()["outputs"] == want.json()["outputs"]

    settle(page)
    select_node(page, "head")
    expect(reuse).to_contain_text(f"Reuse run {derived['name']}'s weights")
    expect(reuse.locator('[data-testid="reuse-note"]')).to_have_count(0)
    page.screenshot(path=str(artifacts / "canvas-reuse-new-head.png"))
    page.click('[data-testid="tab-train"]')
    expect(page.locator('[data-testid="init-from"]')).to_contain_text(f"Starting from run {derived['name']}'s weights")
    page.fill('[data-testid="train-epochs"]', "1")
    settle(page)
    page.click('[data-testid="launch"]')
    page.wait_for_url("**/#/runs/*")
    second = page.url.rsplit("/", 1)[-1]
    assert second not in (first, derived["id"])
    done = wait_done(server, second)
    assert done["status"] == "succeeded", done.get("error")
    assert done["request"]["init_from_run"] == derived["id"]
    assert [n["id"] for n in done["graph"]["nodes"]] == ["in", "flat", "h", "head"]
    expect(page.locator('[data-testid="run-logs"]')).to_contain_text(f"Starting from the weights of {derived['id']}")
    page.screenshot(path=str(artifacts / "canvas-reuse-trained.png"))

    # Cut here on the run just trained: a feature extractor ending at h opens on the canvas.
    page.click('[data-testid="train-further"]')
    page.wait_for_url(re.compile(r"#/$"))
    expect(page.locator(".react-flow__node")).to_have_count(4)
    settle(page)
    page.click('[data-testid="tab-inspect"]')
    select_node(page, "h")
    before = {r["id"] for r in httpx.get(f"{server}/api/runs", timeout=30).json()["data"]}
    reuse.locator('[data-testid="canvas-cut-here"]').click()
    expect(dialog.locator('[data-testid="transfer-node"]')).to_have_value("h")
    dialog.locator('[data-testid="transfer-go"]').click()
    expect(dialog).to_have_count(0)
    expect(page.locator(".react-flow__node")).to_have_count(3)
    assert sorted(node_ids(page)) == ["flat", "h", "in"]
    (cut,) = [r["id"] for r in httpx.get(f"{server}/api/runs", timeout=30).json()["data"] if r["id"] not in before]
    cut_name = httpx.get(f"{server}/api/runs/{cut}", timeout=30).json()["name"]
    page.click('[data-testid="tab-train"]')
    expect(page.locator('[data-testid="init-from"]')).to_contain_text(f"Starting from run {cut_name}'s weights")
    want = httpx.post(f"{server}/api/runs/{second}/predict", json={"inputs": sample, "nodes": ["h"]}, timeout=30)
    got = httpx.post(f"{server}/api/runs/{cut}/predict", json={"inputs": sample}, timeout=30)
    assert got.json()["outputs"] == want.json()["outputs"]

    # Training from scratch instead: without a run behind the canvas, nothing to reuse.
    page.click('[data-testid="init-from-clear"]')
    page.click('[data-testid="tab-inspect"]')
    select_node(page, "h")
    expect(page.locator('[data-testid="inspector"]')).to_be_visible()
    expect(reuse).to_have_count(0)
