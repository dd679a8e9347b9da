"""Depthwise convolutions: DepthwiseConv1D (on (time, features) sequences), DepthwiseConv2D (images).

Each input channel is convolved with its own `depth_multiplier` kernels; output channel
c·depth_multiplier + m is channel c's kernel m, in Keras's order. Module: ConvModule (`.pad`,
`.conv` a torch Conv1d/Conv2d with groups = in channels, weight (in·dm, 1, *kernel), `.activation`).
Keras's depthwise_kernel is (*kernel, in, dm).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from pydantic import PositiveInt
from torch import nn

from .activations import ActivationName
from .base import ParamCount, Shape, known, register, required
from .conv import ConvModule, Windowed, zeros_like_shape
from .initializers import glorot_fans_
from .spatial import Padding, Size1, Size2

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor


def depthwise_to_keras(w: np.ndarray, depth_multiplier: int) -> np.ndarray:
    """torch (in·dm, 1, *kernel) → Keras (*kernel, in, dm)."""
    k = np.moveaxis(w[:, 0], 0, -1)  # (*kernel, in·dm), channel c·dm + m
    return zeros_like_shape(k, (*k.shape[:-1], k.shape[-1] // depth_multiplier, depth_multiplier))


def depthwise_to_torch(k: np.ndarray) -> np.ndarray:
    """Keras (*kernel, in, dm) → torch (in·dm, 1, *kernel)."""
    flat = k.reshape(*k.shape[:-2], k.shape[-2] * k.shape[-1])
    return np.moveaxis(flat, -1, 0)[:, None]


def depthwise_conv(layer: Windowed, channels: int, depth_multiplier: int, bias: bool) -> nn.Module:
    """The depthwise torch conv of a layer (its kernel, strides, dilation, padding), initialised
    with Keras's glorot_uniform fans (see initializers.glorot_fans_), bias 0."""
    kernel, stride, dilation = layer.sizes()
    padding, _ = layer.torch_padding()
    conv: Any = layer.conv_cls()(channels, channels * depth_multiplier, kernel, stride=stride, padding=padding,
                                 dilation=dilation, groups=channels, bias=bias)
    k = math.prod(kernel)
    glorot_fans_(conv.weight, channels * k, depth_multiplier * k)
    if bias and not conv.bias.is_meta:
        with torch.no_grad():
            conv.bias.zero_()
    return conv


class DepthwiseConv(Windowed):
    """What DepthwiseConv1D and DepthwiseConv2D share; subclasses declare the Keras fields."""

    if TYPE_CHECKING:
        depth_multiplier: int

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        channels, spatial = self.split(inputs[0])
        return [self.join(channels * self.depth_multiplier, self.spatial_out(spatial))]

    def build(self, inputs: list[Shape]) -> nn.Module:
        channels, _ = self.split(inputs[0])
        conv = depthwise_conv(self, channels, self.depth_multiplier, self.use_bias)
        return ConvModule(conv, self.activation, self.torch_padding()[1], sequence=self.rank == 1)

    def param_count(self, inputs: list[Shape]) -> ParamCount:
        out = self.split(inputs[0])[0] * self.depth_multiplier
        return ParamCount(math.prod(self.sizes()[0]) * out + (out if self.use_bias else 0))

    def macs(self, inputs: list[Shape], outputs: list[Shape]) -> int:
        # one k-window per output value (each output channel reads one input channel)
        return known(outputs[0]) * math.prod(self.sizes()[0])

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        n.plain_inputs()
        conv: Any = n.module.conv
        weights = [("kernel", depthwise_to_keras(n.array(conv.weight), self.depth_multiplier))]
        if self.use_bias:
            weights.append(("bias", conv.bias))
        cfg = {**self.keras_window(), "depth_multiplier": self.depth_multiplier}
        return n.add(self.kind(), cfg, weights=weights)

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        params = {**cls.window_params(n), "depth_multiplier": int(n.cfg.get("depth_multiplier", 1))}

        def load(m: Any) -> None:
            n.set(m.conv.weight, depthwise_to_torch(n.weight(0)), "depthwise_kernel")
            if params["use_bias"]:
                n.set(m.conv.bias, n.weight(1), "bias")

        return n.node(cls.kind(), params, load)


NOTES = ("Each input {what} gets its own depth_multiplier kernels: {out}, channel c's kernel m "
         "being output c·depth_multiplier + m, as in Keras. As Keras 3 does, strides > 1 may go with "
         "dilation_rate > 1 (TensorFlow's own kernels refuse that). Import refuses data_format "
         "channels_first and non-null regularizers or constraints by name.")


@register
class DepthwiseConv1D(DepthwiseConv):
    """Depthwise 1D convolution on (time, features) sequences: each feature convolved on its own."""

    rank = 1
    keras_classes = ("DepthwiseConv1D",)
    examples = (
        ({"kernel_size": 3}, [(7, 3)]),
        ({"kernel_size": 3, "strides": 2, "padding": "same", "depth_multiplier": 2, "activation": "relu"}, [(8, 2)]),
        ({"kernel_size": 2, "dilation_rate": 2, "padding": "same", "use_bias": False}, [(None, 3)]),
    )
    notes = NOTES.format(what="feature", out="(time, features) → (time', features·depth_multiplier)")

    kernel_size: Size1 = required(3)
    strides: Size1 = 1
    padding: Padding = "valid"
    depth_multiplier: PositiveInt = 1
    dilation_rate: Size1 = 1
    activation: ActivationName = "linear"
    use_bias: bool = True


@register
class DepthwiseConv2D(DepthwiseConv):
    """Depthwise 2D convolution on images: each channel convolved on its own (MobileNet's blocks)."""

    rank = 2
    keras_classes = ("DepthwiseConv2D",)
    examples = (
        ({"kernel_size": 3}, [(2, 6, 5)]),
        ({"kernel_size": 3, "strides": 2, "padding": "same", "use_bias": False}, [(3, 7, 8)]),
        ({"kernel_size": [3, 2], "depth_multiplier": 3, "activation": "tanh"}, [(2, 5, 5)]),
        ({"kernel_size": 3, "dilation_rate": 2, "padding": "same", "depth_multiplier": 2}, [(2, 6, 6)]),
        ({"kernel_size": 2, "strides": [2, 1], "padding": "same"}, [(1, 5, 4)]),
        ({"kernel_size": 3, "strides": 2, "dilation_rate": 2, "padding": "same"}, [(2, 9, 8)]),
    )
    notes = NOTES.format(what="channel", out="(C, H, W) → (C·depth_multiplier, H', W')")

    kernel_size: Size2 = required(3)
    strides: Size2 = 1
    padding: Padding = "valid"
    depth_multiplier: PositiveInt = 1
    dilation_rate: Size2 = 1
    activation: ActivationName = "linear"
    use_bias: bool = True
