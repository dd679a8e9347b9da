"""Load Keras weights whose layer names are a Keras 2 session's (conv2d_1 …) into a graph named as a
fresh Keras 3 model (conv2d …): the dialog says the layers matched in order, as Keras's load_weights
does, and the run's log says so too."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser,
              pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")]


def layer(nid: str, kind: str, x: float, **params) -> dict:
    return {"id": nid, "type": kind, "params": params, "position": {"x": x, "y": 80}}


FRESH = {
    "format": "netcanvas.graph/1", "name": "fresh-names",
    "nodes": [
        layer("input_1", "Input", 0, shape=[1, 8, 8]),
        layer("conv2d", "Conv2D", 240, filters=4, kernel_size=3, padding="same", activation="relu"),
        layer("conv2d_1", "Conv2D", 480, filters=4, kernel_size=3, padding="same", activation="relu"),
        layer("flatten", "Flatten", 720),
        layer("dense", "Dense", 960, units=10, activation="softmax"),
    ],
    "edges": [{"source": a, "target": b} for a, b in [("input_1", "conv2d"), ("conv2d", "conv2d_1"),
                                                      ("conv2d_1", "flatten"), ("flatten", "dense")]],
}


def shifted_weights(keras, path: Path) -> None:
    """The same network saved from a session whose auto names start at _1, in the legacy layout."""
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    L = keras.layers
    keras.backend.clear_session()
    L.Conv2D(1, 1), L.Dense(1)  # only their names count: the next ones are conv2d_1, dense_1
    inp = keras.Input((8, 8, 1), name="input_1")
    x = L.Conv2D(4, 3, padding="same", activation="relu")(inp)
    x = L.Conv2D(4, 3, padding="same", activation="relu")(x)
    x = L.Dense(10, activation="softmax")(L.Flatten()(x))
    model = keras.Model(inp, x)
    for w in model.weights:
        w.assign(np.full(tuple(w.shape), 0.01, dtype="float32"))
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)


def test_a_file_with_shifted_names_loads_in_order_and_says_so(page: Page, keras, artifacts: Path, tmp_path: Path):
    graph_file = tmp_path / "fresh.json"
    graph_file.write_text(json.dumps(FRESH))
    page.set_input_files('[data-testid="import-file"]', str(graph_file))
    expect(page.locator(".react-flow__node")).to_have_count(5)

    weights = tmp_path / "keras2_session_weights.h5"
    shifted_weights(keras, weights)
    page.click('[data-testid="load-weights"]')
    expect(page.locator('[data-testid="weights-match"]')).to_have_value("auto")
    page.set_input_files('[data-testid="weights-file"]', str(weights))
    page.click('[data-testid="weights-submit"]')

    matching = page.locator('[data-testid="weights-matching"]')
    expect(matching).to_contain_text("Matched in order.")
    expect(matching).to_contain_text("As Keras's load_weights does")
    expect(matching).to_contain_text("conv2d_1 ≠ conv2d")
    loaded = page.locator('[data-testid="weights-loaded"]')
    expect(loaded).to_contain_text("Loaded 3")
    expect(loaded).to_contain_text("conv2d ← conv2d_1")
    expect(loaded).to_contain_text("dense ← dense_1")
    expect(page.locator('[data-testid="weights-skipped"]')).to_have_count(0)
    page.screenshot(path=str(artifacts / "load-weights-order.png"))

    page.click('[data-testid="weights-open-run"]')
    page.wait_for_url(re.compile(r"#/runs/"))
    logs = page.locator('[data-testid="run-logs"]')
    expect(logs).to_contain_text("Loaded by order from keras2_session_weights.h5: 3 layer(s)")
    expect(logs).to_contain_text("Matched by order, as Keras's load_weights does")


def test_order_asked_for_a_file_that_does_not_fit_shows_the_servers_sentence(page: Page, keras, tmp_path: Path):
    graph = json.loads(json.dumps(FRESH))
    graph["nodes"][2]["params"]["filters"] = 6  # conv2d_1: 4 filters in the file
    graph_file = tmp_path / "misfit.json"
    graph_file.write_text(json.dumps(graph))
    page.set_input_files('[data-testid="import-file"]', str(graph_file))
    expect(page.locator(".react-flow__node")).to_have_count(5)
    weights = tmp_path / "keras2_session_weights.h5"
    shifted_weights(keras, weights)
    page.click('[data-testid="load-weights"]')
    page.select_option('[data-testid="weights-match"]', "order")
    page.set_input_files('[data-testid="weights-file"]', str(weights))
    page.click('[data-testid="weights-submit"]')
    error = page.locator('[data-testid="weights-error"]')
    expect(error).to_contain_text("does not load by order")
    expect(error).to_contain_text("node 'conv2d_1' in the graph, 'conv2d_2' in keras2_session_weights.h5")
