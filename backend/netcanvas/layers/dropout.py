"""Dropout, SpatialDropout1D, SpatialDropout2D: zero inputs at random while training, with
Keras's semantics (kept values scaled by 1 / (1 − rate)); identity at inference.

One module does all three: a keep-mask of `noise_shape` (batch axis first; None takes the
input's size, 1 shares one draw along that axis) broadcast over the input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
from pydantic import Field, PositiveInt
from torch import nn

from ..kerasio.config import channels_last
from ..kerasio.layout import to_keras_shape, to_netcanvas_shape
from .base import Layer, Shape, ShapeError, expect_rank, fmt, register

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor

class DropoutModule(nn.Module):
    """Keras's backend.random.dropout: while training, keep each draw with probability 1 − rate
    and scale what is kept by 1 / (1 − rate); one draw per element of `noise_shape`."""

    def __init__(self, rate: float, noise_shape: tuple[int | None, ...] | None = None):
        super().__init__()
        self.rate = rate
        self.noise_shape = noise_shape

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.rate == 0.0:
            return x
        if self.noise_shape is None:
            return nn.functional.dropout(x, self.rate, training=True)
        keep = 1.0 - self.rate
        shape = [x.shape[i] if d is None else d for i, d in enumerate(self.noise_shape)]
        mask = torch.rand(shape, device=x.device) < keep
        return torch.where(mask, x / keep, torch.zeros_like(x))


def check_noise_shape(kind: str, noise_shape: list[int | None], x: Shape) -> None:
    """A Keras noise_shape (batch axis first) must broadcast over the input."""
    if len(noise_shape) != len(x) + 1:
        raise ShapeError(f"{kind} noise_shape {noise_shape} needs {len(x) + 1} entries for the input {fmt(x)}: "
                         "the batch axis first, then one per axis (None: the input's size, 1: shared).",
                         "noise_shape")
    for i, (d, size) in enumerate(zip(noise_shape[1:], x)):
        if d is not None and d != 1 and d != size:
            raise ShapeError(f"{kind} noise_shape {noise_shape}: entry {i + 1} is {d}, but axis {i + 1} of the "
                             f"input {fmt(x)} has {size}; use None, 1 or {size}.", "noise_shape")


def noise_shape_to_keras(ns: list[int | None] | None) -> list[int | None] | None:
    """netcanvas's (N, C, H, W) order → Keras's (N, H, W, C); other ranks are the same."""
    return None if ns is None else [ns[0], *to_keras_shape(tuple(ns[1:]))]


def noise_shape_from_keras(ns: Any) -> list[int | None] | None:
    return None if ns is None else [ns[0], *to_netcanvas_shape(tuple(ns[1:]))]


@register
class Dropout(Layer):
    """Randomly zeroes a fraction `rate` of the inputs while training; identity at inference."""

    elementwise = True
    keras_classes = ("Dropout",)
    examples = (
        ({"rate": 0.5}, [(6,)]),
        ({"rate": 0.2}, [(3, 4, 4)]),
        ({"rate": 0.3, "noise_shape": [None, 1, None]}, [(None, 4)]),  # one mask for every time step
        ({"rate": 0.1, "noise_shape": [None, None, 1, 1]}, [(2, 3, 3)]),  # whole channels of an image
    )
    notes = ("`noise_shape` counts the batch axis first and is in netcanvas's layout ((N, C, H, W) for images; "
             "export and import reorder it). Keras's `seed` is accepted at import and not kept: netcanvas "
             "seeds each run itself.")

    rate: float = Field(0.5, ge=0.0, lt=1.0)
    noise_shape: list[PositiveInt | None] | None = None

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        if self.noise_shape is not None:
            check_noise_shape("Dropout", self.noise_shape, inputs[0])
        return [inputs[0]]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return DropoutModule(self.rate, None if self.noise_shape is None else tuple(self.noise_shape))

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        cfg = {"rate": self.rate, "noise_shape": noise_shape_to_keras(self.noise_shape), "seed": None}
        return n.passthrough(n.add("Dropout", cfg))

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        params = {"rate": float(n.cfg.get("rate", 0.5)), "noise_shape": noise_shape_from_keras(n.cfg.get("noise_shape"))}
        return n.passthrough(n.node("Dropout", params))


@register
class SpatialDropout1D(Layer):
    """Dropout of whole feature channels of a (time, features) sequence while training."""

    family = "noise"
    elementwise = True
    keras_classes = ("SpatialDropout1D",)
    examples = (({"rate": 0.5}, [(5, 4)]), ({"rate": 0.2}, [(None, 3)]))
    notes = "A feature is dropped at every time step at once (Keras's noise shape (batch, 1, features))."

    rate: float = Field(..., ge=0.0, lt=1.0, json_schema_extra={"palette_default": 0.2})

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        expect_rank("SpatialDropout1D", inputs[0], (2,), "It takes a (time, features) sequence; for images use "
                    "SpatialDropout2D, for vectors Dropout.")
        return [inputs[0]]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return DropoutModule(self.rate, (None, 1, None))

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        return n.add("SpatialDropout1D", {"rate": self.rate, "seed": None})

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        return n.node("SpatialDropout1D", {"rate": float(n.cfg["rate"])})


@register
class SpatialDropout2D(Layer):
    """Dropout of whole channels of a (channels, height, width) image while training."""

    family = "noise"
    elementwise = True
    keras_classes = ("SpatialDropout2D",)
    examples = (({"rate": 0.5}, [(3, 4, 4)]), ({"rate": 0.1}, [(1, 5, 2)]))
    notes = "A channel is dropped at every pixel at once (Keras's noise shape (batch, 1, 1, channels))."

    rate: float = Field(..., ge=0.0, lt=1.0, json_schema_extra={"palette_default": 0.2})

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        expect_rank("SpatialDropout2D", inputs[0], (3,), "It takes a (channels, height, width) image; for "
                    "sequences use SpatialDropout1D, for vectors Dropout.")
        return [inputs[0]]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return DropoutModule(self.rate, (None, None, 1, 1))

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        return n.add("SpatialDropout2D", {"rate": self.rate, "data_format": "channels_last", "seed": None})

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        channels_last(n)
        return n.node("SpatialDropout2D", {"rate": float(n.cfg["rate"])})
