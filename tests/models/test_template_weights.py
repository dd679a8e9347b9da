"""A template plus a weights file written by Keras in the keras.applications layout (legacy HDF5,
weights only, as the published "notop" files are) predicts as the Keras model does: every layer
loads by its name, none is left initialised, predictions within 1e-4 (channels-first input)."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
import torch

from netcanvas.export.keras_weights import load_keras_weights
from netcanvas.graph.compile import compile_graph
from netcanvas.templates import generate
from netcanvas.templates.catalogue import ARCHITECTURES
from netcanvas.templates.library import template

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")

CASES = [  # (template, include_top, input size): small sizes; MobileNetV2 at 35 has both paddings
    ("vgg16", False, 32), ("vgg16", True, 32), ("vgg19", False, 32), ("resnet50", False, 32),
    ("inception_v3", False, 75), ("mobilenet_v2", False, 35), ("mobilenet_v2", True, 35), ("xception", False, 71),
]


def save_published_layout(model, path) -> None:
    from keras.src.legacy.saving import legacy_h5_format

    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)


def randomize_statistics(keras, model) -> None:
    """BatchNormalization statistics away from 0 and 1, so that loading them is tested too."""
    rng = np.random.default_rng(0)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.moving_mean.assign(rng.normal(0, 0.2, layer.moving_mean.shape))
            layer.moving_variance.assign(rng.uniform(0.5, 1.5, layer.moving_variance.shape))


@pytest.mark.parametrize(("name", "include_top", "size"), CASES)
def test_template_with_a_keras_weights_file_predicts_like_keras(keras, tmp_path, name, include_top, size):
    classes = 10
    model = generate.keras_model(ARCHITECTURES[name], include_top, size, classes)
    randomize_statistics(keras, model)
    path = tmp_path / f"{name}_weights.h5"
    save_published_layout(model, path)
    x = np.random.default_rng(1).uniform(0, 1, size=(2, size, size, 3)).astype("float32")
    want = np.asarray(model([x], training=False).detach().cpu().numpy())  # its inputs are a list (input_tensor)

    graph = template(name, include_top, size, classes)
    got = load_keras_weights(path.name, path.read_bytes(), graph_json=graph.model_dump(mode="json"))
    assert not got.report.initialised and not got.report.skipped, got.report
    module = compile_graph(got.graph)
    module.load_state_dict(got.state_dict, strict=True)
    with torch.no_grad():
        out = module.eval()(torch.from_numpy(np.moveaxis(x, -1, 1).copy()))
    out = out[0] if isinstance(out, tuple) else out
    if out.ndim == 4:  # a base's feature map: Keras's is channels-last
        out = out.permute(0, 2, 3, 1)
    assert out.shape == want.shape
    assert float(np.abs(out.numpy() - want).max()) <= 1e-4
