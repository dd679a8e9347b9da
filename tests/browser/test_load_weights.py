"""Load Keras weights on the canvas: a weights file made by Keras goes into the graph by layer name;
the dialog lists what loaded and what starts fresh, and leads to the imported run, which trains
further."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from canvas_helpers import set_param, settle
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser,
              pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")]


def layer(nid: str, kind: str, x: float, **params) -> dict:
    return {"id": nid, "type": kind, "params": params, "position": {"x": x, "y": 80}}


NEW_HEAD = {
    "format": "netcanvas.graph/1", "name": "vgg-like-new-head",
    "nodes": [
        layer("input_1", "Input", 0, shape=[1, 8, 8]),
        layer("block1_conv1", "Conv2D", 240, filters=4, kernel_size=3, padding="same", activation="relu"),
        layer("block1_pool", "MaxPooling2D", 480, pool_size=2),
        layer("flatten", "Flatten", 720),
        layer("new_head", "Dense", 960, units=10, activation="softmax"),
    ],
    "edges": [{"source": a, "target": b} for a, b in [("input_1", "block1_conv1"), ("block1_conv1", "block1_pool"),
                                                      ("block1_pool", "flatten"), ("flatten", "new_head")]],
}


def notop_weights(keras, path: Path) -> None:
    """A notop base as keras.applications publishes them: weights only, Keras 2's HDF5 layout."""
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    L = keras.layers
    inp = keras.Input((8, 8, 1), name="input_1")
    x = L.Conv2D(4, 3, padding="same", activation="relu", name="block1_conv1")(inp)
    x = L.MaxPooling2D(name="block1_pool")(x)
    x = L.Conv2D(6, 3, padding="same", name="block2_conv1")(x)  # not in the graph: skipped
    model = keras.Model(inp, x)
    for w in model.weights:
        w.assign(np.full(tuple(w.shape), 0.01, dtype="float32"))
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)


def test_load_keras_weights_into_the_canvas_and_train_further(page: Page, keras, artifacts: Path, tmp_path: Path):
    graph_file = tmp_path / "new-head.json"
    graph_file.write_text(json.dumps(NEW_HEAD))
    page.set_input_files('[data-testid="import-file"]', str(graph_file))
    expect(page.locator(".react-flow__node")).to_have_count(5)

    weights = tmp_path / "vgg_like_weights_notop.h5"
    notop_weights(keras, weights)
    page.click('[data-testid="load-weights"]')
    dialog = page.locator('[data-testid="weights-dialog"]')
    expect(dialog).to_be_visible()
    page.set_input_files('[data-testid="weights-file"]', str(weights))
    expect(page.locator('[data-testid="weights-file-name"]')).to_contain_text("vgg_like_weights_notop.h5")
    page.select_option('[data-testid="weights-dataset"]', "digits")
    page.click('[data-testid="weights-submit"]')

    expect(page.locator('[data-testid="weights-loaded"]')).to_contain_text("Loaded 1")
    expect(page.locator('[data-testid="weights-loaded"]')).to_contain_text("block1_conv1")
    expect(page.locator('[data-testid="weights-initialised"]')).to_contain_text("new_head")
    skipped = page.locator('[data-testid="weights-skipped"]')
    expect(skipped).to_contain_text("block2_conv1")
    expect(skipped).to_contain_text("the graph has no node of this name")
    page.screenshot(path=str(artifacts / "load-weights-report.png"))

    page.click('[data-testid="weights-open-run"]')
    page.wait_for_url(re.compile(r"#/runs/"))
    view = page.locator('[data-testid="run-view"]')
    expect(view).to_have_attribute("data-status", "imported")
    expect(page.locator('[data-testid="run-logs"]')).to_contain_text("Loaded by name from vgg_like_weights_notop.h5")
    page.screenshot(path=str(artifacts / "load-weights-run.png"))

    page.locator('[data-testid="train-further"]').first.click()
    page.wait_for_url(re.compile(r"#/$"))
    expect(page.locator(".react-flow__node")).to_have_count(5)
    settle(page)
    # A coarser pooling: the head no longer fits its weights. Exact starting weights are refused;
    # by name the convolution loads and the head starts fresh.
    set_param(page, "block1_pool", "pool_size", "4")
    page.click('[data-testid="tab-train"]')
    expect(page.locator('[data-testid="init-from"]')).to_be_visible()
    expect(page.locator('[data-testid="train-dataset"]')).to_have_value("digits")
    page.fill('[data-testid="train-epochs"]', "1")
    page.click('[data-testid="launch"]')
    expect(page.locator('[data-testid="launch-error"]')).to_contain_text("'new_head'")
    page.check('[data-testid="init-by-name"]')
    expect(page.locator('[data-testid="init-from"]')).to_contain_text("new or resized ones start fresh")
    page.screenshot(path=str(artifacts / "load-weights-by-name.png"))
    page.click('[data-testid="launch"]')
    page.wait_for_url("**/#/runs/*")
    logs = page.locator('[data-testid="run-logs"]')
    expect(logs).to_contain_text("1 layer(s) ('block1_conv1')", timeout=120_000)
    expect(logs).to_contain_text("Skipped 'new_head'")
    expect(view).to_have_attribute("data-status", "succeeded", timeout=180_000)
    page.screenshot(path=str(artifacts / "load-weights-trained.png"))


def test_a_file_that_fits_nothing_shows_the_servers_sentence(page: Page, keras, tmp_path: Path):
    graph_file = tmp_path / "new-head.json"
    graph_file.write_text(json.dumps(NEW_HEAD))
    page.set_input_files('[data-testid="import-file"]', str(graph_file))
    expect(page.locator(".react-flow__node")).to_have_count(5)
    other = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="alpha")])
    path = tmp_path / "other.weights.h5"
    other.save_weights(path)
    page.click('[data-testid="load-weights"]')
    page.set_input_files('[data-testid="weights-file"]', str(path))
    page.click('[data-testid="weights-submit"]')
    error = page.locator('[data-testid="weights-error"]')
    expect(error).to_contain_text("No layer of other.weights.h5 fits")
    expect(error).to_contain_text("'alpha'")
