"""Templates dialog → a keras.applications architecture: the canvas's counts are Keras's own."""

from __future__ import annotations

import pytest
from canvas_helpers import settle
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser,
              pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")]


def keras_count_lines(model) -> list[str]:
    """The Total / Trainable / Non-trainable lines of Keras's model.summary()."""
    out: list[str] = []
    model.summary(print_fn=lambda s, **_: out.append(s))
    lines = [line.strip() for line in "\n".join(out).splitlines() if "params:" in line]
    assert [line.split(":")[0] for line in lines] == ["Total params", "Trainable params", "Non-trainable params"]
    return lines


def open_architecture(page: Page, name: str, size: int, artifacts=None) -> None:
    page.click('[data-testid="open-templates"]')
    page.click(f'[data-testid="arch-{name}"]')
    expect(page.locator('[data-testid="arch-top"]')).not_to_be_checked()  # the transfer-learning base first
    page.fill('[data-testid="arch-size"]', str(size))
    if artifacts is not None:
        page.locator('[data-testid="templates"]').screenshot(path=str(artifacts / f"templates-{name}.png"))
    page.click('[data-testid="arch-open"]')
    expect(page.locator('[data-testid="templates"]')).to_have_count(0)
    settle(page)


def check_summary(page: Page, lines: list[str], artifacts, shot: str) -> None:
    page.click('[data-testid="show-summary"]')
    for key, line in zip(("total", "trainable", "non-trainable"), lines, strict=True):
        expect(page.locator(f'[data-testid="summary-line-{key}"]')).to_have_text(line)
    page.locator('[data-testid="summary"]').screenshot(path=str(artifacts / shot))
    page.keyboard.press("Escape")


def test_vgg16_notop_at_a_small_size_counts_like_keras(page: Page, artifacts, keras):
    lines = keras_count_lines(keras.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3)))
    open_architecture(page, "vgg16", 32, artifacts)
    expect(page.locator('[data-testid="graph-name"]')).to_have_value("vgg16_notop")
    expect(page.locator('[data-testid="problem-count"]')).to_have_text("Ready to train")
    total = lines[0].split(":")[1].split("(")[0].strip()
    expect(page.locator('[data-testid="total-params"]')).to_have_text(f"{total} params")
    page.screenshot(path=str(artifacts / "template-vgg16-notop-canvas.png"))
    check_summary(page, lines, artifacts, "template-vgg16-notop-summary.png")


def test_size_below_kerass_minimum_is_refused_before_opening(page: Page, artifacts):
    page.click('[data-testid="open-templates"]')
    page.click('[data-testid="arch-inception_v3"]')
    page.fill('[data-testid="arch-size"]', "64")
    expect(page.locator('[data-testid="arch-problem"]')).to_have_text(
        "Inception-v3 takes images of at least 75×75 (Keras's rule).")
    expect(page.locator('[data-testid="arch-open"]')).to_be_disabled()
    page.locator('[data-testid="arch-form"]').screenshot(path=str(artifacts / "templates-size-refused.png"))


def test_resnet50_with_a_new_top_counts_like_keras(page: Page, artifacts, keras):
    model = keras.applications.ResNet50(weights=None, include_top=True, input_shape=(64, 64, 3), classes=7)
    lines = keras_count_lines(model)
    page.click('[data-testid="open-templates"]')
    page.click('[data-testid="arch-resnet50"]')
    page.check('[data-testid="arch-top"]')
    page.fill('[data-testid="arch-size"]', "64")
    page.fill('[data-testid="arch-classes"]', "7")
    page.click('[data-testid="arch-open"]')
    settle(page)
    expect(page.locator('[data-testid="shape-predictions"]')).to_have_text("(7,)")
    non_trainable = lines[2].split(":")[1].split("(")[0].strip()
    expect(page.locator('[data-testid="non-trainable-params"]')).to_have_text(f"({non_trainable} non-trainable)")
    page.screenshot(path=str(artifacts / "template-resnet50-canvas.png"))
    check_summary(page, lines, artifacts, "template-resnet50-summary.png")
