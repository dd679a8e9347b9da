"""Keras activation names → torch modules. Softmax runs over netcanvas's feature axis."""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

ActivationName = Literal[
    "linear", "relu", "sigmoid", "tanh", "softmax", "elu", "selu", "gelu", "leaky_relu",
    "softplus", "softsign", "swish", "hard_sigmoid", "exponential",
]

# Activations a loss can fuse with (log-softmax / BCE-with-logits) when the layer is an output.
FUSABLE = ("softmax", "sigmoid")


class Softmax(nn.Module):
    """Softmax over the feature axis: channels for images (N, C, H, W), the last axis otherwise."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(x, dim=1 if x.dim() == 4 else -1)


class Exponential(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.exp(x)


class HardSigmoid(nn.Module):
    # Keras 3: relu6(x + 3) / 6, which is torch's hardsigmoid.
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.hardsigmoid(x)


def activation_module(name: str) -> nn.Module:
    factories = {
        "linear": nn.Identity,
        "relu": nn.ReLU,
        "sigmoid": nn.Sigmoid,
        "tanh": nn.Tanh,
        "softmax": Softmax,
        "elu": nn.ELU,
        "selu": nn.SELU,
        # Keras 3's gelu defaults to the exact (erf) form, as torch's does.
        "gelu": nn.GELU,
        # Keras's leaky_relu default slope is 0.2 (torch's is 0.01).
        "leaky_relu": lambda: nn.LeakyReLU(0.2),
        "softplus": nn.Softplus,
        "softsign": nn.Softsign,
        "swish": nn.SiLU,
        "hard_sigmoid": HardSigmoid,
        "exponential": Exponential,
    }
    return factories[name]()
