"""Numbers, not just shapes: netcanvas layers compute what Keras 3 computes.

keras_refs.json holds Keras's own outputs (make_keras_refs.py); the rest checks Keras/TensorFlow
rules directly: "same" padding puts the odd extra pixel at the end, pooling "same" ignores the
padding, output lengths are ceil(n / strides).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from keras_ref_cases import CASES, example_input, set_weights

from netcanvas.layers import REGISTRY

REFS = json.loads((Path(__file__).parent / "keras_refs.json").read_text())


def test_refs_cover_every_case():
    assert [(r["kind"], r["params"], tuple(r["shape"])) for r in REFS["cases"]] == CASES


@pytest.mark.parametrize("ref", REFS["cases"], ids=lambda r: f"{r['kind']}-{r['params']}")
def test_matches_keras(ref):
    layer = REGISTRY[ref["kind"]].model_validate(ref["params"])
    shape = tuple(ref["shape"])
    module = layer.build([shape]).eval()
    set_weights(module)
    with torch.no_grad():
        out = module(example_input(shape))
    outs = out if isinstance(out, tuple) else (out,)
    assert len(outs) == len(ref["outputs"]) == len(layer.output_shapes([shape]))
    for got, want in zip(outs, ref["outputs"]):
        torch.testing.assert_close(got, torch.tensor(want), atol=2e-5, rtol=1e-4)


@pytest.mark.parametrize("n", range(1, 12))
@pytest.mark.parametrize("kind", ["Conv2D", "MaxPooling2D", "AveragePooling2D", "Conv1D", "MaxPooling1D"])
def test_same_with_stride_2_gives_ceil(kind, n):
    window = {"filters": 2, "kernel_size": 3} if kind.startswith("Conv") else {"pool_size": 3}
    layer = REGISTRY[kind].model_validate({**window, "strides": 2, "padding": "same"})
    shape = (n, 3) if kind.endswith("1D") else (1, n, n + 1)
    (out,) = layer.output_shapes([shape])
    if kind.endswith("1D"):
        assert out[0] == math.ceil(n / 2)
    else:
        assert out[1:] == (math.ceil(n / 2), math.ceil((n + 1) / 2))
    assert tuple(layer.build([shape])(torch.randn(2, *shape)).shape[1:]) == out


def test_same_padding_puts_the_extra_pixel_at_the_end():
    # 4×4 input, 3×3 kernel of ones, stride 2: TensorFlow pads 0 rows before and 1 after.
    conv = REGISTRY["Conv2D"].model_validate(
        {"filters": 1, "kernel_size": 3, "strides": 2, "padding": "same", "use_bias": False}).build([(1, 4, 4)])
    with torch.no_grad():
        conv.conv.weight.fill_(1.0)
    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    y = conv(x)[0, 0]
    assert y[0, 0] == x[0, 0, 0:3, 0:3].sum()
    assert y[1, 1] == x[0, 0, 2:4, 2:4].sum()


def tf_average_pool_same(x: torch.Tensor, k: tuple[int, int], s: tuple[int, int]) -> torch.Tensor:
    """TensorFlow's average pooling with "same" padding, written out loop by loop."""
    n, c, h, w = x.shape
    oh, ow = math.ceil(h / s[0]), math.ceil(w / s[1])
    top = max((oh - 1) * s[0] + k[0] - h, 0) // 2
    left = max((ow - 1) * s[1] + k[1] - w, 0) // 2
    out = torch.empty(n, c, oh, ow)
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * s[0] - top, j * s[1] - left
            win = x[:, :, max(r0, 0):r0 + k[0], max(c0, 0):c0 + k[1]]
            out[:, :, i, j] = win.mean(dim=(2, 3))
    return out


@pytest.mark.parametrize(("size", "pool", "strides"), [((4, 4), 3, 2), ((5, 6), 2, 2), ((6, 5), [2, 3], 1),
                                                       ((3, 7), 4, [1, 3])])
def test_average_pooling_same_counts_only_real_values(size, pool, strides):
    layer = REGISTRY["AveragePooling2D"].model_validate({"pool_size": pool, "strides": strides, "padding": "same"})
    x = torch.randn(2, 3, *size)
    k = (pool, pool) if isinstance(pool, int) else tuple(pool)
    s = (strides, strides) if isinstance(strides, int) else tuple(strides)
    torch.testing.assert_close(layer.build([x.shape[1:]])(x), tf_average_pool_same(x, k, s))


def test_max_pooling_same_never_picks_the_padding():
    layer = REGISTRY["MaxPooling2D"].model_validate({"pool_size": 3, "strides": 2, "padding": "same"})
    x = -torch.rand(1, 1, 4, 4) - 1.0  # all negative: a zero border would win
    y = layer.build([(1, 4, 4)])(x)
    assert (y < 0).all()
    assert y[0, 0, 1, 1] == x[0, 0, 2:4, 2:4].max()


def test_conv1d_causal_sees_only_the_past():
    layer = REGISTRY["Conv1D"].model_validate({"filters": 2, "kernel_size": 3, "padding": "causal"})
    module = layer.build([(None, 2)])
    x = torch.randn(1, 6, 2)
    y = module(x)
    x2 = x.clone()
    x2[:, 4:] = 0  # changing the future leaves the past untouched
    torch.testing.assert_close(module(x2)[:, :4], y[:, :4])
    assert layer.output_shapes([(None, 2)]) == [(None, 2)]


def test_batch_norm_momentum_is_keras_convention():
    layer = REGISTRY["BatchNormalization"].model_validate({})
    bn = layer.build([(3, 4, 4)]).bn
    assert bn.momentum == pytest.approx(0.01) and bn.eps == pytest.approx(1e-3)
