"""Freezing on the canvas as a learner does it: build a base and a head, "Freeze everything above"
the base, see the locks and the counts Keras gives for the same frozen model, then fine-tune
("Unfreeze from here"), undo, the T shortcut, "Unfreeze selected" and the inspector's switch."""

from __future__ import annotations

import re

import pytest
from canvas_helpers import connect, drop_layer, select_node, set_param, settle, shape_of
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser
FROZEN = re.compile(r"\bfrozen\b")


def keras_summary(keras, frozen: set[str]) -> tuple[list[str], dict[str, str]]:
    """Keras's count lines and its summary(show_trainable=True) marks for Input(12) → Dense(16) →
    BatchNormalization → Dense(3), named as the canvas names them, with `frozen` set trainable=False."""
    inp = keras.Input((12,), name="input_1")
    layers = [keras.layers.Dense(16, name="dense_1"), keras.layers.BatchNormalization(name="batch_normalization_1"),
              keras.layers.Dense(3, name="dense_2")]
    x = inp
    for layer in layers:
        x = layer(x)
    model = keras.Model(inp, x)
    for layer in layers:
        layer.trainable = layer.name not in frozen
    printed: list[str] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COLUMNS", "200")  # rich cuts the table at the console's width (80 when not a terminal)
        model.summary(print_fn=lambda s, line_break=True: printed.append(s), show_trainable=True, line_length=120)
    text = "\n".join(printed)
    counts = [line.strip() for line in text.splitlines() if "params:" in line]
    marks = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if len(cells) >= 4 and "(" in cells[0] and cells[0].split(" ")[0] != "Layer":
            marks[cells[0].split(" ")[0]] = cells[-1]
    return counts, marks


def locks(page: Page) -> list[str]:
    return sorted(page.eval_on_selector_all('[data-testid^="lock-"]', "els => els.map(e => e.dataset.testid.slice(5))"))


