"""Convolutions: Conv1D (on (time, features) sequences), Conv2D and Conv2DTranspose (on images).

Modules: `.conv` (torch Conv1d/Conv2d/ConvTranspose2d, weights in torch layout), `.activation`,
and for Conv1D/Conv2D a parameter-free `.pad` where Keras padding cannot be done by the conv itself.
"""

from __future__ import annotations

from typing import Literal

import torch
from pydantic import PositiveInt, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from torch import nn

from .activations import ActivationName, activation_module
from .base import Layer, Shape, register, required
from .initializers import glorot_
from .spatial import (
    KerasPad,
    Padding,
    Size1,
    Size2,
    check_fits,
    effective,
    expect_image,
    expect_sequence,
    ntuple,
    out_length,
    symmetric_same,
)

FIXES = 'use padding="same", a smaller kernel_size, or less downsampling before it'


class ConvModule(nn.Module):
    """pad → conv → activation. `sequence`: inputs are (N, T, F) and are transposed for torch."""

    def __init__(self, conv: nn.Module, activation: str, pad: nn.Module | None = None, sequence: bool = False):
        super().__init__()
        self.pad = pad
        self.conv = glorot_(conv)
        self.activation = activation_module(activation)
        self.sequence = sequence

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.sequence:
            x = x.transpose(1, 2)
        if self.pad is not None:
            x = self.pad(x)
        x = self.conv(x)
        if self.sequence:
            x = x.transpose(1, 2)
        return self.activation(x)


