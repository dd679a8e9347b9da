"""At 1024 px the canvas top bar fits: the graph menu's buttons shrink to icons with titles."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

MENU = ("new-graph", "open-templates", "open-graphs", "save-graph", "import-graph", "export-graph", "import-model")


def test_top_bar_fits_at_1024px(page: Page, artifacts):
    page.set_viewport_size({"width": 1024, "height": 768})
    page.click('[data-testid="open-templates"]')
    page.click('[data-testid="template-mnist-cnn"]')
    bar = page.locator(".topbar")
    expect(bar).to_be_visible()
    page.wait_for_timeout(200)
    assert bar.evaluate("e => e.scrollWidth <= e.clientWidth"), "the top bar overflows"
    for testid in MENU:
        button = page.locator(f'[data-testid="{testid}"]')
        expect(button).to_be_visible()
        box = button.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 1024, (testid, box)
        # Icons only, each saying what it does on hover.
        assert button.get_attribute("title"), testid
    assert page.locator('[data-testid="export-graph"] .btn-label').is_hidden()
    page.screenshot(path=str(artifacts / "canvas-1024.png"))

    with page.expect_download() as dl:
        page.click('[data-testid="export-graph"]')
    assert dl.value.suggested_filename.endswith(".json")

    # Wide screens keep the labels.
    page.set_viewport_size({"width": 1440, "height": 900})
    expect(page.locator('[data-testid="export-graph"]')).to_contain_text("Export")
