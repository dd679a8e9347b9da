"""RepeatVector: (features,) → (n, features), e.g. the input of a decoder RNN."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from pydantic import PositiveInt
from torch import nn

from .base import Layer, ParamCount, Shape, ShapeError, fmt, register, required

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor


class RepeatVectorModule(nn.Module):
    def __init__(self, n: int):
        super().__init__()
        self.n = n

    def extra_repr(self) -> str:
        return f"n={self.n}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.unsqueeze(1).repeat(1, self.n, 1)


@register
class RepeatVector(Layer):
    """Repeats a vector `n` times: (features,) → (n, features), e.g. to feed a decoder RNN."""

    family = "reshaping"
    keras_classes = ("RepeatVector",)
    dtypes = "same"
    examples = (
        ({"n": 3}, [(4,)]),
        ({"n": 1}, [(2,)]),
    )

    n: PositiveInt = required(4)

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        (x,) = inputs
        if len(x) != 1:
            hint = "set return_sequences=False on the recurrent layer before it, or " if len(x) == 2 else ""
            raise ShapeError(f"RepeatVector expects a vector (features,), got {fmt(x)}: {hint}add a Flatten "
                             "before it.")
        return [(self.n, x[0])]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return RepeatVectorModule(self.n)

    def param_count(self, inputs: list[Shape]) -> ParamCount:
        return ParamCount()

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        n.plain_inputs()
        return n.add("RepeatVector", {"n": self.n})

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        return n.node("RepeatVector", {"n": n.cfg["n"]})
