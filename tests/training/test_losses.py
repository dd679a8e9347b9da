"""Each loss against Keras's formula written out in numpy, logits and probabilities, and fusion."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from netcanvas.training.losses import EPSILON, fusable, make_loss

rng = np.random.default_rng(0)
LOGITS = rng.normal(0, 2, (6, 4)).astype(np.float32)
LABELS = rng.integers(0, 4, 6)
ONE_HOT = np.eye(4, dtype=np.float32)[LABELS]


def np_softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_sigmoid(z):
    return 1 / (1 + np.exp(-z))


def keras_cce(y, p):
    """Keras categorical_crossentropy(from_logits=False): renormalize, clip, log, sum, mean."""
    p = p / p.sum(-1, keepdims=True)
    p = np.clip(p, EPSILON, 1 - EPSILON)
    return float(np.mean(-(y * np.log(p)).sum(-1)))


def keras_bce(y, p):
    p = np.clip(p, EPSILON, 1 - EPSILON)
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))


def run(name, out, y, logits):
    return float(make_loss(name, logits)(torch.as_tensor(out), torch.as_tensor(y)))


def test_categorical_crossentropy_probabilities_and_logits():
    p = np_softmax(LOGITS)
    ref = keras_cce(ONE_HOT, p)
    assert run("categorical_crossentropy", p, ONE_HOT, logits=False) == pytest.approx(ref, rel=1e-5)
    assert run("categorical_crossentropy", LOGITS, ONE_HOT, logits=True) == pytest.approx(ref, rel=1e-5)


def test_sparse_categorical_crossentropy_matches_categorical():
    p = np_softmax(LOGITS)
    ref = keras_cce(ONE_HOT, p)
    assert run("sparse_categorical_crossentropy", p, LABELS, logits=False) == pytest.approx(ref, rel=1e-5)
    assert run("sparse_categorical_crossentropy", LOGITS, LABELS, logits=True) == pytest.approx(ref, rel=1e-5)


def test_sparse_crossentropy_on_sequences_uses_the_last_axis():
    z = rng.normal(0, 1, (2, 5, 3)).astype(np.float32)  # (N, T, classes)
    y = rng.integers(0, 3, (2, 5))
    ref = keras_cce(np.eye(3)[y], np_softmax(z))
    assert run("sparse_categorical_crossentropy", z, y, logits=True) == pytest.approx(ref, rel=1e-5)
    assert run("sparse_categorical_crossentropy", np_softmax(z), y, logits=False) == pytest.approx(ref, rel=1e-5)


def test_crossentropy_on_images_uses_the_channel_axis():
    z = rng.normal(0, 1, (2, 3, 4, 4)).astype(np.float32)  # (N, C, H, W)
    y = rng.integers(0, 3, (2, 4, 4))
    one_hot = np.moveaxis(np.eye(3)[y], -1, 1)
    ref = keras_cce(np.moveaxis(one_hot, 1, -1), np_softmax(np.moveaxis(z, 1, -1)))
    assert run("sparse_categorical_crossentropy", z, y, logits=True) == pytest.approx(ref, rel=1e-5)
    assert run("categorical_crossentropy", z, one_hot.astype(np.float32), logits=True) == pytest.approx(ref, rel=1e-5)


def test_binary_crossentropy_probabilities_and_logits():
    z = rng.normal(0, 2, (8, 1)).astype(np.float32)
    y = rng.integers(0, 2, (8, 1)).astype(np.float32)
    ref = keras_bce(y, np_sigmoid(z))
    assert run("binary_crossentropy", np_sigmoid(z), y, logits=False) == pytest.approx(ref, rel=1e-5)
    assert run("binary_crossentropy", z, y, logits=True) == pytest.approx(ref, rel=1e-5)


def test_probabilities_are_clipped_like_keras():
    p = np.array([[1.0, 0.0]], dtype=np.float32)  # certain and wrong
    y = np.array([1])
    assert run("sparse_categorical_crossentropy", p, y, logits=False) == pytest.approx(-np.log(EPSILON), rel=1e-4)
    assert run("binary_crossentropy", np.array([[0.0]], np.float32), np.array([[1.0]], np.float32),
               logits=False) == pytest.approx(-np.log(EPSILON), rel=1e-4)


@pytest.mark.parametrize(
    ("name", "ref"),
    [
        ("mean_squared_error", lambda d: np.mean(d**2)),
        ("mean_absolute_error", lambda d: np.mean(np.abs(d))),
        ("huber", lambda d: np.mean(np.where(np.abs(d) <= 1, 0.5 * d**2, np.abs(d) - 0.5))),
    ],
)
def test_regression_losses(name, ref):
    pred = rng.normal(0, 2, (10, 3)).astype(np.float32)
    y = rng.normal(0, 2, (10, 3)).astype(np.float32)
    assert run(name, pred, y, logits=False) == pytest.approx(float(ref(pred - y)), rel=1e-5)


def test_fused_equals_unfused_away_from_the_clip():
    """softmax then clipped log == log-softmax, and the gradients agree too."""
    z1 = torch.tensor(LOGITS, requires_grad=True)
    z2 = torch.tensor(LOGITS, requires_grad=True)
    y = torch.as_tensor(LABELS)
    fused = make_loss("sparse_categorical_crossentropy", True)(z1, y)
    unfused = make_loss("sparse_categorical_crossentropy", False)(torch.softmax(z2, -1), y)
    fused.backward()
    unfused.backward()
    assert fused.item() == pytest.approx(unfused.item(), rel=1e-5)
    torch.testing.assert_close(z1.grad, z2.grad, rtol=1e-4, atol=1e-6)


def test_fused_stays_finite_where_the_unfused_form_saturates():
    z = torch.tensor([[200.0, -200.0]], requires_grad=True)
    y = torch.tensor([1])
    loss = make_loss("sparse_categorical_crossentropy", True)(z, y)
    loss.backward()
    assert loss.item() == pytest.approx(400.0)  # the true loss; clipping would say -log(1e-7) ≈ 16.1
    assert torch.isfinite(z.grad).all() and z.grad.abs().sum() > 0


@pytest.mark.parametrize(
    ("loss", "activation", "from_logits", "expected"),
    [
        ("sparse_categorical_crossentropy", "softmax", False, True),
        ("categorical_crossentropy", "softmax", False, True),
        ("binary_crossentropy", "sigmoid", False, True),
        ("binary_crossentropy", "softmax", False, False),
        ("categorical_crossentropy", "sigmoid", False, False),
        ("sparse_categorical_crossentropy", "softmax", True, False),
        ("mean_squared_error", "softmax", False, False),
        ("sparse_categorical_crossentropy", "linear", False, False),
    ],
)
def test_which_outputs_fuse(loss, activation, from_logits, expected):
    assert fusable(loss, activation, from_logits) is expected
