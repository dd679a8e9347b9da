"""UpSampling1D and UpSampling2D: every step, or every row and column, repeated `size` times."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import torch
from pydantic import PositiveInt
from torch import nn

# `size` renamed: a global of that name would be copied into generated code (it matches `.size`).
from ..kerasio.config import channels_last, compact
from ..kerasio.config import size as keras_size
from .base import Layer, ParamCount, Shape, register
from .spatial import Size2, expect_image, expect_sequence, ntuple

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor


class RepeatStepsModule(nn.Module):
    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def extra_repr(self) -> str:
        return f"size={self.size}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # (N, T, F) → (N, T·size, F), each step `size` times in a row (Keras's ops.repeat on axis 1)
        return x.unsqueeze(2).expand(-1, -1, self.size, -1).flatten(1, 2)


@register
class UpSampling1D(Layer):
    """Lengthens a sequence by repeating each time step `size` times: (time, f) → (time·size, f)."""

    family = "reshaping"
    keras_classes = ("UpSampling1D",)
    dtypes = "same"  # repeats steps; UpSampling2D interpolates, on floats only
    examples = (
        ({"size": 2}, [(3, 2)]),
        ({"size": 3}, [(None, 4)]),
        ({"size": 1}, [(2, 3)]),
    )

    size: PositiveInt = 2

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        (x,) = inputs
        expect_sequence("UpSampling1D", x)
        return [(None if x[0] is None else x[0] * self.size, x[1])]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return RepeatStepsModule(self.size)

    def param_count(self, inputs: list[Shape]) -> ParamCount:
        return ParamCount()

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        n.plain_inputs()
        return n.add("UpSampling1D", {"size": self.size})

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        return n.node("UpSampling1D", {"size": n.cfg.get("size", 2)})


INTERPOLATIONS = ("nearest", "bilinear")


@register
class UpSampling2D(Layer):
    """Enlarges an image by repeating rows and columns `size` times (or bilinear interpolation)."""

    family = "reshaping"
    keras_classes = ("UpSampling2D",)
    examples = (
        ({"size": 2}, [(2, 3, 3)]),
        ({"size": [2, 3]}, [(1, 2, 3)]),
        ({"size": [2, 3], "interpolation": "bilinear"}, [(2, 3, 4)]),
        ({"size": 3, "interpolation": "bilinear"}, [(1, 2, 2)]),
    )
    notes = ('interpolation "nearest" or "bilinear"; Keras\'s other ones (bicubic, lanczos3, lanczos5, '
             "area) and data_format=\"channels_first\" are refused at import.")

    size: Size2 = 2
    interpolation: Literal["nearest", "bilinear"] = "nearest"

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        (x,) = inputs
        expect_image("UpSampling2D", x)
        sh, sw = ntuple(self.size, 2)
        return [(x[0], None if x[1] is None else x[1] * sh, None if x[2] is None else x[2] * sw)]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return nn.Upsample(scale_factor=tuple(float(s) for s in ntuple(self.size, 2)), mode=self.interpolation)

    def param_count(self, inputs: list[Shape]) -> ParamCount:
        return ParamCount()

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        n.plain_inputs()
        cfg = {"size": keras_size(self.size, 2), "data_format": "channels_last", "interpolation": self.interpolation}
        return n.add("UpSampling2D", cfg)

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        channels_last(n)
        interp = str(n.cfg.get("interpolation", "nearest")).lower()  # Keras lower-cases it too
        if interp not in INTERPOLATIONS:
            raise n.fail(f"interpolation={interp!r} is not supported (netcanvas has nearest or bilinear)")
        return n.node("UpSampling2D", {"size": compact(n.cfg.get("size", 2)), "interpolation": interp})
