"""Convolutions Conv1D (on (time, features) sequences) and Conv2D (on images), with Keras's `groups`.

Module (ConvModule): `.pad` (parameter-free, only where Keras padding cannot be done by the conv
itself: "same" with strides or an even kernel, "causal"), `.conv` (torch Conv1d/Conv2d, weight
(filters, in/groups, *kernel)), `.activation`. Keras's kernel is (*kernel, in/groups, filters).

What every windowed convolution shares (sizes, Keras output lengths, padding, the Keras config
both ways) is here too; conv_transpose, depthwise_conv and separable_conv build on it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import torch
from pydantic import PositiveInt, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from torch import nn

from ..kerasio.config import channels_last, compact, keras_activation
from ..kerasio.model import placeholder
from .activations import ActivationName, activation_module
from .base import Layer, ParamCount, Shape, ShapeError, known, register, required
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

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor

FIXES = 'use padding="same", a smaller kernel_size, or less downsampling before it'


class ConvModule(nn.Module):
    """pad → conv → activation. `sequence`: inputs are (N, T, F) and are transposed for torch."""

    def __init__(self, conv: nn.Module, activation: str, pad: nn.Module | None = None, sequence: bool = False):
        super().__init__()
        self.pad = pad
        self.conv = conv
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


def no_strides_with_dilation(v: int | list[int], info: ValidationInfo) -> int | list[int]:
    """Keras's Conv and ConvTranspose refuse strides > 1 together with dilation_rate > 1."""
    strides = info.data.get("strides", 1)
    if max(ntuple(v, 1)) > 1 and max(ntuple(strides, 1)) > 1:
        raise PydanticCustomError(
            "strides_and_dilation", "Cannot be above 1 while strides are above 1 (as in Keras): set one to 1")
    return v


