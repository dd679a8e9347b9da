"""Optimizers with Keras defaults, decoupled weight decay and Keras's per-weight clipnorm."""

from __future__ import annotations

import pytest
import torch

from netcanvas.training.optimizers import DEFAULT_LR, Stepper, make_optimizer
from netcanvas.training.settings import OptimizerSettings


def params(*values):
    return [torch.nn.Parameter(torch.tensor(v)) for v in values]


@pytest.mark.parametrize("kind", sorted(DEFAULT_LR))
def test_keras_defaults(kind):
    opt = make_optimizer(params([1.0]), OptimizerSettings(type=kind))
    group = opt.param_groups[0]
    assert group["lr"] == DEFAULT_LR[kind]
    if "eps" in group:
        assert group["eps"] == 1e-7
    assert opt.step is not None


def test_adadelta_follows_the_keras_2_mnist_example():
    group = make_optimizer(params([1.0]), OptimizerSettings(type="adadelta")).param_groups[0]
    assert (group["lr"], group["rho"]) == (1.0, 0.95)


def test_adamw_uses_keras_default_decay():
    assert make_optimizer(params([1.0]), OptimizerSettings(type="adamw")).param_groups[0]["weight_decay"] == 0.004


def test_sgd_momentum_nesterov():
    group = make_optimizer(params([1.0]), OptimizerSettings(type="sgd", momentum=0.9, nesterov=True)).param_groups[0]
    assert group["momentum"] == 0.9 and group["nesterov"] is True


def step_once(settings, grads, values):
    ps = params(*values)
    stepper = Stepper(make_optimizer(ps, settings), settings)
    for p, g in zip(ps, grads, strict=True):
        p.grad = torch.tensor(g)
    stepper.step()
    return [p.detach() for p in ps]


def test_clipnorm_clips_each_weight_by_its_own_norm():
    s = OptimizerSettings(type="sgd", learning_rate=1.0, clipnorm=1.0)
    a, b = step_once(s, [[3.0, 4.0], [0.3, 0.4]], [[0.0, 0.0], [0.0, 0.0]])
    torch.testing.assert_close(a, torch.tensor([-0.6, -0.8]))  # norm 5 → 1
    torch.testing.assert_close(b, torch.tensor([-0.3, -0.4]))  # norm 0.5 stays


def test_clipvalue_clamps_elements():
    s = OptimizerSettings(type="sgd", learning_rate=1.0, clipvalue=0.5)
    (a,) = step_once(s, [[3.0, -0.2]], [[0.0, 0.0]])
    torch.testing.assert_close(a, torch.tensor([-0.5, 0.2]))


def test_weight_decay_is_decoupled_like_keras():
    # Keras 3: w ← w − lr·wd·w, then the optimizer's own update (SGD: w − lr·g)
    s = OptimizerSettings(type="sgd", learning_rate=0.1, weight_decay=0.5)
    (a,) = step_once(s, [[1.0]], [[2.0]])
    torch.testing.assert_close(a, torch.tensor([2.0 * (1 - 0.05) - 0.1]))
