"""The seeds' two-phase fine-tune, end to end in the UI (issue 9; docs/transfer.md is this test in
prose): upload a tiny image set → open the VGG16 template (no top, 32×32) → load a VGG16 "notop"
weights file that Keras wrote → replace the head → freeze the base → train (phase 1) → unfreeze
block5 → train further at a lower learning rate (phase 2) → compare the two runs → download .h5.

Each step checks a real outcome against Keras: the counts are model.summary()'s, the frozen weights
are bit-identical to the file's after training, block5 moves in phase 2 only, and the downloaded
.h5 loads in Keras and predicts what /predict answers. The screenshots it takes are the docs'.
"""

from __future__ import annotations

import io
import os
import re
import sys
from pathlib import Path

import httpx
import numpy as np
import pytest
from canvas_helpers import select_node, settle
from playwright.sync_api import Locator, Page, expect
from test_architecture_templates import keras_count_lines, open_architecture

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from data_factories import make_image_zip  # tests/data is on the path only when its tests run too

pytestmark = [pytest.mark.browser,
              pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")]

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
# The docs' pictures are rewritten only when asked (`NETCANVAS_DOC_SHOTS=1`): each run shows new run
# ids, and a test run must not leave the checkout changed.
WRITE_DOCS = os.environ.get("NETCANVAS_DOC_SHOTS") == "1"
SIZE = 32  # VGG16's smallest input: five poolings leave 1×1
BASE = [f"block{b}_conv{c}" for b, n in ((1, 2), (2, 2), (3, 3), (4, 3), (5, 3)) for c in range(1, n + 1)]
BLOCK5 = [n for n in BASE if n.startswith("block5")]
BLOCKS = [f"block{b}" for b in range(1, 6)]  # the template comes grouped as Keras names its layers


def doc_shot(target: Page | Locator, name: str, artifacts: Path, down_to: Locator | None = None) -> None:
    """The screenshot in test-artifacts/, and a small copy for docs/img (or test-artifacts/docs-img
    unless WRITE_DOCS) (a 128-colour palette PNG:
    octree keeps the few accent colours of the dark UI, and the docs stay a few hundred KB in all).
    A page shot waits for the toasts to go; `down_to` crops it below that element."""
    from PIL import Image

    if isinstance(target, Page):
        expect(target.locator(".toast")).to_have_count(0, timeout=10_000)
    png = target.screenshot()
    (artifacts / f"transfer-{name}.png").write_bytes(png)
    img = Image.open(io.BytesIO(png)).convert("RGB")
    if down_to is not None:
        box = down_to.bounding_box()
        assert box is not None
        img = img.crop((0, 0, img.width, min(img.height, round(box["y"] + box["height"] + 16))))
    if img.width > 1200:
        img = img.resize((1200, round(img.height * 1200 / img.width)), Image.Resampling.LANCZOS)
    out = DOCS_IMG if WRITE_DOCS else artifacts / "docs-img"
    out.mkdir(parents=True, exist_ok=True)
    img.quantize(colors=128, method=Image.Quantize.FASTOCTREE).save(out / f"transfer-{name}.png", optimize=True)


def notop_weights_file(keras, path: Path) -> dict[str, list[np.ndarray]]:
    """A VGG16 "notop" file as keras.applications publishes it (weights only, Keras 2's HDF5
    layout: no model config), of a randomly initialised base; returns its weights by layer name."""
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    keras.utils.set_random_seed(7)
    base = keras.applications.VGG16(weights=None, include_top=False, input_shape=(SIZE, SIZE, 3))
    for layer in base.layers:  # Keras starts biases at zero: give them values a copy must keep
        if layer.name in BASE:
            layer.bias.assign(np.linspace(-0.05, 0.05, layer.bias.shape[0], dtype="float32"))
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, base)
    return {n: [np.asarray(w) for w in base.get_layer(n).get_weights()] for n in BASE}


def keras_lines(keras, units: int, activation: str, trainable: set[str]) -> list[str]:
    """model.summary()'s count lines for VGG16 (no top, ending at block5_pool) →
    GlobalAveragePooling2D → Dense, with only the layers in `trainable` trainable."""
    base = keras.applications.VGG16(weights=None, include_top=False, input_shape=(SIZE, SIZE, 3))
    x = keras.layers.GlobalAveragePooling2D(name="head_pool")(base.output)
    model = keras.Model(base.input, keras.layers.Dense(units, activation=activation, name="head")(x))
    for layer in model.layers:
        layer.trainable = layer.name in trainable
    return keras_count_lines(model)


