"""Dropout and noise kinds in training mode do what Keras's do (the round trip runs in eval mode,
where they are the identity): which elements are dropped together, how kept values are scaled,
and the noise's statistics, against Keras's own layers where the randomness allows."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from netcanvas.layers import REGISTRY

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")

ALL = [("Dropout", {"rate": 0.4}, (6,)), ("Dropout", {"rate": 0.4, "noise_shape": [None, 1, None]}, (5, 3)),
       ("SpatialDropout1D", {"rate": 0.3}, (5, 3)), ("SpatialDropout2D", {"rate": 0.3}, (3, 4, 4)),
       ("GaussianNoise", {"stddev": 0.5}, (2, 3, 3)), ("GaussianDropout", {"rate": 0.3}, (6,)),
       ("AlphaDropout", {"rate": 0.2}, (4, 3))]


def built(kind: str, params: dict, shape: tuple[int, ...]) -> torch.nn.Module:
    return REGISTRY[kind].model_validate(params).build([shape])


@pytest.mark.parametrize(("kind", "params", "shape"), ALL)
def test_eval_mode_is_the_identity(kind, params, shape):
    m = built(kind, params, shape).eval()
    x = torch.randn(4, *shape)
    assert torch.equal(m(x), x)


@pytest.mark.parametrize(("kind", "params", "shape"), ALL)
def test_training_mode_changes_the_input(kind, params, shape):
    torch.manual_seed(0)
    m = built(kind, params, shape).train()
    x = torch.randn(64, *shape)
    assert not torch.equal(m(x), x)


def dropped_and_scaled(y: torch.Tensor, x: torch.Tensor, rate: float) -> torch.Tensor:
    """Every element is 0 or x / (1 − rate) (Keras's inverted dropout); returns the kept mask."""
    kept = y != 0
    torch.testing.assert_close(y[kept], x[kept] / (1 - rate), rtol=1e-6, atol=1e-6)
    return kept


def test_dropout_drops_a_fraction_rate_and_scales_the_rest():
    torch.manual_seed(0)
    x = torch.rand(2000, 50) + 0.1  # no zeros of its own
    kept = dropped_and_scaled(built("Dropout", {"rate": 0.3}, (50,)).train()(x), x, 0.3)
    assert abs(1 - kept.float().mean().item() - 0.3) < 0.01


def test_dropout_noise_shape_shares_one_draw_along_its_1_axes():
    torch.manual_seed(0)
    x = torch.rand(500, 6, 4) + 0.1
    y = built("Dropout", {"rate": 0.5, "noise_shape": [None, 1, None]}, (6, 4)).train()(x)
    kept = dropped_and_scaled(y, x, 0.5)
    assert (kept == kept[:, :1, :]).all()  # the same features dropped at every time step
    assert abs(kept[:, 0, :].float().mean().item() - 0.5) < 0.05


def test_spatial_dropout_2d_zeroes_whole_channels():
    torch.manual_seed(0)
    x = torch.rand(400, 8, 5, 5) + 0.1
    kept = dropped_and_scaled(built("SpatialDropout2D", {"rate": 0.25}, (8, 5, 5)).train()(x), x, 0.25)
    per_channel = kept.flatten(2)
    assert (per_channel.all(-1) | ~per_channel.any(-1)).all(), "a channel is dropped whole or kept whole"
    assert abs(1 - per_channel[..., 0].float().mean().item() - 0.25) < 0.02


def test_spatial_dropout_1d_zeroes_whole_features_over_time():
    torch.manual_seed(0)
    x = torch.rand(400, 7, 6) + 0.1
    kept = dropped_and_scaled(built("SpatialDropout1D", {"rate": 0.4}, (7, 6)).train()(x), x, 0.4)
    assert (kept == kept[:, :1, :]).all()
    assert abs(1 - kept[:, 0, :].float().mean().item() - 0.4) < 0.03


def test_gaussian_noise_adds_zero_mean_noise_of_stddev():
    torch.manual_seed(0)
    x = torch.randn(1000, 100)
    noise = built("GaussianNoise", {"stddev": 0.3}, (100,)).train()(x) - x
    assert abs(noise.mean().item()) < 0.005 and abs(noise.std().item() - 0.3) < 0.005


def test_gaussian_dropout_multiplies_by_mean_one_noise():
    torch.manual_seed(0)
    x = torch.rand(1000, 100) + 0.5
    factor = built("GaussianDropout", {"rate": 0.2}, (100,)).train()(x) / x
    assert abs(factor.mean().item() - 1) < 0.005
    assert abs(factor.std().item() - math.sqrt(0.2 / 0.8)) < 0.005


def alpha_dropout_constants(rate: float) -> tuple[float, float, float]:
    alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
    a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
    return alpha_p, a, -a * alpha_p * rate


def test_alpha_dropout_sets_dropped_values_to_selus_saturation_and_keeps_mean_and_variance():
    torch.manual_seed(0)
    rate = 0.2
    x = torch.randn(2000, 100)  # SELU's fixed point: mean 0, variance 1
    y = built("AlphaDropout", {"rate": rate}, (100,)).train()(x)
    alpha_p, a, b = alpha_dropout_constants(rate)
    dropped = torch.isclose(y, torch.full_like(y, a * alpha_p + b), atol=1e-6) & ~torch.isclose(
        x, torch.full_like(x, alpha_p), atol=1e-6)
    torch.testing.assert_close(y[~dropped], a * x[~dropped] + b, rtol=1e-5, atol=1e-5)
    assert abs(dropped.float().mean().item() - rate) < 0.01
    assert abs(y.mean().item()) < 0.01 and abs(y.var().item() - 1) < 0.02


def test_alpha_dropout_noise_shape_shares_the_draw():
    torch.manual_seed(0)
    x = torch.randn(300, 5, 4)
    y = built("AlphaDropout", {"rate": 0.5, "noise_shape": [None, 1, None]}, (5, 4)).train()(x)
    alpha_p, a, b = alpha_dropout_constants(0.5)
    dropped = torch.isclose(y, torch.full_like(y, a * alpha_p + b), atol=1e-6)
    assert (dropped == dropped[:, :1, :]).all()


@pytest.mark.parametrize(("kind", "keras_kwargs", "params"), [
    ("GaussianDropout", {"rate": 0.3}, {"rate": 0.3}),
    ("AlphaDropout", {"rate": 0.3}, {"rate": 0.3}),
    ("GaussianNoise", {"stddev": 0.4}, {"stddev": 0.4}),
    ("Dropout", {"rate": 0.3}, {"rate": 0.3}),
])
def test_training_statistics_equal_keras(keras, kind, keras_kwargs, params):
    """Mean and spread of the output in training mode equal Keras's on the same input."""
    torch.manual_seed(0)
    x = np.random.default_rng(0).normal(1.0, 1.0, (2000, 100)).astype("float32")
    theirs = np.asarray(getattr(keras.layers, kind)(**keras_kwargs, seed=1)(x, training=True).detach().cpu())
    mine = built(kind, params, (100,)).train()(torch.from_numpy(x)).numpy()
    for stat in (np.mean, np.std):
        assert abs(stat(mine) - stat(theirs)) < 0.01, (kind, stat.__name__, stat(mine), stat(theirs))
    assert abs(np.mean(mine == 0) - np.mean(theirs == 0)) < 0.005
