"""GaussianNoise, GaussianDropout, AlphaDropout: noise added or multiplied while training only
(identity at inference), with Keras 3's formulas (keras/src/layers/regularization).

Keras's `seed` is accepted at import and not kept: netcanvas seeds each run itself.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch
from pydantic import Field, PositiveInt
from torch import nn

from .base import Layer, Shape, register
from .dropout import check_noise_shape, noise_shape_from_keras, noise_shape_to_keras

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor

# SELU's constants, as in Keras's AlphaDropout
ALPHA = 1.6732632423543772848170429916717
SCALE = 1.0507009873554804934193349852946


class _Noise(Layer):
    family = "noise"
    elementwise = True

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        return [inputs[0]]


class GaussianNoiseModule(nn.Module):
    def __init__(self, stddev: float):
        super().__init__()
        self.stddev = stddev

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.stddev == 0.0:
            return x
        return x + torch.randn_like(x) * self.stddev


@register
class GaussianNoise(_Noise):
    """Adds zero-mean Gaussian noise of standard deviation `stddev` while training (data augmentation)."""

    keras_classes = ("GaussianNoise",)
    examples = (({"stddev": 0.1}, [(6,)]), ({"stddev": 0.5}, [(2, 3, 3)]), ({"stddev": 1.0}, [(None, 3)]))
    notes = "Keras 3 accepts stddev from 0 to 1 only; so does netcanvas."

    stddev: float = Field(..., ge=0.0, le=1.0, json_schema_extra={"palette_default": 0.1})

    def build(self, inputs: list[Shape]) -> nn.Module:
        return GaussianNoiseModule(self.stddev)

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        return n.passthrough(n.add("GaussianNoise", {"stddev": self.stddev, "seed": None}))

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        return n.passthrough(n.node("GaussianNoise", {"stddev": float(n.cfg["stddev"])}))


class GaussianDropoutModule(nn.Module):
    def __init__(self, rate: float):
        super().__init__()
        self.rate = rate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.rate == 0.0:
            return x
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return x * (1.0 + torch.randn_like(x) * stddev)


@register
class GaussianDropout(_Noise):
    """Multiplies the inputs by Gaussian noise of mean 1 and variance rate / (1 − rate) while training."""

    keras_classes = ("GaussianDropout",)
    examples = (({"rate": 0.2}, [(6,)]), ({"rate": 0.5}, [(2, 3, 3)]), ({"rate": 0.1}, [(None, 4)]))
    notes = "rate = 1 (allowed by Keras, an infinite variance) is refused."

    rate: float = Field(..., ge=0.0, lt=1.0, json_schema_extra={"palette_default": 0.2})

    def build(self, inputs: list[Shape]) -> nn.Module:
        return GaussianDropoutModule(self.rate)

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        return n.passthrough(n.add("GaussianDropout", {"rate": self.rate, "seed": None}))

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        return n.passthrough(n.node("GaussianDropout", {"rate": float(n.cfg["rate"])}))


class AlphaDropoutModule(nn.Module):
    """Keras's AlphaDropout: dropped values become SELU's negative saturation −alpha·scale, then an
    affine map a·x + b restores the mean and variance. One draw per element of `noise_shape`."""

    def __init__(self, rate: float, noise_shape: tuple[int | None, ...] | None):
        super().__init__()
        self.rate = rate
        self.noise_shape = noise_shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.rate == 0.0:
            return x
        shape = list(x.shape) if self.noise_shape is None else [
            x.shape[i] if d is None else d for i, d in enumerate(self.noise_shape)]
        alpha_p = -ALPHA * SCALE
        kept = (torch.rand(shape, device=x.device) >= self.rate).to(x.dtype)
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        return a * (x * kept + alpha_p * (1 - kept)) + b


@register
class AlphaDropout(_Noise):
    """Dropout that keeps the mean and variance of SELU activations (self-normalizing networks)."""

    keras_classes = ("AlphaDropout",)
    examples = (
        ({"rate": 0.1}, [(6,)]),
        ({"rate": 0.3}, [(2, 3, 3)]),
        ({"rate": 0.2, "noise_shape": [None, 1, None]}, [(None, 4)]),
    )
    notes = ("`noise_shape` counts the batch axis first and is in netcanvas's layout, as Dropout's. "
             "rate = 1 (allowed by Keras, a division by zero) is refused.")

    rate: float = Field(..., ge=0.0, lt=1.0, json_schema_extra={"palette_default": 0.1})
    noise_shape: list[PositiveInt | None] | None = None

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        if self.noise_shape is not None:
            check_noise_shape("AlphaDropout", self.noise_shape, inputs[0])
        return [inputs[0]]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return AlphaDropoutModule(self.rate, None if self.noise_shape is None else tuple(self.noise_shape))

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        cfg = {"rate": self.rate, "noise_shape": noise_shape_to_keras(self.noise_shape), "seed": None}
        return n.passthrough(n.add("AlphaDropout", cfg))

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        params = {"rate": float(n.cfg["rate"]), "noise_shape": noise_shape_from_keras(n.cfg.get("noise_shape"))}
        return n.passthrough(n.node("AlphaDropout", params))
