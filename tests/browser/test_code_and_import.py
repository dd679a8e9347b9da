"""The Code tab (generated PyTorch and Keras source of the graph on the canvas, refreshed as it
changes), importing a Keras .h5 as a run, its downloads (with a refusal shown, not saved), and
opening the imported graph on the canvas."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from canvas_helpers import connect, drop_layer
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

TINY = {
    "format": "netcanvas.graph/1", "name": "tiny-mlp",
    "nodes": [
        {"id": "in", "type": "Input", "params": {"shape": [4]}, "position": {"x": 0, "y": 0}},
        {"id": "hidden", "type": "Dense", "params": {"units": 16, "activation": "relu"}, "position": {"x": 280, "y": 0}},
    ],
    "edges": [{"source": "in", "target": "hidden"}],
}

KERAS_MODEL = """
import sys, keras
L = keras.layers
model = keras.Sequential(
    [keras.Input((4,)), L.Dense(8, activation="relu", name="hidden"), L.Dense(3, activation="softmax", name="probs")],
    name="iris_mlp",
)
model.save(sys.argv[1])
"""


def code_text(page: Page):
    return page.locator('[data-testid="code-text"]')


def load_graph(page: Page, graph: dict, tmp_path: Path) -> None:
    path = tmp_path / f"{graph['name']}.json"
    path.write_text(json.dumps(graph))
    page.set_input_files('[data-testid="import-file"]', str(path))
    expect(page.locator(".react-flow__node")).to_have_count(len(graph["nodes"]))


def test_code_tab_shows_pytorch_and_keras_and_follows_the_graph(page: Page, artifacts: Path, tmp_path: Path):
    page.click('[data-testid="tab-code"]')
    expect(page.locator('[data-testid="code-panel"]')).to_contain_text("Add layers")
    load_graph(page, TINY, tmp_path)  # loaded after the tab widened the panel, so it fits beside it
    panel = page.locator('[data-testid="code-panel"]')
    expect(panel).to_have_attribute("data-status", "fresh")
    expect(code_text(page)).to_contain_text("class TinyMlp(nn.Module):")
    expect(code_text(page)).to_contain_text("nn.Linear(in_features=4, out_features=16")
    expect(code_text(page)).to_contain_text("def forward(self")
    page.screenshot(path=str(artifacts / "code-pytorch.png"))

    page.click('[data-testid="code-keras"]')
    expect(code_text(page)).to_contain_text("import keras")
    expect(code_text(page)).to_contain_text("layers.Dense(units=16, activation='relu'")
    page.click('[data-testid="code-pytorch"]')

    # Add a layer: while it dangles the tab says what to fix; once wired, the code has it.
    new = drop_layer(page, "Dense", 160, 640)
    expect(panel).to_contain_text("to see its code")
    connect(page, "hidden", new)
    expect(panel).to_have_attribute("data-status", "fresh")
    expect(code_text(page)).to_contain_text("nn.Linear(in_features=16, out_features=32")
    expect(code_text(page)).to_contain_text(f"self.{new} =")
    # The Code tab stays open while the graph is edited (a new layer is selected).
    expect(page.locator('[data-testid="tab-code"]')).to_have_attribute("aria-selected", "true")
    page.screenshot(path=str(artifacts / "code-updated.png"))

    # Renaming the graph renames the generated class.
    page.fill('[data-testid="graph-name"]', "iris net")
    expect(code_text(page)).to_contain_text("class IrisNet(nn.Module):")
    page.fill('[data-testid="graph-name"]', "tiny-mlp")
    expect(code_text(page)).to_contain_text("class TinyMlp(nn.Module):")

    # Copy puts the shown source on the clipboard.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.click('[data-testid="code-copy"]')
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "class TinyMlp(nn.Module):" in copied and f"self.{new}" in copied
    # Download saves the same source under the file name the run downloads use.
    with page.expect_download() as dl:
        page.click('[data-testid="code-download"]')
    assert dl.value.suggested_filename == "model.py"
    assert Path(dl.value.path()).read_text() == copied


def test_code_tab_shows_why_there_is_no_keras_code(page: Page, artifacts: Path, tmp_path: Path):
    """Every layer kind has a Keras mapping today, so the server's keras_error is stubbed here to
    check what the tab does with one."""
    message = "Node 'hidden' (Dense) cannot be exported to Keras: a made-up reason for this test."

    def answer(route):
        resp = route.fetch()
        body = resp.json()
        body.update(keras=None, keras_error=message)
        route.fulfill(response=resp, json=body)

    page.route("**/api/graphs/code", answer)
    load_graph(page, TINY, tmp_path)
    page.click('[data-testid="tab-code"]')
    expect(code_text(page)).to_contain_text("nn.Module")  # PyTorch code still shows
    page.click('[data-testid="code-keras"]')
    err = page.locator('[data-testid="keras-error"]')
    expect(err).to_contain_text("No Keras equivalent")
    expect(err).to_contain_text(message)
    expect(page.locator('[data-testid="code-copy"]')).to_be_disabled()
    page.screenshot(path=str(artifacts / "code-keras-error.png"))


@pytest.fixture(scope="module")
def keras_h5(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small Keras 3 model saved as legacy HDF5 (made with the torch backend, no TensorFlow)."""
    if importlib.util.find_spec("keras") is None:
        pytest.skip("keras is not installed (pip install keras; it runs on the torch backend)")
    path = tmp_path_factory.mktemp("keras") / "iris_mlp.h5"
    env = {**os.environ, "KERAS_BACKEND": "torch"}
    subprocess.run([sys.executable, "-c", KERAS_MODEL, str(path)], env=env, check=True, capture_output=True, timeout=180)
    return path