class Windowed(Layer):
    """A convolution sliding a kernel over `rank` spatial axes: sequences (T, F) for rank 1 (time
    is the spatial axis, features the channels), images (C, H, W) for rank 2."""

    family = "convolution"
    rank: ClassVar[int] = 2

    if TYPE_CHECKING:  # declared by each kind, as pydantic fields
        kernel_size: int | list[int]
        strides: int | list[int]
        padding: str
        dilation_rate: int | list[int]
        activation: str
        use_bias: bool

    def sizes(self) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        r = self.rank
        return ntuple(self.kernel_size, r), ntuple(self.strides, r), ntuple(self.dilation_rate, r)

    def split(self, x: Shape) -> tuple[int, tuple[int | None, ...]]:
        """(channels, spatial sizes) of an input, refusing what this kind cannot take."""
        if self.rank == 1:
            expect_sequence(self.kind(), x)
            return int(x[1]), tuple(x[:1])  # type: ignore[arg-type]
        expect_image(self.kind(), x)
        return int(x[0]), tuple(x[1:])  # type: ignore[arg-type]

    def join(self, channels: int, spatial: tuple[int | None, ...]) -> Shape:
        return (*spatial, channels) if self.rank == 1 else (channels, *spatial)

    def spatial_out(self, spatial: tuple[int | None, ...]) -> tuple[int | None, ...]:
        kernel, stride, dilation = self.sizes()
        if self.padding == "valid":
            spans = tuple(effective(k, d) for k, d in zip(kernel, dilation))
            check_fits(self.kind(), "kernel_size", spatial, spans, FIXES, kernel)
        return tuple(out_length(n, k, s, d, self.padding) for n, k, s, d in zip(spatial, kernel, stride, dilation))

    def torch_padding(self) -> tuple[int | tuple[int, ...], nn.Module | None]:
        """(the conv's own symmetric padding, a KerasPad before it or None) for Keras's padding."""
        kernel, stride, dilation = self.sizes()
        if self.padding == "same" and symmetric_same(kernel, stride, dilation):
            return tuple((effective(k, d) - 1) // 2 for k, d in zip(kernel, dilation)), None
        if self.padding in ("same", "causal"):
            return 0, KerasPad(kernel, stride, dilation, mode="causal" if self.padding == "causal" else "same")
        return 0, None

    def conv_cls(self) -> Any:  # nn.Conv1d or nn.Conv2d
        return nn.Conv1d if self.rank == 1 else nn.Conv2d

    # -- Keras ----------------------------------------------------------------------------------

    def keras_window(self) -> dict[str, Any]:
        """The Keras config every convolution has, channels-last."""
        kernel, stride, dilation = self.sizes()
        return {"kernel_size": list(kernel), "strides": list(stride), "padding": self.padding,
                "data_format": "channels_last", "dilation_rate": list(dilation),
                "activation": self.activation, "use_bias": self.use_bias}

    @classmethod
    def window_params(cls, n: ImportNode) -> dict[str, Any]:
        """Keras's window config → params; refuses by name what netcanvas cannot express.
        Initializers are accepted: they do not change imported weights (and netcanvas's own
        initial weights are Keras's defaults)."""
        cfg = n.cfg
        channels_last(n)
        if cfg.get("lora_rank") not in (None, 0):
            raise n.fail(f"lora_rank={cfg['lora_rank']!r} is not supported")
        return {"kernel_size": compact(cfg["kernel_size"]), "strides": compact(cfg.get("strides", 1)),
                "padding": cfg.get("padding", "valid"), "dilation_rate": compact(cfg.get("dilation_rate", 1)),
                "activation": keras_activation(n, cfg.get("activation")),
                "use_bias": bool(cfg.get("use_bias", True))}


def kernel_to_keras(w: np.ndarray) -> np.ndarray:
    """torch (out, in, *kernel) → Keras (*kernel, in, out); also ConvTranspose's (in, out, *k) →
    Keras's (*k, out, in)."""
    return w.transpose(*range(2, w.ndim), 1, 0)


def kernel_to_torch(k: np.ndarray) -> np.ndarray:
    """Keras (*kernel, in, out) → torch (out, in, *kernel) (the inverse of kernel_to_keras)."""
    r = k.ndim - 2
    return k.transpose(r + 1, r, *range(r))


def zeros_like_shape(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A placeholder (code generation: shapes only) of another shape, allocating nothing."""
    return np.broadcast_to(np.zeros((), np.float32), shape) if placeholder(a) else a.reshape(shape)


class Conv(Windowed):
    """What Conv1D and Conv2D share; subclasses declare the Keras fields."""

    if TYPE_CHECKING:
        filters: int
        groups: int

    @field_validator("dilation_rate", check_fields=False)
    @classmethod
    def _not_with_strides(cls, v: int | list[int], info: ValidationInfo) -> int | list[int]:
        return no_strides_with_dilation(v, info)

    @field_validator("groups", check_fields=False)
    @classmethod
    def _groups_divide_filters(cls, v: int, info: ValidationInfo) -> int:
        filters = info.data.get("filters")
        if filters is not None and filters % v:
            raise PydanticCustomError(
                "groups", "Must divide filters ({filters}): each group computes filters / groups of them",
                {"filters": filters})
        return v

    def _channels(self, x: Shape) -> int:
        channels, _ = self.split(x)
        if channels % self.groups:
            what = "features" if self.rank == 1 else "channels"
            raise ShapeError(
                f"{self.kind()} with groups={self.groups} needs input {what} divisible by {self.groups}, got "
                f"{channels}: change groups or the {what} of the layer before it.", "groups")
        return channels

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        (x,) = inputs
        self._channels(x)
        return [self.join(self.filters, self.spatial_out(self.split(x)[1]))]

    def build(self, inputs: list[Shape]) -> nn.Module:
        kernel, stride, dilation = self.sizes()
        padding, pad = self.torch_padding()
        conv = self.conv_cls()(self._channels(inputs[0]), self.filters, kernel, stride=stride,
                               padding=padding, dilation=dilation, groups=self.groups, bias=self.use_bias)
        return ConvModule(glorot_(conv), self.activation, pad, sequence=self.rank == 1)

    def param_count(self, inputs: list[Shape]) -> ParamCount:
        per_filter = math.prod(self.sizes()[0]) * (self._channels(inputs[0]) // self.groups)
        return ParamCount(self.filters * per_filter + (self.filters if self.use_bias else 0))

    def macs(self, inputs: list[Shape], outputs: list[Shape]) -> int:
        # k·c_in/groups per output value
        return known(outputs[0]) * math.prod(self.sizes()[0]) * (self._channels(inputs[0]) // self.groups)

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        n.plain_inputs()
        conv: Any = n.module.conv
        weights = [("kernel", kernel_to_keras(n.array(conv.weight)))]
        if self.use_bias:
            weights.append(("bias", conv.bias))
        cfg = {"filters": self.filters, **self.keras_window(), "groups": self.groups}
        return n.add(self.kind(), cfg, weights=weights)

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        params = {"filters": n.cfg["filters"], **cls.window_params(n), "groups": int(n.cfg.get("groups", 1))}

        def load(m: Any) -> None:
            n.set(m.conv.weight, kernel_to_torch(n.weight(0)), "kernel")
            if params["use_bias"]:
                n.set(m.conv.bias, n.weight(1), "bias")

        return n.node(cls.kind(), params, load)


@register
class Conv1D(Conv):
    """1D convolution over time on (time, features) sequences; `filters` output features."""

    rank = 1
    keras_classes = ("Conv1D",)
    examples = (
        ({"filters": 3, "kernel_size": 3}, [(8, 2)]),
        ({"filters": 4, "kernel_size": 3, "padding": "causal", "dilation_rate": 2, "activation": "relu"}, [(9, 3)]),
        ({"filters": 2, "kernel_size": 4, "strides": 3, "padding": "same", "use_bias": False}, [(10, 3)]),
        ({"filters": 4, "kernel_size": 2, "groups": 2, "padding": "same", "activation": "tanh"}, [(None, 4)]),
    )
    notes = ("On (time, features) sequences, as Keras's channels-last Conv1D: features are the "
             "channels. padding \"causal\" pads the start only (output t sees inputs ≤ t). Keras "
             "refuses strides > 1 together with dilation_rate > 1, and so does netcanvas. Import refuses "
             "data_format channels_first and non-null regularizers or constraints by name.")

    filters: PositiveInt = required(32)
    kernel_size: Size1 = required(3)
    strides: Size1 = 1
    padding: Literal["valid", "same", "causal"] = "valid"
    dilation_rate: Size1 = 1
    groups: PositiveInt = 1
    activation: ActivationName = "linear"
    use_bias: bool = True


@register
class Conv2D(Conv):
    """2D convolution on images (channels, height, width); `filters` output channels."""

    rank = 2
    keras_classes = ("Conv2D",)
    examples = (
        ({"filters": 3, "kernel_size": 3}, [(2, 6, 7)]),
        ({"filters": 4, "kernel_size": [3, 2], "strides": 2, "padding": "same", "activation": "relu"}, [(3, 7, 6)]),
        ({"filters": 2, "kernel_size": 3, "dilation_rate": [2, 1], "padding": "same", "use_bias": False}, [(1, 6, 5)]),
        ({"filters": 4, "kernel_size": 2, "strides": [1, 2], "groups": 2}, [(6, 5, 6)]),
        ({"filters": 3, "kernel_size": 1, "activation": "softmax"}, [(2, 3, 3)]),
    )
    notes = ("netcanvas images are (channels, height, width); the Keras model is channels-last (height, "
             "width, channels) and kernels are transposed on export and import. padding \"same\" puts the "
             "odd extra row/column at the end, as Keras does. Keras refuses strides > 1 together with "
             "dilation_rate > 1, and so does netcanvas. Import refuses data_format channels_first and "
             "non-null regularizers or constraints by name.")

    filters: PositiveInt = required(32)
    kernel_size: Size2 = required(3)
    strides: Size2 = 1
    padding: Padding = "valid"
    dilation_rate: Size2 = 1
    groups: PositiveInt = 1
    activation: ActivationName = "linear"
    use_bias: bool = True