def test_freeze_the_base_then_fine_tune(page: Page, artifacts, keras):
    inp = drop_layer(page, "Input", 110, 260)
    set_param(page, inp, "shape", "12")
    dense = drop_layer(page, "Dense", 350, 260)
    set_param(page, dense, "units", "16")
    bn = drop_layer(page, "BatchNormalization", 590, 260)
    head = drop_layer(page, "Dense", 590, 460)
    set_param(page, head, "units", "3")
    connect(page, inp, dense)
    connect(page, dense, bn)
    connect(page, bn, head)
    settle(page)
    expect(shape_of(page, head)).to_have_text("(3,)")
    assert (inp, dense, bn, head) == ("input_1", "dense_1", "batch_normalization_1", "dense_2")
    expect(page.locator('[data-testid="total-params"]')).to_have_text("323 params")
    assert locks(page) == []

    # freeze the base: the BatchNormalization and everything feeding it (the Input has nothing to freeze)
    select_node(page, bn)
    page.click('[data-testid="freeze-upstream"]')
    expect(page.locator(f'[data-testid="lock-{bn}"]')).to_be_visible()
    assert locks(page) == sorted([dense, bn])
    expect(page.locator(f'[data-testid="node-{dense}"]')).to_have_class(FROZEN)
    expect(page.locator(f'[data-testid="node-{head}"]')).not_to_have_class(FROZEN)
    expect(page.locator('[data-testid="inspector-trainable"]')).not_to_be_checked()
    settle(page)
    page.locator('[data-testid="inspector"]').screenshot(path=str(artifacts / "freeze-inspector-frozen.png"))
    lines, marks = keras_summary(keras, {dense, bn})
    assert lines == ["Total params: 323 (1.26 KB)", "Trainable params: 51 (204.00 B)", "Non-trainable params: 272 (1.06 KB)"]
    will_train = page.locator('[data-testid="params-will-train"]')
    expect(will_train).to_have_text("51 of 323 params will train")
    assert will_train.get_attribute("title") == "\n".join(lines)
    expect(page.locator('[data-testid="total-params"]')).to_have_count(0)
    page.locator(".canvas").screenshot(path=str(artifacts / "freeze-base-canvas.png"))

    # the summary: Keras's three lines and its show_trainable column
    page.click('[data-testid="show-summary"]')
    for key, line in zip(("total", "trainable", "non-trainable"), lines, strict=True):
        expect(page.locator(f'[data-testid="summary-line-{key}"]')).to_have_text(line)
    for node in (inp, dense, bn, head):
        expect(page.locator(f'[data-testid="summary-trainable-{node}"]')).to_have_text(marks[node])
    assert [marks[n] for n in (inp, dense, bn, head)] == ["-", "N", "N", "Y"]
    page.locator('[data-testid="summary"]').screenshot(path=str(artifacts / "freeze-base-summary.png"))
    page.keyboard.press("Escape")

    # fine-tune: unfreeze from the BatchNormalization up; the Dense below stays frozen
    select_node(page, bn)
    page.click('[data-testid="unfreeze-downstream"]')
    expect(page.locator(f'[data-testid="lock-{bn}"]')).to_have_count(0)
    assert locks(page) == [dense]
    settle(page)
    lines, _ = keras_summary(keras, {dense})
    expect(page.locator('[data-testid="params-will-train"]')).to_have_text("83 of 323 params will train")
    assert page.locator('[data-testid="params-will-train"]').get_attribute("title") == "\n".join(lines)
    page.locator('[data-testid="inspector"]').screenshot(path=str(artifacts / "freeze-inspector-unfrozen.png"))

    # undo is one step back to the frozen base
    page.click('[data-testid="undo"]')
    expect(page.locator(f'[data-testid="lock-{bn}"]')).to_be_visible()
    settle(page)
    expect(page.locator('[data-testid="params-will-train"]')).to_have_text("51 of 323 params will train")

    # T freezes the head too; then a two-node selection unfreezes in one action
    page.locator(f'[data-testid="node-{head}"] .node-type').click()
    page.keyboard.press("t")
    expect(page.locator(f'[data-testid="lock-{head}"]')).to_be_visible()
    settle(page)
    expect(page.locator('[data-testid="params-will-train"]')).to_have_text("0 of 323 params will train")
    expect(page.locator('[data-testid="params-will-train"]')).to_have_class(re.compile(r"\bwarn\b"))
    expect(page.locator('[data-testid="problem-count"]')).to_have_text("Nothing to train: unfreeze a layer")
    page.locator('[data-testid="statusbar"]').screenshot(path=str(artifacts / "freeze-nothing-to-train.png"))
    page.locator(f'[data-testid="node-{dense}"] .node-type').click(modifiers=["Control"])
    expect(page.locator('[data-testid="selection-frozen"]')).to_have_text("2 of 2 frozen")
    expect(page.locator('[data-testid="freeze-selected"]')).to_be_disabled()
    page.locator(".side").screenshot(path=str(artifacts / "freeze-selection-inspector.png"))
    page.click('[data-testid="unfreeze-selected"]')
    assert locks(page) == [bn]
    settle(page)
    lines, _ = keras_summary(keras, {bn})
    expect(page.locator('[data-testid="params-will-train"]')).to_have_text("259 of 323 params will train")
    assert page.locator('[data-testid="params-will-train"]').get_attribute("title") == "\n".join(lines)

    # the inspector's switch unfreezes the last one: the status bar reads as before freezing
    select_node(page, bn)
    page.locator('[data-testid="freeze-controls"] .switch').click()
    expect(page.locator('[data-testid="inspector-trainable"]')).to_be_checked()
    assert locks(page) == []
    settle(page)
    expect(page.locator('[data-testid="total-params"]')).to_have_text("323 params")
    expect(page.locator('[data-testid="non-trainable-params"]')).to_have_text("(32 non-trainable)")
    expect(page.locator('[data-testid="params-will-train"]')).to_have_count(0)