class ConvBase(Layer):
    """What Conv1D and Conv2D share; subclasses declare the Keras fields."""

    family = "convolution"

    @field_validator("dilation_rate", check_fields=False)
    @classmethod
    def _not_with_strides(cls, v: int | list[int], info: ValidationInfo) -> int | list[int]:
        strides = info.data.get("strides", 1)
        if max(ntuple(v, 2)) > 1 and max(ntuple(strides, 2)) > 1:
            raise PydanticCustomError(
                "strides_and_dilation", "Cannot be above 1 while strides are above 1 (as in Keras): set one to 1")
        return v

    @classmethod
    def spatial_rank(cls) -> int:
        return 1 if cls.kind().endswith("1D") else 2

    def sizes(self) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        r = self.spatial_rank()
        return ntuple(self.kernel_size, r), ntuple(self.strides, r), ntuple(self.dilation_rate, r)

    def spatial_out(self, spatial: tuple[int | None, ...]) -> tuple[int | None, ...]:
        kernel, stride, dilation = self.sizes()
        if self.padding == "valid":
            spans = tuple(effective(k, d) for k, d in zip(kernel, dilation))
            check_fits(self.kind(), "kernel_size", spatial, spans, FIXES, kernel)
        return tuple(out_length(n, k, s, d, self.padding) for n, k, s, d in zip(spatial, kernel, stride, dilation))

    def conv_and_pad(self, conv_cls: type[nn.Module], in_channels: int) -> tuple[nn.Module, nn.Module | None]:
        kernel, stride, dilation = self.sizes()
        padding: int | tuple[int, ...] = 0
        pad = None
        if self.padding == "same" and symmetric_same(kernel, stride, dilation):
            padding = tuple((effective(k, d) - 1) // 2 for k, d in zip(kernel, dilation))
        elif self.padding in ("same", "causal"):
            pad = KerasPad(kernel, stride, dilation, mode=self.padding)
        conv = conv_cls(in_channels, self.filters, kernel, stride=stride, padding=padding, dilation=dilation,
                        bias=self.use_bias)
        return conv, pad


@register
class Conv1D(ConvBase):
    """1D convolution over time on (time, features) sequences; `filters` output features."""

    filters: PositiveInt = required(32)
    kernel_size: Size1 = required(3)
    strides: Size1 = 1
    padding: Literal["valid", "same", "causal"] = "valid"
    dilation_rate: Size1 = 1
    activation: ActivationName = "linear"
    use_bias: bool = True

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        (x,) = inputs
        expect_sequence("Conv1D", x)
        (t,) = self.spatial_out(x[:1])
        return [(t, self.filters)]

    def build(self, inputs: list[Shape]) -> nn.Module:
        conv, pad = self.conv_and_pad(nn.Conv1d, inputs[0][-1])
        return ConvModule(conv, self.activation, pad, sequence=True)


@register
class Conv2D(ConvBase):
    """2D convolution on images (channels, height, width); `filters` output channels."""

    filters: PositiveInt = required(32)
    kernel_size: Size2 = required(3)
    strides: Size2 = 1
    padding: Padding = "valid"
    dilation_rate: Size2 = 1
    activation: ActivationName = "linear"
    use_bias: bool = True

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        (x,) = inputs
        expect_image("Conv2D", x)
        return [(self.filters, *self.spatial_out(x[1:]))]

    def build(self, inputs: list[Shape]) -> nn.Module:
        conv, pad = self.conv_and_pad(nn.Conv2d, inputs[0][0])
        return ConvModule(conv, self.activation, pad)


class ConvTransposeModule(nn.Module):
    """conv-transpose → Keras crop → activation.

    torch's ConvTranspose2d pads symmetrically; Keras's "same" needs the odd extra row and column
    cropped at the start. So `.conv` runs unpadded (with `output_padding` adding Keras's right
    border, bias included) and the result is cropped by `crop` (top, left) to `size` per axis.
    """

    def __init__(self, conv: nn.ConvTranspose2d, crop: tuple[int, int], stride: tuple[int, int],
                 padding: str, activation: str):
        super().__init__()
        self.conv = glorot_(conv)
        self.activation = activation_module(activation)
        self.crop, self.stride, self.padding = crop, stride, padding

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        if self.padding == "same":
            (h, w), (sh, sw), (ch, cw) = x.shape[2:], self.stride, self.crop
            y = y[:, :, ch:ch + h * sh, cw:cw + w * sw]
        return self.activation(y)


@register
class Conv2DTranspose(Layer):
    """Transposed 2D convolution ("deconvolution"): upsamples images by `strides`."""

    family = "convolution"

    filters: PositiveInt = required(32)
    kernel_size: Size2 = required(3)
    strides: Size2 = 1
    padding: Padding = "valid"
    dilation_rate: Size2 = 1
    activation: ActivationName = "linear"
    use_bias: bool = True

    def sizes(self) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        return ntuple(self.kernel_size, 2), ntuple(self.strides, 2), ntuple(self.dilation_rate, 2)

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        (x,) = inputs
        expect_image("Conv2DTranspose", x)
        out: list[int | None] = []
        for n, k, s, d in zip(x[1:], *self.sizes()):
            if n is None:
                out.append(None)
            elif self.padding == "same":
                out.append(n * s)
            else:
                out.append((n - 1) * s + max(effective(k, d), s))
        return [(self.filters, *out)]

    def build(self, inputs: list[Shape]) -> nn.Module:
        kernel, stride, dilation = self.sizes()
        # Keras (all backends) = JAX's padding rule: see keras.src.backend.common.backend_utils.
        extra, crop = [], []
        for k, s, d in zip(kernel, stride, dilation):
            span = effective(k, d)
            if self.padding == "valid":
                extra.append(max(span, s) - span)
                crop.append(0)
            else:
                pad_len = s + span - 2
                left = min(pad_len // 2 + pad_len % 2, span - 1)
                extra.append(max(pad_len - left - (span - 1), 0))  # Keras's zero border, < stride
                crop.append(span - 1 - left)
        conv = nn.ConvTranspose2d(inputs[0][0], self.filters, kernel, stride=stride, dilation=dilation,
                                  output_padding=tuple(extra), bias=self.use_bias)
        return ConvTransposeModule(conv, (crop[0], crop[1]), stride, self.padding, self.activation)
