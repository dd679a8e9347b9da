"""Blocks on the canvas in a real browser: group an Inception module as a block, place a linked copy,
open it, edit inside, come back by the breadcrumb and see both copies change (the server's shapes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from canvas_helpers import connect, drop_layer, node_ids, set_param, settle, shape_of
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

# Conv2D params: 192·k·k·filters + filters
C1 = 192 * 1 * 64 + 64  # 1×1, 64
C3 = 192 * 9 * 128 + 128  # 3×3, 128
C5 = 192 * 25 * 32 + 32  # 5×5, 32


def _inception(page: Page) -> tuple[str, list[str], str]:
    inp = drop_layer(page, "Input", 110, 330)
    set_param(page, inp, "shape", "192, 28, 28")
    towers = []
    for y, (filters, kernel) in zip((150, 330, 510), ((64, 1), (128, 3), (32, 5)), strict=True):
        c = drop_layer(page, "Conv2D", 400, y)
        set_param(page, c, "filters", str(filters))
        set_param(page, c, "kernel_size", str(kernel))
        set_param(page, c, "padding", "same")
        towers.append(c)
    cat = drop_layer(page, "Concatenate", 700, 330)
    for t in towers:
        connect(page, inp, t)
    for port, t in enumerate(towers):
        connect(page, t, cat, target_port=port)
    expect(shape_of(page, cat)).to_have_text("(224, 28, 28)")
    return inp, towers, cat


def _click_card(page: Page, node: str, **kw) -> None:
    page.locator(f'[data-testid="node-{node}"] .node-type').click(**kw)


def test_group_inception_as_block_linked_copies_open_edit_and_back(page: Page, artifacts):
    inp, towers, cat = _inception(page)
    expect(page.locator('[data-testid="total-params"]')).to_have_text(f"{C1 + C3 + C5:,} params")

    # Select the three towers and the Concatenate, group them (the button beside the selection actions).
    _click_card(page, towers[0])
    for n in (*towers[1:], cat):
        _click_card(page, n, modifiers=["Control"])
    expect(page.locator(".inspector .insp-type")).to_have_text("4 layers selected")
    page.click('[data-testid="group-as-block"]')
    name = page.locator('[data-testid="block-name-input"]')
    expect(name).to_have_value("block1")  # the default name
    name.fill("inception_a")
    page.click('[data-testid="block-name-ok"]')
    expect(page.locator('[data-testid="group-dialog"]')).to_have_count(0)

    # One block node, wired as before, with the server's shapes for it.
    assert set(node_ids(page)) == {inp, "inception_a"}
    block = page.locator('[data-testid="node-inception_a"]')
    expect(block).to_have_attribute("data-type", "Block")
    expect(block.locator(".block-chip")).to_have_text("block")
    expect(page.locator('[data-testid="block-name-inception_a"]')).to_have_text("inception_a")
    settle(page)
    expect(shape_of(page, "inception_a")).to_have_text("(224, 28, 28)")
    expect(block.locator(".node-count")).to_have_text("387k params")
    expect(page.locator(f'[data-testid="edge-label-{inp}-inception_a"]')).to_have_text("(192, 28, 28)")
    expect(page.locator('[data-testid="total-params"]')).to_have_text(f"{C1 + C3 + C5:,} params")
    expect(page.locator('[data-testid="problem-count"]')).to_have_text("Ready to train")
    page.locator(".react-flow__pane").click(position={"x": 60, "y": 700})
    page.screenshot(path=str(artifacts / "blocks-grouped.png"))

    # A linked copy from the palette's blocks list, wired to the same Input.
    page.locator('[data-testid="palette-block-inception_a"]').drag_to(
        page.locator(".react-flow__pane"), target_position={"x": 520, "y": 560}
    )
    expect(page.locator('[data-testid="node-inception_a_1"]')).to_have_count(1)
    settle(page)
    # Unwired, the copy says which of its inputs needs a wire.
    expect(page.locator('[data-testid="problem-inception_a_1"]')).to_contain_text("input_1")
    connect(page, inp, "inception_a_1")
    expect(shape_of(page, "inception_a_1")).to_have_text("(224, 28, 28)")
    expect(page.locator('[data-testid="linked-inception_a"]')).to_contain_text("linked ×2")
    # Each copy has its own weights.
    expect(page.locator('[data-testid="total-params"]')).to_have_text(f"{2 * (C1 + C3 + C5):,} params")

    # Double-click opens the block: its own nodes, the inner shapes, the breadcrumb.
    page.locator('[data-testid="node-inception_a"]').dblclick()
    crumb = page.locator('[data-testid="breadcrumb"]')
    expect(crumb).to_contain_text("Graph")
    expect(crumb).to_contain_text("inception_a (inception_a)")
    expect(page.locator(".react-flow__node")).to_have_count(5)
    assert set(node_ids(page)) == {"input_1", *towers, cat}
    settle(page)
    expect(shape_of(page, "input_1")).to_have_text("(192, 28, 28)")  # what is wired into the port
    expect(shape_of(page, towers[0])).to_have_text("(64, 28, 28)")
    expect(shape_of(page, cat)).to_have_text("(224, 28, 28)")
    page.wait_for_timeout(400)  # the fit animation
    page.screenshot(path=str(artifacts / "blocks-open.png"))
    page.locator('[data-testid="node-input_1"] .node-type').click()
    expect(page.locator('[data-testid="block-input-note"]')).to_contain_text("Input 1 of this block")

    # Edit inside: the definition changes, so every copy does.
    set_param(page, towers[0], "filters", "96")
    expect(shape_of(page, towers[0])).to_have_text("(96, 28, 28)")
    expect(shape_of(page, cat)).to_have_text("(256, 28, 28)")

    page.click('[data-testid="crumb-0"]')
    expect(page.locator('[data-testid="breadcrumb"]')).to_have_count(0)
    assert set(node_ids(page)) == {inp, "inception_a", "inception_a_1"}
    settle(page)
    expect(shape_of(page, "inception_a")).to_have_text("(256, 28, 28)")
    expect(shape_of(page, "inception_a_1")).to_have_text("(256, 28, 28)")
    c1 = 192 * 96 + 96
    expect(page.locator('[data-testid="total-params"]')).to_have_text(f"{2 * (c1 + C3 + C5):,} params")
    page.locator(".react-flow__pane").click(position={"x": 60, "y": 700})
    page.wait_for_timeout(400)
    page.screenshot(path=str(artifacts / "blocks-linked-copies.png"))

    # The exported graph holds one definition and two nodes naming it.
    with page.expect_download() as dl:
        page.click('[data-testid="export-graph"]')
    exported = json.loads(Path(dl.value.path()).read_text())
    assert list(exported["blocks"]) == ["inception_a"]
    assert [n["block"] for n in exported["nodes"] if n["type"] == "Block"] == ["inception_a", "inception_a"]
    inner = {n["id"]: n for n in exported["blocks"]["inception_a"]["nodes"]}
    assert inner[towers[0]]["params"]["filters"] == 96


def test_unlink_and_ungroup_from_the_inspector(page: Page, artifacts):
    inp, towers, cat = _inception(page)
    _click_card(page, towers[0])
    for n in (*towers[1:], cat):
        _click_card(page, n, modifiers=["Control"])
    page.keyboard.press("Control+g")  # the shortcut opens the same dialog
    expect(page.locator('[data-testid="group-dialog"]')).to_contain_text("4 selected layers")
    page.screenshot(path=str(artifacts / "blocks-group-dialog.png"))
    page.click('[data-testid="block-name-ok"]')
    expect(page.locator('[data-testid="node-block1"]')).to_have_count(1)
    settle(page)
    expect(page.locator('[data-testid="inspector-block"]')).to_have_text("block1")
    page.screenshot(path=str(artifacts / "blocks-inspector.png"))

    # A linked copy (Ctrl+D), then unlink it: editing it no longer changes the first.
    page.click('[data-testid="block-copy"]')
    expect(page.locator('[data-testid="node-block1_1"]')).to_have_count(1)
    settle(page)
    expect(page.locator('[data-testid="inspector-block"]')).to_have_text("block1")
    page.click('[data-testid="block-unlink"]')
    expect(page.locator('[data-testid="inspector-block"]')).to_have_text("block1_2")
    expect(page.locator('[data-testid="block-name-block1_1"]')).to_have_text("block1_2")

    # A problem inside the unlinked copy shows on its inner node, and as a badge on that copy only.
    head = page.locator('[data-testid="node-block1_1"] .node-type').bounding_box()
    page.mouse.move(head["x"] + 10, head["y"] + 5)
    page.mouse.down()
    page.mouse.move(head["x"] - 60, head["y"] + 240, steps=10)
    page.mouse.up()
    connect(page, inp, "block1_1")
    expect(shape_of(page, "block1_1")).to_have_text("(224, 28, 28)")
    page.locator('[data-testid="node-block1_1"]').dblclick()
    expect(page.locator('[data-testid="breadcrumb"]')).to_contain_text("block1_1 (block1_2)")
    set_param(page, towers[1], "padding", "valid")  # 3×3 valid: 26×26 beside 28×28
    expect(shape_of(page, towers[1])).to_have_text("(128, 26, 26)")
    expect(page.locator(f'[data-testid="problem-{cat}"]')).to_be_visible()
    page.wait_for_timeout(400)
    page.screenshot(path=str(artifacts / "blocks-problem-inside.png"))
    page.locator(".react-flow__pane").click(position={"x": 60, "y": 700})
    page.keyboard.press("Escape")  # leaves the open block, as the breadcrumb does
    expect(page.locator('[data-testid="breadcrumb"]')).to_have_count(0)
    settle(page)
    expect(page.locator('[data-testid="block-problems-block1_1"]')).to_contain_text("inside")
    expect(page.locator('[data-testid="problem-block1_1"]')).to_contain_text(f"{cat}:")
    expect(page.locator('[data-testid="problem-block1"]')).to_have_count(0)
    expect(shape_of(page, "block1")).to_have_text("(224, 28, 28)")
    page.locator(".react-flow__pane").click(position={"x": 60, "y": 700})
    page.screenshot(path=str(artifacts / "blocks-problem-badge.png"))
    # The problem in the graph's list points into the block: a click opens it and selects the node.
    page.locator(".problem-list .link-btn", has_text=f"block1_1/{cat}").click()
    expect(page.locator('[data-testid="breadcrumb"]')).to_contain_text("block1_1")
    expect(page.locator('[data-testid="inspector-name"]')).to_have_attribute("placeholder", cat)
    page.click('[data-testid="crumb-0"]')

    # Ungroup the first: its layers come back wired as before.
    _click_card(page, "block1")
    page.click('[data-testid="block-ungroup"]')
    expect(page.locator(f'[data-testid="node-{cat}"]')).to_have_count(1)
    assert {inp, *towers, cat} <= set(node_ids(page))
    settle(page)
    expect(shape_of(page, cat)).to_have_text("(224, 28, 28)")
    page.locator(".react-flow__pane").click(position={"x": 60, "y": 700})
    page.screenshot(path=str(artifacts / "blocks-ungrouped.png"))
