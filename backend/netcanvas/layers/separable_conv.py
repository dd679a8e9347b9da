"""Depthwise separable convolutions: SeparableConv1D (on (time, features) sequences), SeparableConv2D
(images, Xception's blocks).

A depthwise convolution (each input channel with its own `depth_multiplier` kernels, carrying
the strides, dilation and padding) then a pointwise 1×1 convolution to `filters` channels; the
bias is the pointwise one. Module (SeparableConvModule): `.pad`, `.depthwise` (torch conv, groups
= in channels, weight (in·dm, 1, *kernel), no bias), `.pointwise` (weight (filters, in·dm, 1…)),
`.activation`. Keras: depthwise_kernel (*kernel, in, dm), pointwise_kernel (1…, in·dm, filters).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import torch
from pydantic import PositiveInt
from torch import nn

from .activations import ActivationName, activation_module
from .base import ParamCount, Shape, known, register, required
from .conv import Windowed, kernel_to_keras, kernel_to_torch
from .depthwise_conv import depthwise_conv, depthwise_to_keras, depthwise_to_torch
from .initializers import glorot_
from .spatial import Padding, Size1, Size2

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor


class SeparableConvModule(nn.Module):
    """pad → depthwise → pointwise → activation. `sequence`: inputs are (N, T, F), transposed for torch."""

    def __init__(self, depthwise: nn.Module, pointwise: nn.Module, activation: str, pad: nn.Module | None = None,
                 sequence: bool = False):
        super().__init__()
        self.pad = pad
        self.depthwise = depthwise
        self.pointwise = pointwise
        self.activation = activation_module(activation)
        self.sequence = sequence

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.sequence:
            x = x.transpose(1, 2)
        if self.pad is not None:
            x = self.pad(x)
        x = self.pointwise(self.depthwise(x))
        if self.sequence:
            x = x.transpose(1, 2)
        return self.activation(x)


class SeparableConv(Windowed):
    """What SeparableConv1D and SeparableConv2D share; subclasses declare the Keras fields."""

    if TYPE_CHECKING:
        filters: int
        depth_multiplier: int

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        _, spatial = self.split(inputs[0])
        return [self.join(self.filters, self.spatial_out(spatial))]

    def build(self, inputs: list[Shape]) -> nn.Module:
        channels, _ = self.split(inputs[0])
        depthwise = depthwise_conv(self, channels, self.depth_multiplier, bias=False)
        pointwise = self.conv_cls()(channels * self.depth_multiplier, self.filters, 1, bias=self.use_bias)
        return SeparableConvModule(depthwise, glorot_(pointwise), self.activation, self.torch_padding()[1],
                                   sequence=self.rank == 1)

    def param_count(self, inputs: list[Shape]) -> ParamCount:
        mid = self.split(inputs[0])[0] * self.depth_multiplier
        return ParamCount(math.prod(self.sizes()[0]) * mid + mid * self.filters
                          + (self.filters if self.use_bias else 0))

    def macs(self, inputs: list[Shape], outputs: list[Shape]) -> int:
        # depthwise k-window into mid channels, then a 1×1 convolution mid → filters, per position
        mid = self.split(inputs[0])[0] * self.depth_multiplier
        positions = known(outputs[0]) // self.filters
        return positions * mid * (math.prod(self.sizes()[0]) + self.filters)

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        n.plain_inputs()
        m: Any = n.module
        weights = [("depthwise_kernel", depthwise_to_keras(n.array(m.depthwise.weight), self.depth_multiplier)),
                   ("pointwise_kernel", kernel_to_keras(n.array(m.pointwise.weight)))]
        if self.use_bias:
            weights.append(("bias", m.pointwise.bias))
        cfg = {"filters": self.filters, **self.keras_window(), "depth_multiplier": self.depth_multiplier}
        return n.add(self.kind(), cfg, weights=weights)

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        params = {"filters": n.cfg["filters"], **cls.window_params(n),
                  "depth_multiplier": int(n.cfg.get("depth_multiplier", 1))}

        def load(m: Any) -> None:
            n.set(m.depthwise.weight, depthwise_to_torch(n.weight(0)), "depthwise_kernel")
            n.set(m.pointwise.weight, kernel_to_torch(n.weight(1)), "pointwise_kernel")
            if params["use_bias"]:
                n.set(m.pointwise.bias, n.weight(2), "bias")

        return n.node(cls.kind(), params, load)


NOTES = ("A depthwise convolution (depth_multiplier kernels per input {what}, with the strides, dilation "
         "and padding) then a 1×1 convolution to `filters`; the bias is the 1×1 one, as in Keras. As Keras "
         "3 does, strides > 1 may go with dilation_rate > 1 (TensorFlow's own kernels refuse that). Import "
         "refuses data_format channels_first and non-null regularizers or constraints by name.")


@register
class SeparableConv1D(SeparableConv):
    """Depthwise separable 1D convolution on (time, features) sequences; `filters` output features."""

    rank = 1
    keras_classes = ("SeparableConv1D",)
    examples = (
        ({"filters": 3, "kernel_size": 3}, [(7, 2)]),
        ({"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same", "depth_multiplier": 2,
          "activation": "relu"}, [(9, 3)]),
        ({"filters": 2, "kernel_size": 2, "dilation_rate": 3, "padding": "same", "use_bias": False}, [(None, 2)]),
        ({"filters": 3, "kernel_size": 3, "strides": 3, "dilation_rate": 2}, [(11, 2)]),
    )
    notes = NOTES.format(what="feature")

    filters: PositiveInt = required(32)
    kernel_size: Size1 = required(3)
    strides: Size1 = 1
    padding: Padding = "valid"
    dilation_rate: Size1 = 1
    depth_multiplier: PositiveInt = 1
    activation: ActivationName = "linear"
    use_bias: bool = True


@register
class SeparableConv2D(SeparableConv):
    """Depthwise separable 2D convolution on images; `filters` output channels (Xception's blocks)."""

    rank = 2
    keras_classes = ("SeparableConv2D",)
    examples = (
        ({"filters": 3, "kernel_size": 3}, [(2, 6, 5)]),
        ({"filters": 4, "kernel_size": 3, "padding": "same", "use_bias": False}, [(3, 5, 5)]),
        ({"filters": 2, "kernel_size": [3, 2], "strides": 2, "padding": "same", "depth_multiplier": 2,
          "activation": "relu"}, [(3, 7, 6)]),
        ({"filters": 3, "kernel_size": 3, "dilation_rate": 2, "depth_multiplier": 3}, [(2, 7, 7)]),
    )
    notes = NOTES.format(what="channel")

    filters: PositiveInt = required(32)
    kernel_size: Size2 = required(3)
    strides: Size2 = 1
    padding: Padding = "valid"
    dilation_rate: Size2 = 1
    depth_multiplier: PositiveInt = 1
    activation: ActivationName = "linear"
    use_bias: bool = True
