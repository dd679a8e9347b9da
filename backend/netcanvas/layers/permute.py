"""Permute: reorders the axes of netcanvas's layout (images (channels, height, width))."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from pydantic import PositiveInt, field_validator
from pydantic_core import PydanticCustomError
from torch import nn

from .base import Layer, ParamCount, Shape, ShapeError, fmt, register, required

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor


def keras_pos(i: int, rank: int) -> int:
    """0-based axis (batch excluded) of the channels-last Keras tensor that holds netcanvas axis i."""
    if rank != 3:
        return i
    return rank - 1 if i == 0 else i - 1


class PermuteModule(nn.Module):
    def __init__(self, dims: tuple[int, ...]):
        super().__init__()
        self.dims = dims  # 1-based, batch excluded, like Keras

    def extra_repr(self) -> str:
        return f"dims={self.dims}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.permute(0, *self.dims)


@register
class Permute(Layer):
    """Reorders the axes: `dims` lists the input axes in their new order, counting from 1."""

    family = "reshaping"
    keras_classes = ("Permute",)
    dtypes = "same"
    examples = (
        ({"dims": [2, 1]}, [(4, 3)]),
        ({"dims": [1, 3, 2]}, [(2, 3, 4)]),  # swaps height and width
        ({"dims": [2, 3, 1]}, [(2, 3, 4)]),
        ({"dims": [3, 1, 2]}, [(3, 2, 4)]),
        ({"dims": [4, 2, 1, 3]}, [(2, 3, 4, 5)]),
        ({"dims": [2, 1]}, [(None, 3)]),
    )
    notes = ("dims are in netcanvas's layout: for an image, axis 1 is the channels, 2 the height, 3 the "
             "width. The Keras export rewrites dims for Keras's channels-last tensor (and the import "
             "back), so the values end up where they do in netcanvas.")

    dims: list[PositiveInt] = required([2, 1], min_length=1)

    @field_validator("dims")
    @classmethod
    def _permutation(cls, v: list[int]) -> list[int]:
        if sorted(v) != list(range(1, len(v) + 1)):
            raise PydanticCustomError("dims", f"Must list each of the axes 1..{len(v)} once, in any order")
        return v

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        (x,) = inputs
        if len(self.dims) != len(x):
            example = list(range(len(x), 0, -1))
            raise ShapeError(
                f"Permute dims {self.dims} reorder {len(self.dims)} axes, but the input {fmt(x)} has "
                f"{len(x)}: list every axis once, e.g. {example}.", "dims")
        return [tuple(x[d - 1] for d in self.dims)]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return PermuteModule(tuple(self.dims))

    def param_count(self, inputs: list[Shape]) -> ParamCount:
        return ParamCount()

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        n.plain_inputs()
        rank = len(n.input_shapes[0])
        dims = [0] * rank
        # Output axis j holds input axis dims[j] - 1; both live elsewhere in the Keras tensors.
        for j, d in enumerate(self.dims):
            dims[keras_pos(j, rank)] = keras_pos(d - 1, rank) + 1
        return n.add("Permute", {"dims": dims})

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        rank = len(n.inputs[0].shape)
        kdims = [int(d) for d in n.cfg["dims"]]
        if sorted(kdims) != list(range(1, rank + 1)):
            raise n.fail(f"dims={kdims} do not reorder the {rank} axes of its input")
        inv = {keras_pos(i, rank): i for i in range(rank)}
        dims = [inv[kdims[keras_pos(j, rank)] - 1] + 1 for j in range(rank)]
        return n.node("Permute", {"dims": dims})
