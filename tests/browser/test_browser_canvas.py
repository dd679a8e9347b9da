"""The canvas in a real browser: palette drops, wiring, inferred shapes, problems, editing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from canvas_helpers import connect, drop_layer, node_ids, select_node, set_param, settle, shape_of
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_palette_groups_layers_by_family_and_searches(page: Page):
    families = page.eval_on_selector_all(".group-head", "els => els.map(e => e.dataset.testid)")
    assert families[:2] == ["family-input", "family-core"], families
    assert {"family-convolution", "family-pooling", "family-recurrent", "family-merge"} <= set(families)
    merge = page.locator('.palette-group:has([data-testid="family-merge"]) .palette-item')
    assert {"Concatenate", "Add"} <= {t.split("\n")[0] for t in merge.all_inner_texts()}
    page.fill('[data-testid="palette-search"]', "concat")
    expect(page.locator(".palette-item")).to_have_count(1)
    expect(page.locator('[data-testid="palette-Concatenate"]')).to_be_visible()
    page.fill('[data-testid="palette-search"]', "nothing-like-this")
    expect(page.locator(".palette-list")).to_contain_text("No layer matches")


def test_inception_branch_into_concatenate(page: Page, artifacts):
    """Drag an Inception-style block from the palette, wire three towers into a Concatenate in order."""
    inp = drop_layer(page, "Input", 130, 330)
    set_param(page, inp, "shape", "192, 28, 28")
    expect(shape_of(page, inp)).to_have_text("(192, 28, 28)")

    c1 = drop_layer(page, "Conv2D", 420, 150)
    set_param(page, c1, "filters", "64")
    set_param(page, c1, "kernel_size", "1")
    set_param(page, c1, "activation", "relu")
    c3 = drop_layer(page, "Conv2D", 420, 330)
    set_param(page, c3, "filters", "128")
    set_param(page, c3, "padding", "same")
    pool = drop_layer(page, "MaxPooling2D", 420, 510)
    set_param(page, pool, "pool_size", "3")
    set_param(page, pool, "strides", "1")
    set_param(page, pool, "padding", "same")
    cat = drop_layer(page, "Concatenate", 720, 330)
    assert {inp, c1, c3, pool, cat} == set(node_ids(page))

    for tower in (c1, c3, pool):
        connect(page, inp, tower)
    # A merge layer shows one handle per wire plus a spare: wire the towers in order.
    expect(page.locator(f'[data-testid="node-{cat}"] .react-flow__handle.target')).to_have_count(2)
    connect(page, c1, cat, target_port=0)
    connect(page, c3, cat, target_port=1)
    connect(page, pool, cat, target_port=2)
    expect(page.locator(f'[data-testid="node-{cat}"] .react-flow__handle.target')).to_have_count(4)

    # Shapes inferred by the server show on the nodes and on the wires.
    expect(shape_of(page, c1)).to_have_text("(64, 28, 28)")
    expect(shape_of(page, c3)).to_have_text("(128, 28, 28)")
    expect(shape_of(page, pool)).to_have_text("(192, 28, 28)")
    expect(shape_of(page, cat)).to_have_text("(384, 28, 28)")
    expect(page.locator(f'[data-testid="edge-label-{c3}-{cat}"]')).to_have_text("(128, 28, 28)")
    expect(page.locator(f'[data-testid="edge-label-{inp}-{pool}"]')).to_have_text("(192, 28, 28)")
    expect(page.locator('[data-testid="problem-count"]')).to_have_text("Ready to train")
    # 192·64+64 + 192·9·128+128 = 12,352 + 221,312
    expect(page.locator('[data-testid="total-params"]')).to_have_text("233,664 params")
    page.locator(".react-flow__pane").click(position={"x": 60, "y": 700})
    page.screenshot(path=str(artifacts / "canvas-inception.png"))

    # The summary lists the Concatenate's inputs in port order.
    page.click('[data-testid="show-summary"]')
    row = page.locator('[data-testid="summary"] tr', has_text=f"{cat} (Concatenate)")
    expect(row).to_contain_text(f"{c1}, {c3}, {pool}")
    expect(page.locator('[data-testid="summary-total"]')).to_have_text("233,664")
    page.screenshot(path=str(artifacts / "canvas-summary.png"))
    page.keyboard.press("Escape")

    # The exported JSON is the documented graph format with ordered merge ports.
    with page.expect_download() as dl:
        page.click('[data-testid="export-graph"]')
    graph = json.loads(Path(dl.value.path()).read_text())
    assert graph["format"] == "netcanvas.graph/1"
    into_cat = sorted((e["target_port"], e["source"]) for e in graph["edges"] if e["target"] == cat)
    assert into_cat == [(0, c1), (1, c3), (2, pool)]
    assert {n["id"]: n["params"] for n in graph["nodes"]}[c3]["padding"] == "same"


def test_conv_after_a_vector_shows_error_then_reshape_fixes_it(page: Page, artifacts):
    inp = drop_layer(page, "Input", 130, 300)
    set_param(page, inp, "shape", "64")
    conv = drop_layer(page, "Conv2D", 420, 300)
    dense = drop_layer(page, "Dense", 720, 300)
    connect(page, inp, conv)
    connect(page, conv, dense)

    problem = page.locator(f'[data-testid="problem-{conv}"]')
    expect(problem).to_contain_text(
        "Conv2D expects an image (channels, height, width), got (64,): add a Reshape to (1, 8, 8) before it.")
    assert "has-problem" in (page.locator(f'[data-testid="node-{conv}"]').get_attribute("class") or "")
    expect(page.locator('[data-testid="problem-count"]')).to_have_text("1 problem")
    page.screenshot(path=str(artifacts / "canvas-conv-error.png"))

    reshape = drop_layer(page, "Reshape", 270, 480)
    set_param(page, reshape, "target_shape", "1, 8, 8")
    connect(page, inp, reshape)
    connect(page, reshape, conv)  # replaces the wire from the Input: one wire per input
    expect(page.locator(f'[data-testid^="rf__edge-e:{inp}:0->{conv}"]')).to_have_count(0)
    expect(problem).to_have_count(0)
    # Dense on an image acts on each pixel's channels, as Keras's does on its last axis.
    expect(shape_of(page, dense)).to_have_text("(32, 6, 6)")
    flat = drop_layer(page, "Flatten", 570, 480)
    connect(page, conv, flat)
    connect(page, flat, dense)
    expect(shape_of(page, flat)).to_have_text("(1152,)")
    expect(shape_of(page, dense)).to_have_text("(32,)")
    expect(page.locator('[data-testid="problem-count"]')).to_have_text("Ready to train")
    page.locator(".react-flow__pane").click(position={"x": 60, "y": 700})
    page.screenshot(path=str(artifacts / "canvas-fixed.png"))


def test_inspector_validates_inline_and_renames(page: Page):
    dense = drop_layer(page, "Dense", 400, 300)
    select_node(page, dense)
    units = page.locator('[data-testid="param-units"]')
    units.fill("0")
    expect(page.locator('[data-testid="param-units-error"]')).to_have_text("Units must be greater than 0.")
    units.fill("2.5")
    expect(page.locator('[data-testid="param-units-error"]')).to_have_text("Units must be a whole number.")
    units.fill("64")
    units.press("Enter")
    expect(page.locator(f'[data-testid="node-{dense}"] .node-params')).to_contain_text("64 units")
    name = page.locator('[data-testid="inspector-name"]')
    name.fill("hidden")
    name.press("Enter")
    expect(page.locator(f'[data-testid="node-{dense}"] .node-id')).to_have_text("hidden")


def test_editing_shortcuts_copy_paste_delete_undo_redo(page: Page):
    a = drop_layer(page, "Dense", 300, 250)
    b = drop_layer(page, "Dropout", 600, 250)
    connect(page, a, b)
    page.locator(".react-flow__pane").click(position={"x": 60, "y": 700})
    page.keyboard.press("Control+a")
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    expect(page.locator(".react-flow__node")).to_have_count(4)
    expect(page.locator(".react-flow__edge")).to_have_count(2)
    page.keyboard.press("Delete")
    expect(page.locator(".react-flow__node")).to_have_count(2)
    page.keyboard.press("Control+z")
    expect(page.locator(".react-flow__node")).to_have_count(4)
    page.keyboard.press("Control+Shift+z")
    expect(page.locator(".react-flow__node")).to_have_count(2)
    select_node(page, a)
    page.keyboard.press("Control+d")
    expect(page.locator(".react-flow__node")).to_have_count(3)
    page.click('[data-testid="undo"]')
    expect(page.locator(".react-flow__node")).to_have_count(2)
    page.click('[data-testid="layout-tb"]')
    ya = page.locator(f'[data-testid="node-{a}"]').bounding_box()["y"]
    yb = page.locator(f'[data-testid="node-{b}"]').bounding_box()["y"]
    assert ya < yb  # top to bottom


@pytest.mark.parametrize(
    "template, layers",
    [("mlp", 4), ("mnist-cnn", 9), ("inception", 9), ("cifar10-cnn", 13), ("lstm-classifier", 4), ("seq2seq", 5),
     ("residual", 5), ("vgg-block", 9), ("lstm-forecaster", 3), ("char-rnn", 4)],
)
def test_every_template_is_valid(page: Page, template: str, layers: int):
    page.click('[data-testid="open-templates"]')
    page.click(f'[data-testid="template-{template}"]')
    expect(page.locator(".react-flow__node")).to_have_count(layers)
    settle(page)
    expect(page.locator('[data-testid="problem-count"]')).to_have_text("Ready to train")


def test_lstm_with_return_state_offers_output_h_and_c(page: Page, artifacts):
    page.click('[data-testid="open-templates"]')
    page.click('[data-testid="template-seq2seq"]')
    settle(page)
    encoder = page.locator('[data-testid="node-encoder"]')
    expect(encoder.locator(".react-flow__handle.source")).to_have_count(3)
    expect(encoder.locator(".port-label.out")).to_have_text(["out", "h", "c"])
    # its inputs are named too: the sequence, then a free port for Keras's initial_state h (then c)
    expect(encoder.locator(".port-label.in")).to_have_text(["x", "h"])
    expect(shape_of(page, "encoder")).to_have_text("3 × (128,)")
    # The seeds' seq2seq: the encoder's h and c wires seed the decoder (Keras's initial_state=[h, c]).
    decoder = page.locator('[data-testid="node-decoder"]')
    expect(decoder.locator(".port-label.in")).to_have_text(["x", "h", "c"])
    expect(page.locator('[data-testid="edge-label-encoder-decoder"]')).to_have_text(["(128,)", "(128,)"])
    expect(shape_of(page, "decoder_dense")).to_have_text("(9, 29)")
    page.screenshot(path=str(artifacts / "canvas-seq2seq.png"))


def test_templates_load_valid_and_graphs_save_and_reopen(page: Page):
    page.click('[data-testid="open-templates"]')
    page.click('[data-testid="template-inception"]')
    expect(page.locator(".react-flow__node")).to_have_count(9)
    expect(page.locator('[data-testid="problem-count"]')).to_have_text("Ready to train")
    page.fill('[data-testid="graph-name"]', "my inception")
    page.click('[data-testid="save-graph"]')
    expect(page.locator(".graph-version")).to_have_text("v1")
    page.click('[data-testid="save-graph"]')
    expect(page.locator(".graph-version")).to_have_text("v2")
    page.click('[data-testid="new-graph"]')
    expect(page.locator(".react-flow__node")).to_have_count(0)
    page.click('[data-testid="open-graphs"]')
    page.click('[data-testid="saved-my inception"]')
    expect(page.locator(".react-flow__node")).to_have_count(9)
    expect(page.locator('[data-testid="graph-name"]')).to_have_value("my inception")
    expect(page.locator(".graph-version")).to_have_text("v2")


def test_export_import_round_trip_and_autosave_on_reload(page: Page, tmp_path):
    page.click('[data-testid="open-templates"]')
    page.click('[data-testid="template-residual"]')
    settle(page)
    with page.expect_download() as dl:
        page.click('[data-testid="export-graph"]')
    exported = tmp_path / "residual.json"
    dl.value.save_as(exported)
    graph = json.loads(exported.read_text())
    assert graph["name"] == "residual-block" and len(graph["nodes"]) == 5
    assert all("position" in n for n in graph["nodes"])

    page.click('[data-testid="new-graph"]')
    expect(page.locator(".react-flow__node")).to_have_count(0)
    page.set_input_files('[data-testid="import-file"]', str(exported))
    expect(page.locator(".react-flow__node")).to_have_count(5)
    settle(page)
    expect(shape_of(page, "add_1")).to_have_text("(64, 16, 16)")

    # The canvas survives a reload (autosaved locally), positions included.
    page.wait_for_timeout(700)  # autosave is debounced
    page.reload()
    expect(page.locator(".react-flow__node")).to_have_count(5)
    expect(page.locator('[data-testid="graph-name"]')).to_have_value("residual-block")
    settle(page)
    expect(shape_of(page, "activation_1")).to_have_text("(64, 16, 16)")

    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "netcanvas.graph/9", "nodes": []}')
    page.set_input_files('[data-testid="import-file"]', str(bad))
    expect(page.locator(".toast.error")).to_contain_text("Unknown graph format")
    expect(page.locator(".react-flow__node")).to_have_count(5)
