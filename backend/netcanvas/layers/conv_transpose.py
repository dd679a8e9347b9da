"""Transposed convolutions: Conv1DTranspose (on (time, features) sequences), Conv2DTranspose (images).

Module (ConvTransposeModule): `.conv` (torch ConvTranspose1d/2d, weight (in, filters, *kernel),
run without torch's symmetric padding), `.activation`. Keras's kernel is (*kernel, filters, in).

Output lengths are Keras's on every backend (JAX's padding rule, keras.src.backend.common.
backend_utils): "valid" gives (n - 1)·strides + max(span, strides) (+ output_padding instead of
the max when it is set); "same" gives n·strides ((n - 1)·strides + span % 2 + output_padding when
it is set), span being the dilated kernel's. torch can only pad symmetrically, so the unpadded
result is cropped at the start (Keras's odd extra row/column) and extended at the end by torch's
`output_padding` (which gets the bias, as Keras's zero border does).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated, Any

import torch
from pydantic import BeforeValidator, Field, NonNegativeInt, PositiveInt, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from torch import nn

from ..kerasio.config import compact
from .activations import ActivationName, activation_module
from .base import ParamCount, Shape, ShapeError, fmt, known, register, required
from .conv import Windowed, kernel_to_keras, kernel_to_torch, no_strides_with_dilation
from .initializers import glorot_
from .spatial import Padding, Size1, Size2, effective, ntuple

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor


def _output_padding_check(n: int) -> Any:
    want = {1: "a list of one", 2: "a list of two (height, width)"}[n]

    def check(v: Any) -> Any:
        def ok(i: Any) -> bool:
            return isinstance(i, int) and not isinstance(i, bool) and i >= 0

        if v is None or ok(v) or (isinstance(v, list) and len(v) == n and all(ok(i) for i in v)):
            return v
        raise PydanticCustomError("size", f"Must be empty (Keras's default), an integer ≥ 0 or {want} of them")

    return check


OutputPadding1 = Annotated[
    NonNegativeInt | Annotated[list[NonNegativeInt], Field(min_length=1, max_length=1)] | None,
    BeforeValidator(_output_padding_check(1)),
]
OutputPadding2 = Annotated[
    NonNegativeInt | Annotated[list[NonNegativeInt], Field(min_length=2, max_length=2)] | None,
    BeforeValidator(_output_padding_check(2)),
]


class ConvTransposeModule(nn.Module):
    """conv-transpose → Keras crop → activation. `crop_start`/`crop_end`: what is cut from each
    spatial axis; `sequence`: inputs are (N, T, F) and are transposed for torch."""

    def __init__(self, conv: nn.Module, crop_start: tuple[int, ...], crop_end: tuple[int, ...], activation: str,
                 sequence: bool = False):
        super().__init__()
        self.conv = conv
        self.activation = activation_module(activation)
        self.crop_start, self.crop_end, self.sequence = crop_start, crop_end, sequence

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.sequence:
            x = x.transpose(1, 2)
        y = self.conv(x)
        for i, (a, b) in enumerate(zip(self.crop_start, self.crop_end)):
            if a or b:
                y = y.narrow(i + 2, a, y.shape[i + 2] - a - b)
        if self.sequence:
            y = y.transpose(1, 2)
        return self.activation(y)


def keras_transpose_pads(kernel: int, stride: int, dilation: int, padding: str,
                         output_padding: int | None) -> tuple[int, int]:
    """Keras's (left, right) padding of the dilated input, per axis (JAX's rule, which Keras's
    torch backend reproduces)."""
    span = effective(kernel, dilation)
    if padding == "valid":
        extra = max(span, stride) - span if output_padding is None else output_padding
        return span - 1, span - 1 + extra
    pad_len = stride + span - 2 if output_padding is None else span + span % 2 - 2 + output_padding
    left = min(pad_len // 2 + pad_len % 2, span - 1)
    return left, pad_len - left


class ConvTranspose(Windowed):
    """What Conv1DTranspose and Conv2DTranspose share; subclasses declare the Keras fields."""

    if TYPE_CHECKING:
        filters: int
        output_padding: int | list[int] | None

    @field_validator("output_padding", check_fields=False)
    @classmethod
    def _below_strides(cls, v: int | list[int] | None, info: ValidationInfo) -> int | list[int] | None:
        if v is not None:
            r = cls.rank
            if any(p >= s for p, s in zip(ntuple(v, r), ntuple(info.data.get("strides", 1), r))):
                raise PydanticCustomError("output_padding", "Must be below strides on every axis (as in Keras)")
        return v

    @field_validator("dilation_rate", check_fields=False)
    @classmethod
    def _not_with_strides(cls, v: int | list[int], info: ValidationInfo) -> int | list[int]:
        return no_strides_with_dilation(v, info)

    def output_paddings(self) -> tuple[int | None, ...]:
        op = self.output_padding
        return (None,) * self.rank if op is None else ntuple(op, self.rank)

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        (x,) = inputs
        _, spatial = self.split(x)
        out: list[int | None] = []
        for n, k, s, d, op in zip(spatial, *self.sizes(), self.output_paddings()):
            if n is None:
                out.append(None)
                continue
            left, right = keras_transpose_pads(k, s, d, self.padding, op)
            length = (n - 1) * s + 1 + left + right - effective(k, d) + 1
            if length < 1:
                raise ShapeError(
                    f"{self.kind()} with padding \"same\" and output_padding={op} gives an empty output for "
                    f"its input {fmt(x)}: set output_padding above 0, or leave it empty.", "output_padding")
            out.append(length)
        return [self.join(self.filters, tuple(out))]

    def build(self, inputs: list[Shape]) -> nn.Module:
        channels, _ = self.split(inputs[0])
        kernel, stride, dilation = self.sizes()
        start, end, extend = [], [], []
        for k, s, d, op in zip(kernel, stride, dilation, self.output_paddings()):
            left, right = keras_transpose_pads(k, s, d, self.padding, op)
            span = effective(k, d)
            start.append(span - 1 - left)  # ≥ 0: Keras never pads more than span - 1 at the start
            end.append(max(span - 1 - right, 0))
            extend.append(max(right - (span - 1), 0))  # Keras's zero border at the end, < strides
        cls: Any = nn.ConvTranspose1d if self.rank == 1 else nn.ConvTranspose2d
        conv = cls(channels, self.filters, kernel, stride=stride, dilation=dilation,
                   output_padding=tuple(extend), bias=self.use_bias)
        return ConvTransposeModule(glorot_(conv), tuple(start), tuple(end), self.activation, sequence=self.rank == 1)

    def param_count(self, inputs: list[Shape]) -> ParamCount:
        channels, _ = self.split(inputs[0])
        kernel = math.prod(self.sizes()[0])
        return ParamCount(kernel * channels * self.filters + (self.filters if self.use_bias else 0))

    def macs(self, inputs: list[Shape], outputs: list[Shape]) -> int:
        # each input position scatters through the whole kernel (torch's FlopCounter counts it so)
        channels, spatial = self.split(inputs[0])
        return known(spatial) * math.prod(self.sizes()[0]) * channels * self.filters

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        n.plain_inputs()
        conv: Any = n.module.conv
        weights = [("kernel", kernel_to_keras(n.array(conv.weight)))]
        if self.use_bias:
            weights.append(("bias", conv.bias))
        op = self.output_padding
        cfg = {"filters": self.filters, **self.keras_window(),
               "output_padding": None if op is None else list(ntuple(op, self.rank))}
        return n.add(self.kind(), cfg, weights=weights)

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        op = n.cfg.get("output_padding")
        params = {"filters": n.cfg["filters"], **cls.window_params(n),
                  "output_padding": None if op is None else compact(op)}

        def load(m: Any) -> None:
            n.set(m.conv.weight, kernel_to_torch(n.weight(0)), "kernel")
            if params["use_bias"]:
                n.set(m.conv.bias, n.weight(1), "bias")

        return n.node(cls.kind(), params, load)


@register
class Conv1DTranspose(ConvTranspose):
    """Transposed 1D convolution on (time, features) sequences: upsamples time by `strides`."""

    rank = 1
    keras_classes = ("Conv1DTranspose",)
    examples = (
        ({"filters": 3, "kernel_size": 3}, [(5, 2)]),
        ({"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same", "activation": "relu"}, [(4, 3)]),
        ({"filters": 2, "kernel_size": 4, "strides": 3, "output_padding": 2, "use_bias": False}, [(4, 2)]),
        ({"filters": 3, "kernel_size": 2, "dilation_rate": 2, "padding": "same"}, [(None, 2)]),
        ({"filters": 2, "kernel_size": 4, "strides": 2, "padding": "same", "output_padding": 1}, [(3, 2)]),
    )
    notes = ("On (time, features) sequences, as Keras's channels-last Conv1DTranspose. Output lengths are "
             "Keras's, \"same\" included (n·strides, the odd extra step cropped at the start). Keras refuses "
             "strides > 1 together with dilation_rate > 1, and so does netcanvas. Import refuses "
             "data_format channels_first and non-null regularizers or constraints by name.")

    filters: PositiveInt = required(32)
    kernel_size: Size1 = required(3)
    strides: Size1 = 1
    padding: Padding = "valid"
    output_padding: OutputPadding1 = None
    dilation_rate: Size1 = 1
    activation: ActivationName = "linear"
    use_bias: bool = True


@register
class Conv2DTranspose(ConvTranspose):
    """Transposed 2D convolution ("deconvolution"): upsamples images by `strides`."""

    rank = 2
    keras_classes = ("Conv2DTranspose",)
    examples = (
        ({"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}, [(2, 3, 4)]),
        ({"filters": 3, "kernel_size": [4, 3], "strides": [2, 3], "padding": "same", "activation": "tanh"},
         [(2, 3, 3)]),
        ({"filters": 2, "kernel_size": 1, "strides": 3, "use_bias": False}, [(1, 2, 2)]),
        ({"filters": 1, "kernel_size": 3, "dilation_rate": 2, "padding": "same"}, [(2, 4, 4)]),
        ({"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": [1, 0]}, [(2, 3, 2)]),
        ({"filters": 2, "kernel_size": 2, "strides": 3, "padding": "same", "output_padding": 2}, [(1, 2, 3)]),
    )
    notes = ("netcanvas images are (channels, height, width); the Keras model is channels-last and "
             "kernels are transposed on export and import. Output sizes are Keras's, \"same\" included "
             "(n·strides, the odd extra row/column cropped at the start, as Keras does). Keras refuses "
             "strides > 1 together with dilation_rate > 1, and so does netcanvas. Import refuses "
             "data_format channels_first and non-null regularizers or constraints by name.")

    filters: PositiveInt = required(32)
    kernel_size: Size2 = required(3)
    strides: Size2 = 1
    padding: Padding = "valid"
    output_padding: OutputPadding2 = None
    dilation_rate: Size2 = 1
    activation: ActivationName = "linear"
    use_bias: bool = True
