"""Compare two runs: the HParams table marks the learning-rate and augmentation differences and shows test metrics."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect
from test_browser_runs import mlp, wait_done

pytestmark = pytest.mark.browser


def run(server: str, lr: float, augment: dict | None) -> str:
    body = {"graph": mlp("mlp", 16), "dataset": "digits", "epochs": 1, "batch_size": 64, "device": "cpu", "seed": 0,
            "optimizer": {"learning_rate": lr}}
    if augment:
        body["augment"] = augment
    r = httpx.post(f"{server}/api/runs", json=body, timeout=30)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_compare_hparams_table(page: Page, server: str, artifacts):
    a = run(server, 0.001, None)
    b = run(server, 0.01, {"horizontal_flip": True})
    assert wait_done(server, a)["status"] == "succeeded"
    assert wait_done(server, b)["status"] == "succeeded"
    page.goto(f"/#/compare/{a},{b}")
    table = page.locator('[data-testid="hparams-table"]')
    lr = table.locator('[data-testid="hp-optimizer.learning_rate"]')
    expect(lr).to_have_class("differs")
    expect(lr).to_contain_text("0.01")
    expect(table.locator('[data-testid="hp-augment.horizontal_flip"]')).to_have_class("differs")
    expect(table.locator('[data-testid="hp-dataset"]')).to_have_count(0)  # same in both: hidden by default
    expect(table.locator('[data-testid^="hp-test-"]').first).to_be_visible()
    page.screenshot(path=str(artifacts / "compare-hparams.png"), full_page=True)


def test_history_downloads_as_csv(page: Page, server: str, artifacts, tmp_path):
    a = run(server, 0.001, None)
    assert wait_done(server, a)["status"] == "succeeded"
    page.goto(f"/#/runs/{a}")
    with page.expect_download() as got:
        page.get_by_test_id("history-csv").click()
    path = tmp_path / got.value.suggested_filename
    got.value.save_as(path)
    assert got.value.suggested_filename.endswith("-history.csv")
    header, *rows = path.read_text().strip().splitlines()
    assert header.startswith("epoch,") and "val_loss" in header.split(",")
    assert len(rows) == 1 and rows[0].startswith("0,")  # one epoch, numbered from 0 as CSVLogger does
    page.screenshot(path=str(artifacts / "run-history-links.png"))
