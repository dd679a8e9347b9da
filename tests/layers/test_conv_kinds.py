"""Convolution kinds beyond the generic contract: Keras's channel order of depthwise outputs, Keras's
initial weights, output lengths against Keras's own rule, and the convolution layers of
keras.applications (MobileNetV2, Xception) importing with their weights and outputs."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from netcanvas.export.keras_import import import_model
from netcanvas.graph.compile import compile_graph
from netcanvas.kerasio.errors import ImportFailed
from netcanvas.layers import REGISTRY

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")


def build(kind: str, shape: tuple, **params):
    return REGISTRY[kind].model_validate(params).build([shape])


def test_depthwise_output_channel_c_times_dm_plus_m_is_channel_cs_kernel_m():
    torch.manual_seed(0)
    m = build("DepthwiseConv2D", (3, 5, 5), kernel_size=2, depth_multiplier=2).eval()
    x = torch.randn(1, 3, 5, 5)
    with torch.no_grad():
        y = m(x)
        for c in range(3):
            for k in range(2):
                o = c * 2 + k
                want = F.conv2d(x[:, c:c + 1], m.conv.weight[o:o + 1]) + m.conv.bias[o]
                torch.testing.assert_close(y[:, o:o + 1], want)


@pytest.mark.parametrize(("kind", "params", "shape", "fans"), [
    ("DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 2}, (16, 8, 8), {"conv": (9 * 16, 9 * 2)}),
    ("DepthwiseConv1D", {"kernel_size": 5}, (None, 12), {"conv": (5 * 12, 5)}),
    ("SeparableConv2D", {"filters": 24, "kernel_size": 3}, (8, 8, 8),
     {"depthwise": (9 * 8, 9), "pointwise": (8, 24)}),
    ("Conv2D", {"filters": 8, "kernel_size": 3, "groups": 4}, (16, 8, 8), {"conv": (9 * 4, 9 * 8)}),
    ("Conv1DTranspose", {"filters": 6, "kernel_size": 4}, (None, 10), {"conv": (4 * 6, 4 * 10)}),
])
def test_initial_kernels_are_keras_glorot_uniform_with_zero_bias(kind, params, shape, fans):
    """Keras's fans from its kernel shape (…, in, out): in·k and out·k (depthwise: in·k and dm·k)."""
    torch.manual_seed(0)
    m = build(kind, shape, **params)
    for attr, (fan_in, fan_out) in fans.items():
        conv = getattr(m, attr)
        bound = math.sqrt(6 / (fan_in + fan_out))
        assert 0.9 * bound < conv.weight.abs().max() <= bound, attr
        assert conv.bias is None or not conv.bias.any()


@pytest.mark.parametrize("n", range(1, 7))
@pytest.mark.parametrize(("k", "s", "padding", "op"), [
    (3, 2, "same", None), (2, 2, "same", None), (4, 3, "same", 1), (3, 2, "same", 0), (3, 3, "valid", None),
    (1, 3, "valid", None), (4, 2, "valid", 1), (5, 1, "same", None),
])
def test_transposed_lengths_follow_keras(keras, n, k, s, padding, op):
    from keras.src.backend.common.backend_utils import compute_conv_transpose_output_shape

    params = {"filters": 2, "kernel_size": k, "strides": s, "padding": padding, "output_padding": op}
    want = compute_conv_transpose_output_shape((1, n, 3), (k,), 2, s, padding, op)[1]
    layer = REGISTRY["Conv1DTranspose"].model_validate(params)
    if want < 1:
        with pytest.raises(ValueError, match="empty output"):
            layer.output_shapes([(n, 3)])
        return
    assert layer.output_shapes([(n, 3)]) == [(want, 2)]
    assert tuple(layer.build([(n, 3)])(torch.randn(2, n, 3)).shape) == (2, want, 2)


def _keras_file(keras, layer, shape, tmp_path, seed=0):
    inp = keras.Input(shape)
    model = keras.Model(inp, layer(inp))
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0, 0.3, w.shape).astype("float32") for w in model.get_weights()])
    model.save(tmp_path / "m.keras")
    return model, (tmp_path / "m.keras").read_bytes()


def _compare(keras_model, data, shape):
    imp = import_model("m.keras", data)
    net = compile_graph(imp.graph)
    net.load_state_dict(imp.state_dict, strict=True)
    x = np.random.default_rng(1).normal(size=(2, *shape)).astype("float32")
    want = np.asarray(keras_model(x, training=False).detach().cpu())
    nc_x = torch.from_numpy(np.moveaxis(x, -1, 1).copy() if len(shape) == 3 else x)
    with torch.no_grad():
        got = net.eval()(nc_x).numpy()
    if len(shape) == 3:
        got = np.moveaxis(got, 1, -1)
    assert got.shape == want.shape
    assert float(np.abs(got - want).max()) <= 1e-4


def test_keras_applications_convolutions_import(keras, tmp_path):
    """Each distinct convolution config of MobileNetV2 and Xception, as Keras writes it (initializers
    included), imports with its weights and predicts as Keras does."""
    apps = [keras.applications.MobileNetV2(weights=None, input_shape=(96, 96, 3)),
            keras.applications.Xception(weights=None, input_shape=(71, 71, 3))]
    seen: dict[str, tuple] = {}
    for model in apps:
        for lay in model.layers:
            name = type(lay).__name__
            if name not in ("Conv2D", "DepthwiseConv2D", "SeparableConv2D"):
                continue
            cfg = {k: v for k, v in lay.get_config().items() if k != "name"}
            channels = lay.input.shape[-1]
            # the same options on few channels: small and quick, the same code paths
            small = {**cfg, **({"filters": min(cfg["filters"], 6)} if "filters" in cfg else {})}
            key = json.dumps({**small, "in": min(channels, 4)}, sort_keys=True, default=str)
            seen.setdefault(key, (name, small, min(channels, 4)))
    assert {v[0] for v in seen.values()} == {"Conv2D", "DepthwiseConv2D", "SeparableConv2D"}
    for i, (name, cfg, channels) in enumerate(seen.values()):
        layer = getattr(keras.layers, name).from_config(cfg)
        shape = (9, 9, channels)
        sub = tmp_path / str(i)
        sub.mkdir()
        model, data = _keras_file(keras, layer, shape, sub, seed=i)
        _compare(model, data, shape)


@pytest.mark.parametrize(("cls", "cfg", "why"), [
    ("Conv2D", {"filters": 2, "kernel_size": 3, "data_format": "channels_first"}, "data_format"),
    ("Conv2D", {"filters": 2, "kernel_size": 3, "kernel_regularizer": "l2"}, "kernel_regularizer"),
    ("DepthwiseConv2D", {"kernel_size": 3, "depthwise_constraint": "non_neg"}, "depthwise_constraint"),
    ("SeparableConv2D", {"filters": 2, "kernel_size": 3, "pointwise_regularizer": "l1"}, "pointwise_regularizer"),
])
def test_import_refuses_what_it_cannot_express_by_name(keras, tmp_path, cls, cfg, why):
    shape = (3, 6, 6) if cfg.get("data_format") == "channels_first" else (6, 6, 3)
    _, data = _keras_file(keras, getattr(keras.layers, cls)(**cfg), shape, tmp_path)
    with pytest.raises(ImportFailed, match=why):
        import_model("m.keras", data)


def test_keras_grouped_conv1d_imports(keras, tmp_path):
    layer = keras.layers.Conv1D(6, 3, groups=3, padding="causal", dilation_rate=2, activation="relu")
    model, data = _keras_file(keras, layer, (10, 6), tmp_path)
    _compare(model, data, (10, 6))