def leaf_layers(model) -> dict:
    """A Keras model's layers by name, those of nested models (the blocks) included."""
    found = {}
    for layer in model.layers:
        found[layer.name] = layer
        if hasattr(layer, "layers"):
            found.update(leaf_layers(layer))
    return found


def h5_layers(keras, server: str, run_id: str, path: Path) -> dict:
    """The layers of the run's model.h5 as Keras loads it, by name."""
    with httpx.stream("GET", f"{server}/api/runs/{run_id}/artifacts/model.h5", timeout=300) as r:
        assert r.status_code == 200, r.read()[:300]
        with path.open("wb") as f:
            for chunk in r.iter_bytes():
                f.write(chunk)
    return leaf_layers(keras.models.load_model(path, compile=False))


def weights(layers: dict, name: str) -> list[np.ndarray]:
    return [np.asarray(w) for w in layers[name].get_weights()]


def same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def will_train(page: Page, lines: list[str]) -> None:
    """The status bar says roughly how many parameters will train ("1,026 of 14.7 M"), and its
    tooltip is Keras's three lines, exactly."""
    badge = page.locator('[data-testid="params-will-train"]')
    expect(badge).to_have_attribute("title", "\n".join(lines))
    expect(badge).to_have_text(re.compile(r"^[\d.,]+( [kM])? of 14\.7 M params will train\s*$"))


def rename(page: Page, name: str) -> None:
    page.fill('[data-testid="graph-name"]', name)
    expect(page.locator('[data-testid="graph-name"]')).to_have_value(name)


def launch_and_wait(page: Page, artifacts: Path, shot: str) -> str:
    page.click('[data-testid="launch"]')
    page.wait_for_url(re.compile(r"#/runs/"))
    view = page.locator('[data-testid="run-view"]')
    expect(view).to_have_attribute("data-status", "succeeded", timeout=600_000)
    doc_shot(page, shot, artifacts)
    return page.url.rsplit("/", 1)[-1]


