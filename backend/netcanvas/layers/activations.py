"""Keras activation names → torch modules, with Keras 3's formulas (keras/src/activations).

Softmax and log_softmax run over netcanvas's feature axis: channels for images (N, C, H, W),
the last axis otherwise — Keras's last axis of the channels-last tensor. Every other name is
element-wise. Keras aliases: `swish` is `silu`, `hard_swish` is `hard_silu`; both names are
kept and each exports as itself (Keras 3 reads both).

Not offered: `glu` (halves the feature axis, so it would change the shape of every layer that
takes an `activation`), `threshold` (needs arguments), `sparsemax` (Keras's backends disagree).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import torch
from torch import nn

ActivationName = Literal[
    "linear", "relu", "relu6", "sigmoid", "tanh", "softmax", "log_softmax", "elu", "selu", "celu", "gelu",
    "leaky_relu", "softplus", "softsign", "silu", "swish", "mish", "hard_sigmoid", "hard_silu", "hard_swish",
    "hard_tanh", "exponential", "log_sigmoid", "squareplus", "sparse_plus", "sparse_sigmoid", "soft_shrink",
    "hard_shrink", "tanh_shrink",
]

# Activations a loss can fuse with (log-softmax / BCE-with-logits) when the layer is an output.
FUSABLE = ("softmax", "sigmoid")


class Softmax(nn.Module):
    """Softmax over the feature axis: channels for images (N, C, H, W), the last axis otherwise."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(x, dim=1 if x.dim() == 4 else -1)


class LogSoftmax(nn.Module):
    """log(softmax) over the feature axis, as Softmax."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.log_softmax(x, dim=1 if x.dim() == 4 else -1)


class Exponential(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.exp(x)


class HardSigmoid(nn.Module):
    # Keras 3: relu6(x + 3) / 6, which is torch's hardsigmoid (Keras 2's was clip(0.2·x + 0.5)).
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.hardsigmoid(x)


class Squareplus(nn.Module):
    # Keras's default b = 4: (x + sqrt(x² + 4)) / 2
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x + torch.sqrt(x ** 2 + 4.0)) / 2


class SparsePlus(nn.Module):
    # 0 for x ≤ -1, (x + 1)² / 4 for -1 < x < 1, x for x ≥ 1
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.where(x <= -1, torch.zeros_like(x), torch.where(x < 1, 0.25 * (x + 1) ** 2, x))


class SparseSigmoid(nn.Module):
    # 0 for x ≤ -1, (x + 1) / 2 between, 1 for x ≥ 1
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.clamp(0.5 * (x + 1), 0.0, 1.0)


def activation_module(name: str) -> nn.Module:
    factories: dict[str, Callable[[], nn.Module]] = {
        "linear": nn.Identity,
        "relu": nn.ReLU,
        "relu6": nn.ReLU6,
        "sigmoid": nn.Sigmoid,
        "tanh": nn.Tanh,
        "softmax": Softmax,
        "log_softmax": LogSoftmax,
        "elu": nn.ELU,
        "selu": nn.SELU,
        "celu": nn.CELU,
        # Keras 3's gelu defaults to the exact (erf) form, as torch's does.
        "gelu": nn.GELU,
        # Keras's leaky_relu function has slope 0.2 (torch's default is 0.01, the LeakyReLU layer's 0.3).
        "leaky_relu": lambda: nn.LeakyReLU(0.2),
        "softplus": nn.Softplus,
        "softsign": nn.Softsign,
        "silu": nn.SiLU,
        "swish": nn.SiLU,
        "mish": nn.Mish,
        "hard_sigmoid": HardSigmoid,
        "hard_silu": nn.Hardswish,
        "hard_swish": nn.Hardswish,
        "hard_tanh": nn.Hardtanh,
        "exponential": Exponential,
        "log_sigmoid": nn.LogSigmoid,
        "squareplus": Squareplus,
        "sparse_plus": SparsePlus,
        "sparse_sigmoid": SparseSigmoid,
        "soft_shrink": lambda: nn.Softshrink(0.5),
        "hard_shrink": lambda: nn.Hardshrink(0.5),
        "tanh_shrink": nn.Tanhshrink,
    }
    return factories[name]()
