"""Cards simplify when zoomed out (kind, name, shape in large type; parameter rows hidden), full
when zoomed in; the Summary's weight memory, activation memory for the batch size and MACs."""

from __future__ import annotations

import math

import pytest
from canvas_helpers import settle
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser,
              pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")]

COMPACT_ZOOM = 0.6  # canvas/AnyNodeView.tsx


def zoom(page: Page) -> float:
    """The view's scale, from the viewport's CSS matrix(a, b, c, d, e, f)."""
    m = page.locator(".react-flow__viewport").evaluate("e => getComputedStyle(e).transform")
    return float(m.split("(")[1].split(",")[0])


def font_px(page: Page, selector: str) -> float:
    return float(page.locator(selector).evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))


def open_cifar(page: Page) -> None:
    page.click('[data-testid="open-templates"]')
    page.click('[data-testid="template-cifar10-cnn"]')
    settle(page)
    expect(page.locator(".react-flow__node")).to_have_count(13)
    page.wait_for_timeout(600)  # the fit's animation (250 ms) after the cards are measured


def test_cards_simplify_at_fit_zoom_and_come_back_zoomed_in(page: Page, artifacts):
    open_cifar(page)
    fit = zoom(page)
    expect(page.locator(f'.layer-node[data-detail="{"compact" if fit < COMPACT_ZOOM else "full"}"]')).to_have_count(13)
    page.screenshot(path=str(artifacts / "card-zoom-fit.png"))
    # zoomed out past the line (a longer graph's fit): every card simplified
    for _ in range(12):
        if zoom(page) < COMPACT_ZOOM - 0.1:
            break
        page.click('button[title="Zoom out"]')
        page.wait_for_timeout(250)
    out = zoom(page)
    assert out < COMPACT_ZOOM
    cards = page.locator(".layer-node")
    expect(cards).to_have_count(13)
    expect(page.locator('.layer-node[data-detail="compact"]')).to_have_count(13)
    dense = '[data-testid="node-dense_1"]'
    expect(page.locator(f"{dense} .node-params")).to_be_hidden()  # "512 units · relu" is small print
    expect(page.locator(f"{dense} .node-count")).to_be_hidden()
    expect(page.locator(f"{dense} .node-type")).to_be_visible()
    expect(page.locator(f"{dense} .node-type")).to_have_text("Dense")
    expect(page.locator(f"{dense} .node-id")).to_have_text("dense_1")
    expect(page.locator('[data-testid="shape-dense_1"]')).to_have_text("(512,)")
    compact_type = font_px(page, f"{dense} .node-type")
    # on screen the kind reads as large as the full card's 13 px type does at a zoom of about 0.6
    assert compact_type >= 22 and compact_type * out >= 13 * 0.6 * 0.9 or out < 0.4, (compact_type, out)
    page.screenshot(path=str(artifacts / "card-zoom-out.png"))

    # zoomed in past the line: every card full again, its parameters back
    for _ in range(12):
        if zoom(page) >= COMPACT_ZOOM + 0.05:
            break
        page.click('button[title="Zoom in"]')
        page.wait_for_timeout(250)
    assert zoom(page) >= COMPACT_ZOOM
    expect(page.locator('.layer-node[data-detail="compact"]')).to_have_count(0)
    expect(page.locator('.layer-node[data-detail="full"]')).to_have_count(13)
    full_type = font_px(page, f"{dense} .node-type")
    assert full_type == 13 and compact_type >= 1.6 * full_type, (compact_type, full_type)
    expect(page.locator(f"{dense} .node-params")).to_contain_text("512 units")
    page.locator(dense).scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "card-zoom-in.png"))



def keras_cifar(keras):
    """The CIFAR-10 template as Keras layers (channels last: the same element counts and costs)."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((32, 32, 3)),
        L.Conv2D(32, 3, padding="same", activation="relu"), L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(2),
        L.Dropout(0.25),
        L.Conv2D(64, 3, padding="same", activation="relu"), L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(2),
        L.Dropout(0.25), L.Flatten(), L.Dense(512, activation="relu"), L.Dropout(0.5), L.Dense(10, activation="softmax"),
    ])


def keras_costs(model) -> tuple[int, int, int]:
    """(parameters, activation values a sample including the input, multiply-adds a sample)."""
    values = math.prod(model.inputs[0].shape[1:])
    macs = 0
    for layer in model.layers:
        out = math.prod(layer.output.shape[1:])
        values += out
        if layer.__class__.__name__ == "Conv2D":
            kh, kw = layer.kernel_size
            macs += out * kh * kw * layer.input.shape[-1]
        elif layer.__class__.__name__ == "Dense":
            macs += out * layer.input.shape[-1]
    return model.count_params(), values, macs


def fmt_bytes(n: int) -> str:
    """ui/format.ts fmtBytes: decimal units, one decimal under 10."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.{0 if n >= scale * 10 else 1}f} {unit}"
    return f"{n} B"


def test_summary_shows_weight_and_activation_memory_and_macs_totals(page: Page, artifacts, keras):
    params, values, macs = keras_costs(keras_cifar(keras))
    open_cifar(page)
    page.click('[data-testid="show-summary"]')
    summary = page.locator('[data-testid="summary"]')
    expect(summary.locator('[data-testid="summary-total"]')).to_have_text(f"{params:,}")
    # the Train panel's batch size is 32 until changed
    expect(summary.locator('[data-testid="summary-batch"]')).to_have_text("Activations ×32")
    expect(summary.locator('[data-testid="summary-line-weights"]')).to_contain_text(fmt_bytes(params * 4))
    expect(summary.locator('[data-testid="summary-line-activations"]')).to_contain_text(fmt_bytes(values * 4 * 32))
    expect(summary.locator('[data-testid="summary-line-activations"]')).to_contain_text("batch of 32")
    expect(summary.locator('[data-testid="summary-line-macs"]')).to_contain_text(f"{macs:,}")
    expect(summary.locator('[data-testid="summary-total-cost-weights"]')).to_have_text(fmt_bytes(params * 4))
    expect(summary.locator('[data-testid="summary-total-cost-activations"]')).to_have_text(fmt_bytes(values * 4 * 32))
    # per node: the first Dense, 2304 (64 × 6 × 6) → 512
    expect(summary.locator('[data-testid="summary-cost-dense_1-weights"]')).to_have_text(fmt_bytes((2304 * 512 + 512) * 4))
    expect(summary.locator('[data-testid="summary-cost-dense_1-activations"]')).to_have_text(fmt_bytes(512 * 4 * 32))
    expect(summary.locator('[data-testid="summary-cost-dense_1-macs"]')).to_have_attribute("title", f"{2304 * 512:,}")
    summary.screenshot(path=str(artifacts / "summary-cost-totals.png"))
    page.keyboard.press("Escape")

    # a batch size of 8 in the Train panel: activations a quarter, weights and MACs the same
    page.click('[data-testid="tab-train"]')
    field = page.locator('[data-testid="train-batchSize"]')
    field.fill("8")
    page.click('[data-testid="show-summary"]')
    expect(summary.locator('[data-testid="summary-line-activations"]')).to_contain_text(fmt_bytes(values * 4 * 8))
    expect(summary.locator('[data-testid="summary-total-cost-weights"]')).to_have_text(fmt_bytes(params * 4))
    expect(summary.locator('[data-testid="summary-line-macs"]')).to_contain_text(f"{macs:,}")