def test_import_keras_h5_downloads_and_open_on_canvas(page: Page, artifacts: Path, keras_h5: Path, tmp_path: Path):
    page.click('[data-testid="nav-runs"]')
    page.click('[data-testid="import-model"]')
    dialog = page.locator('[data-testid="import-dialog"]')
    expect(dialog).to_be_visible()

    # A file that is not a model: the server's sentence shows in the dialog.
    junk = tmp_path / "notes.csv"
    junk.write_text("a,b\n1,2\n")
    page.set_input_files('[data-testid="import-model-file"]', str(junk))
    page.click('[data-testid="import-submit"]')
    expect(page.locator('[data-testid="import-error"]')).to_contain_text("notes.csv is not a model file")
    page.screenshot(path=str(artifacts / "import-refused.png"))

    page.set_input_files('[data-testid="import-model-file"]', str(keras_h5))
    expect(page.locator('[data-testid="import-file-name"]')).to_contain_text("iris_mlp.h5")
    # Four measurements in, three classes out: it is an iris model; naming the set lets evaluation use it.
    page.select_option('[data-testid="import-dataset"]', "iris")
    page.screenshot(path=str(artifacts / "import-dialog.png"))
    page.click('[data-testid="import-submit"]')

    view = page.locator('[data-testid="run-view"]')
    expect(view).to_have_attribute("data-status", "imported")
    expect(view.locator("h1")).to_have_text("iris_mlp")
    expect(view.locator(".kv tr", has_text="Data set")).to_contain_text("iris")
    for name in ("model.pt", "model.pt2", "model.keras", "model.h5", "model.onnx", "model.py", "model_keras.py"):
        expect(page.locator(f'[data-testid="artifact-{name}"]')).to_be_visible()
    page.screenshot(path=str(artifacts / "import-run.png"))

    # A rendered format downloads as the file itself.
    with page.expect_download() as dl:
        page.click('[data-testid="artifact-model_keras.py"]')
    assert dl.value.suggested_filename == "model_keras.py"
    source = Path(dl.value.path()).read_text()
    assert "import keras" in source and "layers.Dense(units=8" in source

    # A refusal to render (422) shows its sentence instead of saving an error JSON as model.h5.
    refusal = "Node 'probs' is a Dense, which has no Keras counterpart in this test."
    page.route("**/artifacts/model.h5", lambda route: route.fulfill(status=422, json={"detail": refusal}))
    downloads: list = []
    page.on("download", lambda d: downloads.append(d))
    page.click('[data-testid="artifact-model.h5"]')
    expect(page.locator('[data-testid="artifact-error-model.h5"]')).to_have_text(refusal)
    page.wait_for_timeout(300)
    assert downloads == []
    page.screenshot(path=str(artifacts / "import-download-refused.png"))

    # Open on canvas puts the imported graph in the editor.
    page.click('[data-testid="open-on-canvas"]')
    expect(page.locator(".react-flow__node")).to_have_count(3)
    for node in ("input_layer", "hidden", "probs"):
        expect(page.locator(f'[data-testid="node-{node}"]')).to_be_visible()
    expect(page.locator('[data-testid="shape-probs"]')).to_have_text("(3,)")
    page.click('[data-testid="tab-code"]')
    expect(code_text(page)).to_contain_text("nn.Linear(in_features=8, out_features=3")
    page.screenshot(path=str(artifacts / "import-on-canvas.png"))


FROZEN_TRANSFER = """
import sys, keras
L = keras.layers
inp = keras.Input((6, 6, 2))
base = keras.Model(inp, L.Conv2D(3, 3, name="base_conv")(inp), name="base")
base.trainable = False
keras.Sequential([keras.Input((6, 6, 2)), base, L.Flatten(name="flat"), L.Dense(2, name="head")],
                 name="transfer").save(sys.argv[1])
"""


def test_an_imported_frozen_base_is_told_on_the_run_page(page: Page, artifacts: Path, tmp_path: Path):
    if importlib.util.find_spec("keras") is None:
        pytest.skip("keras is not installed")
    path = tmp_path / "transfer.keras"
    env = {**os.environ, "KERAS_BACKEND": "torch"}
    subprocess.run([sys.executable, "-c", FROZEN_TRANSFER, str(path)], env=env, check=True, capture_output=True,
                   timeout=180)
    page.click('[data-testid="nav-runs"]')
    page.click('[data-testid="import-model"]')
    page.set_input_files('[data-testid="import-model-file"]', str(path))
    page.click('[data-testid="import-submit"]')
    view = page.locator('[data-testid="run-view"]')
    expect(view).to_have_attribute("data-status", "imported")
    expect(page.locator('[data-testid="imported-layers"]')).to_have_text("4")  # the nested base, flattened
    logs = page.locator('[data-testid="run-logs"]')
    expect(logs).to_contain_text("1 layer(s) were frozen (trainable=False) in Keras: base_conv")
    page.screenshot(path=str(artifacts / "import-frozen-note.png"))
