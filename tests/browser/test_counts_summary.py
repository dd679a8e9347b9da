"""The canvas shows Keras's three count lines (Total / Trainable / Non-trainable params, with sizes)."""

from __future__ import annotations

import pytest
from canvas_helpers import connect, drop_layer, set_param, settle, shape_of
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

# What Keras 3.15's model.summary() prints for Input(12) → Dense(16) → BatchNormalization:
# Dense 12·16 + 16 = 208 trainable; BatchNormalization gamma, beta 32 trainable, moving mean and
# variance 32 non-trainable; 4 bytes each.
KERAS_LINES = [
    "Total params: 272 (1.06 KB)",
    "Trainable params: 240 (960.00 B)",
    "Non-trainable params: 32 (128.00 B)",
]


def test_summary_shows_keras_count_lines_with_non_trainable_params(page: Page, artifacts):
    inp = drop_layer(page, "Input", 130, 300)
    set_param(page, inp, "shape", "12")
    dense = drop_layer(page, "Dense", 420, 300)
    set_param(page, dense, "units", "16")
    bn = drop_layer(page, "BatchNormalization", 720, 300)
    connect(page, inp, dense)
    connect(page, dense, bn)
    settle(page)
    expect(shape_of(page, bn)).to_have_text("(16,)")

    # the status bar: the total, the non-trainable part, and Keras's lines on hover
    expect(page.locator('[data-testid="total-params"]')).to_have_text("272 params")
    expect(page.locator('[data-testid="non-trainable-params"]')).to_have_text("(32 non-trainable)")
    assert page.locator('[data-testid="total-params"]').get_attribute("title") == "\n".join(KERAS_LINES)
    page.locator('[data-testid="statusbar"]').screenshot(path=str(artifacts / "statusbar-counts.png"))

    page.click('[data-testid="show-summary"]')
    for key, line in zip(("total", "trainable", "non-trainable"), KERAS_LINES, strict=True):
        expect(page.locator(f'[data-testid="summary-line-{key}"]')).to_have_text(line)
    expect(page.locator('[data-testid="summary-total"]')).to_have_text("272")
    row = page.locator('[data-testid="summary"] tr', has_text=f"{bn} (BatchNormalization)")
    expect(row.locator("td.num")).to_have_text("64")  # Keras's Param # of the layer: trainable + non-trainable
    page.locator('[data-testid="summary"]').screenshot(path=str(artifacts / "summary-counts.png"))
    page.keyboard.press("Escape")

    # without BatchNormalization nothing is non-trainable: the status bar says no more than the total
    page.locator(f'[data-testid="node-{bn}"] .node-type').click()
    page.keyboard.press("Delete")
    settle(page)
    expect(page.locator('[data-testid="total-params"]')).to_have_text("208 params")
    expect(page.locator('[data-testid="non-trainable-params"]')).to_have_count(0)
    page.click('[data-testid="show-summary"]')
    expect(page.locator('[data-testid="summary-line-non-trainable"]')).to_have_text(
        "Non-trainable params: 0 (0.00 B)")
