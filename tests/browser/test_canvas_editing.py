"""Canvas editing as a person does it: drop a wire on empty canvas and pick the next layer from the search,
double-click to search, and a first layer dropped after New leaves the view where it was."""

from __future__ import annotations

import pytest
from canvas_helpers import drop_layer, node_ids
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def viewport(page: Page) -> str:
    return page.eval_on_selector(".react-flow__viewport", "e => e.style.transform")


def test_wire_drop_search_adds_a_wired_layer(page: Page, artifacts):
    conv = drop_layer(page, "Conv2D", 200, 250)
    handle = page.locator(f'.react-flow__handle.source[data-testid="handle-{conv}-out-0"]').bounding_box()
    sx, sy = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    page.mouse.move(sx, sy)
    page.mouse.down()
    page.mouse.move(sx + 150, sy + 120, steps=10)
    page.mouse.up()
    search = page.get_by_test_id("layer-search")
    expect(search).to_be_visible()
    expect(page.get_by_test_id("layer-search-Input")).to_have_count(0)  # an Input takes no wire
    page.get_by_test_id("layer-search-input").fill("flatt")
    page.screenshot(path=str(artifacts / "canvas_editing_wire_search.png"))
    page.get_by_test_id("layer-search-Flatten").click()
    expect(search).to_have_count(0)
    expect(page.locator(".react-flow__node")).to_have_count(2)
    (flat,) = set(node_ids(page)) - {conv}
    expect(page.locator(f'[data-testid="rf__edge-e:{conv}:0->{flat}:0"]')).to_have_count(1)


def test_double_click_search_with_the_keyboard(page: Page, artifacts):
    page.locator(".react-flow__pane").dblclick(position={"x": 300, "y": 200})
    page.get_by_test_id("layer-search-input").fill("dense")
    page.keyboard.press("Enter")
    expect(page.locator(".react-flow__node")).to_have_count(1)
    assert node_ids(page)[0].startswith("dense")
    page.locator(".react-flow__pane").dblclick(position={"x": 400, "y": 300})
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("layer-search")).to_have_count(0)
    expect(page.locator(".react-flow__node")).to_have_count(1)


def test_first_drop_after_new_keeps_the_view(page: Page, artifacts):
    page.get_by_test_id("new-graph").click()
    page.wait_for_timeout(300)
    before = viewport(page)
    drop_layer(page, "Dense", 300, 250)
    page.wait_for_timeout(600)  # a fit would animate within 250 ms
    page.screenshot(path=str(artifacts / "canvas_editing_first_drop.png"))
    assert viewport(page) == before