def test_two_phase_fine_tune_of_vgg16_end_to_end(page: Page, server: str, keras, artifacts: Path, tmp_path: Path):
    # --- a tiny "cats vs dogs": 20 RGB images a class, 32×32, uploaded on the Data page -------------
    make_image_zip(tmp_path / "cats_vs_dogs.zip", per_class=20, size=SIZE)
    page.click('[data-testid="nav-data"]')
    page.set_input_files('[data-testid="dataset-file"]', str(tmp_path / "cats_vs_dogs.zip"))
    expect(page.locator('[data-testid="opt-image_size"]')).to_have_value("32, 32")
    page.fill('[data-testid="opt-name"]', "cats vs dogs (tiny)")
    page.click('[data-testid="upload-submit"]')
    expect(page.locator('[data-testid="dataset-title"]')).to_have_text("cats vs dogs (tiny)", timeout=60_000)
    dataset = page.locator('[data-testid="dataset-detail"]').get_attribute("data-id")
    assert dataset and dataset.startswith("up-"), dataset
    expect(page.locator('[data-testid="dataset-input-shape"]')).to_have_text("(3, 32, 32)")
    doc_shot(page, "0-data", artifacts)

    # --- 1. the VGG16 template without its top, at 32×32: Keras's counts ---------------------------
    page.click('[data-testid="nav-canvas"]')
    open_architecture(page, "vgg16", SIZE)
    base_lines = keras_count_lines(keras.applications.VGG16(weights=None, include_top=False,
                                                            input_shape=(SIZE, SIZE, 3)))
    expect(page.locator('[data-testid="total-params"]')).to_have_text(
        base_lines[0].split(":")[1].split("(")[0].strip() + " params")
    page.click('[data-testid="show-summary"]')
    for key, line in zip(("total", "trainable", "non-trainable"), base_lines, strict=True):
        expect(page.locator(f'[data-testid="summary-line-{key}"]')).to_have_text(line)
    page.keyboard.press("Escape")
    doc_shot(page, "1-template", artifacts)

    # --- 2. load the "notop" weights file by layer name: an imported run ----------------------------
    weights_path = tmp_path / "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"
    original = notop_weights_file(keras, weights_path)
    page.click('[data-testid="load-weights"]')
    page.set_input_files('[data-testid="weights-file"]', str(weights_path))
    page.select_option('[data-testid="weights-dataset"]', dataset)
    page.click('[data-testid="weights-submit"]')
    loaded = page.locator('[data-testid="weights-loaded"]')
    expect(loaded).to_contain_text(f"Loaded {len(BASE)}", timeout=120_000)
    for name in ("block1_conv1", "block5_conv3"):
        expect(loaded).to_contain_text(name)
    expect(page.locator('[data-testid="weights-initialised"]')).to_have_count(0)  # every layer had weights
    doc_shot(page.locator('[data-testid="weights-dialog"]'), "2-weights", artifacts)
    page.click('[data-testid="weights-open-run"]')
    page.wait_for_url(re.compile(r"#/runs/"))
    view = page.locator('[data-testid="run-view"]')
    expect(view).to_have_attribute("data-status", "imported")
    expect(page.locator('[data-testid="imported-dataset"]')).to_contain_text("cats vs dogs (tiny)")
    expect(page.locator('[data-testid="run-logs"]')).to_contain_text(f"Loaded by name from {weights_path.name}")

    # --- 3. replace the head: GlobalAveragePooling2D + Dense for the data set's two classes --------
    imported_id = page.url.rsplit("/", 1)[-1]
    page.click('[data-testid="replace-head"]')
    dialog = page.locator('[data-testid="transfer-dialog"]')
    # a base without a classifier: the head goes after its last layer, which stays
    expect(dialog.locator('[data-testid="transfer-node"]')).to_have_value("block5")
    expect(dialog.locator('[data-testid="transfer-keep"]')).to_be_checked()
    expect(dialog.locator('[data-testid="transfer-dataset"]')).to_have_value(dataset)
    expect(dialog.locator('[data-testid="transfer-pool"]')).to_be_checked()
    doc_shot(dialog, "3-replace-head", artifacts)
    dialog.locator('[data-testid="transfer-go"]').click()
    page.wait_for_url(re.compile(r"#/runs/(?!" + imported_id + ")"))
    expect(view).to_have_attribute("data-status", "imported")
    expect(page.locator('[data-testid="run-logs"]')).to_contain_text("New head 'head'")
    head_id = page.url.rsplit("/", 1)[-1]
    graph = httpx.get(f"{server}/api/runs/{head_id}", timeout=30).json()["graph"]
    nodes = {n["id"]: n for n in graph["nodes"]}
    assert [n["id"] for n in graph["nodes"]][-3:] == ["block5", "head_pool", "head"]
    assert nodes["head_pool"]["type"] == "GlobalAveragePooling2D"
    units, activation = nodes["head"]["params"]["units"], nodes["head"]["params"].get("activation", "linear")
    assert (units, activation) in ((2, "softmax"), (1, "sigmoid")), nodes["head"]

    # --- 4. freeze the base on the canvas: only the head will train --------------------------------
    page.click('[data-testid="train-further"]')
    page.wait_for_url(re.compile(r"#/$"))
    expect(page.locator(".react-flow__node")).to_have_count(len(graph["nodes"]))
    settle(page)
    select_node(page, "block5")  # the top of the base
    page.click('[data-testid="freeze-upstream"]')
    for block in BLOCKS:
        expect(page.locator(f'[data-testid="lock-{block}"]')).to_be_visible()
    expect(page.locator('[data-testid="lock-head"]')).to_have_count(0)
    settle(page)
    will_train(page, keras_lines(keras, units, activation, {"head"}))
    rename(page, "vgg16 phase 1: head")
    page.click('[data-testid="tab-train"]')
    expect(page.locator('[data-testid="init-from"]')).to_be_visible()
    expect(page.locator('[data-testid="train-dataset"]')).to_have_value(dataset)
    page.fill('[data-testid="train-epochs"]', "3")
    page.fill('[data-testid="train-batchSize"]', "8")
    expect(page.locator('[data-testid="train-learningRate"]')).to_have_value("0.001")
    doc_shot(page, "4-freeze-base", artifacts)

    # --- phase 1: train the head -------------------------------------------------------------------
    phase1 = launch_and_wait(page, artifacts, "5-phase1")
    expect(page.locator('[data-testid="run-logs"]')).to_contain_text("1,026 of 14,715,714 parameters train")
    before = h5_layers(keras, server, head_id, tmp_path / "head.h5")
    p1 = h5_layers(keras, server, phase1, tmp_path / "phase1.h5")
    for name in BASE:  # the frozen base is the file's, bit for bit, after training
        assert same(weights(p1, name), original[name]), f"{name} changed in phase 1 although frozen"
        assert p1[name].trainable is False  # and the .h5 says it was frozen
    assert not same(weights(p1, "head"), weights(before, "head")), "the head did not train in phase 1"
    assert p1["head"].trainable is True

    # --- 5. unfreeze block5, train further at a lower learning rate (phase 2) ----------------------
    page.click('[data-testid="train-further"]')
    page.wait_for_url(re.compile(r"#/$"))
    expect(page.locator(".react-flow__node")).to_have_count(len(graph["nodes"]))
    settle(page)
    expect(page.locator('[data-testid="lock-block5"]')).to_be_visible()  # phase 1's freezing came along
    select_node(page, "block5")
    page.click('[data-testid="unfreeze-downstream"]')
    expect(page.locator('[data-testid="lock-block5"]')).to_have_count(0)
    for block in BLOCKS[:-1]:
        expect(page.locator(f'[data-testid="lock-{block}"]')).to_be_visible()
    settle(page)
    will_train(page, keras_lines(keras, units, activation, {"head", *BLOCK5}))
    rename(page, "vgg16 phase 2: block5")
    page.click('[data-testid="tab-train"]')
    expect(page.locator('[data-testid="init-from"]')).to_contain_text("vgg16 phase 1: head")
    page.fill('[data-testid="train-learningRate"]', "0.00001")
    expect(page.locator('[data-testid="train-epochs"]')).to_have_value("3")  # phase 1's settings came along
    page.fill('[data-testid="train-epochs"]', "2")
    doc_shot(page, "6-unfreeze-block5", artifacts)
    phase2 = launch_and_wait(page, artifacts, "7-phase2")
    expect(page.locator('[data-testid="run-logs"]')).to_contain_text("7,080,450 of 14,715,714 parameters train")
    record = httpx.get(f"{server}/api/runs/{phase2}", timeout=30).json()
    assert record["request"]["optimizer"]["learning_rate"] == pytest.approx(1e-5)
    assert record["request"]["init_from_run"] == phase1
    p2 = h5_layers(keras, server, phase2, tmp_path / "phase2.h5")
    for name in BASE:
        if name in BLOCK5:
            assert not same(weights(p2, name), weights(p1, name)), f"{name} did not train in phase 2"
            assert p2[name].trainable is True
        else:
            assert same(weights(p2, name), original[name]), f"{name} changed in phase 2 although still frozen"
            assert p2[name].trainable is False
    assert not same(weights(p2, "head"), weights(p1, "head"))

    # --- 6. compare the two runs ---------------------------------------------------------------------
    page.click('[data-testid="nav-runs"]')
    for run_id in (phase1, phase2):
        row = page.locator(f'[data-testid="run-row-{run_id}"]')
        expect(row).to_contain_text("succeeded")
        row.locator('input[type="checkbox"]').check()
    page.click('[data-testid="compare-runs"]')
    legend = page.locator(".compare-legend")
    expect(legend).to_contain_text("vgg16 phase 1: head")
    expect(legend).to_contain_text("vgg16 phase 2: block5")
    # two runs × (validation, training): three epochs, then two
    expect(page.locator('[data-testid="compare-loss"]')).to_have_attribute("data-points-by-series", "3,3,2,2")
    doc_shot(page, "8-compare", artifacts, down_to=page.locator(".charts"))

    # --- 7. download the fine-tuned model as .h5: Keras loads it and predicts what /predict does ----
    page.goto(f"/#/runs/{phase2}")
    expect(view).to_have_attribute("data-status", "succeeded")
    with page.expect_download(timeout=300_000) as dl:
        page.click('[data-testid="artifact-model.h5"]')
    assert dl.value.suggested_filename == "model.h5"
    target = tmp_path / "downloaded.h5"
    dl.value.save_as(target)
    model = keras.models.load_model(target, compile=False)
    samples = httpx.get(f"{server}/api/datasets/{dataset}/samples?split=test&offset=0&count=8", timeout=30).json()
    x = np.asarray(samples["inputs"], dtype="float32")
    assert x.shape[1:] == (3, SIZE, SIZE)
    ours = httpx.post(f"{server}/api/runs/{phase2}/predict", json={"inputs": x.tolist()}, timeout=60).json()["outputs"]
    theirs = np.asarray(model.predict(x.transpose(0, 2, 3, 1), verbose=0))  # Keras is channels-last
    np.testing.assert_allclose(theirs, np.asarray(ours), atol=1e-4)
