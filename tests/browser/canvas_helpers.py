"""Driving the canvas like a person: drag from the palette, wire handles, edit in the inspector."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def settle(page: Page) -> None:
    """Waits until the validation on screen answers the graph on screen (debounce + round trip)."""
    expect(page.locator('.canvas[data-validation="fresh"]')).to_have_count(1)


def node_ids(page: Page) -> list[str]:
    return page.eval_on_selector_all(".react-flow__node", "els => els.map(e => e.dataset.id)")


def drop_layer(page: Page, layer: str, x: float, y: float) -> str:
    """Drags `layer` from the palette onto the canvas at (x, y) of the pane; returns the new node id."""
    before = set(node_ids(page))
    page.locator(f'[data-testid="palette-{layer}"]').drag_to(
        page.locator(".react-flow__pane"), target_position={"x": x, "y": y}
    )
    expect(page.locator(".react-flow__node")).to_have_count(len(before) + 1)
    (new,) = set(node_ids(page)) - before
    return new


def _center(box: dict) -> tuple[float, float]:
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def connect(page: Page, source: str, target: str, source_port: int = 0, target_port: int = 0) -> None:
    """Mouse down on a source handle, move in steps, mouse up on a target handle."""
    settle(page)  # problem notes come and go with validation; let the cards settle first
    src = page.locator(f'.react-flow__handle.source[data-testid="handle-{source}-out-{source_port}"]')
    dst = page.locator(f'.react-flow__handle.target[data-testid="handle-{target}-in-{target_port}"]')
    sx, sy = _center(src.bounding_box())
    tx, ty = _center(dst.bounding_box())
    edges = page.locator(".react-flow__edge").count()
    page.mouse.move(sx, sy)
    page.mouse.down()
    page.mouse.move((sx + tx) / 2, (sy + ty) / 2, steps=8)
    page.mouse.move(tx, ty, steps=8)
    # React Flow settles the hovered handle asynchronously; a hand also rests a moment before letting go.
    page.wait_for_timeout(120)
    page.mouse.move(tx, ty + 0.5)
    page.wait_for_timeout(60)
    below = page.evaluate(
        "([x, y]) => { const e = document.elementFromPoint(x, y); return e ? e.outerHTML.slice(0, 160) : null }",
        [tx, ty],
    )
    page.mouse.up()
    assert below and "react-flow__handle" in below, (
        f"the target handle is covered by {below}; aimed at {(tx, ty)}, handle now at {dst.bounding_box()}, "
        f"source now at {src.bounding_box()} (was {(sx, sy)})"
    )
    expect(page.locator(f'[data-testid="rf__edge-e:{source}:{source_port}->{target}:{target_port}"]')).to_have_count(1)
    assert page.locator(".react-flow__edge").count() >= edges


def select_node(page: Page, node: str) -> None:
    name = page.locator('[data-testid="inspector-name"]')
    for _ in range(2):  # a click landing while the view still fits itself to a loaded graph is lost
        page.locator(f'[data-testid="node-{node}"] .node-type').click()
        try:
            expect(name).to_have_attribute("placeholder", node, timeout=4_000)
            return
        except AssertionError:
            pass
    expect(name).to_have_attribute("placeholder", node)


def set_param(page: Page, node: str, param: str, value: str) -> None:
    """Selects the node and types a value into its generated form field (Enter commits)."""
    select_node(page, node)
    field = page.locator(f'[data-testid="param-{param}"]')
    tag = field.evaluate("e => e.tagName")
    if tag == "SELECT":
        field.select_option(value)
    else:
        field.fill(value)
        field.press("Enter")
    settle(page)


def shape_of(page: Page, node: str):
    return page.locator(f'[data-testid="shape-{node}"]')
