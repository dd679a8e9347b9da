"""Reshaping: Reshape, Permute, RepeatVector, ZeroPadding2D, UpSampling2D (no parameters).

Reshape and Permute work in netcanvas's layout (images (channels, height, width)); Keras export
converts. Flatten lives in core.py.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import torch
import torch.nn.functional as F
from pydantic import Field, NonNegativeInt, PositiveInt, field_validator
from pydantic_core import PydanticCustomError
from torch import nn

from .base import Layer, Shape, ShapeError, fmt, register, required
from .spatial import Size2, expect_image, ntuple


class ReshapeModule(nn.Module):
    def __init__(self, target_shape: tuple[int, ...]):
        super().__init__()
        self.target_shape = target_shape

    def extra_repr(self) -> str:
        return f"target_shape={self.target_shape}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], *self.target_shape)


@register
class Reshape(Layer):
    """Rearranges the values into `target_shape` (batch excluded); one entry may be -1 (computed)."""

    family = "reshaping"

    target_shape: list[Annotated[int, Field(ge=-1)]] = required([1, 28, 28], min_length=1)

    @field_validator("target_shape")
    @classmethod
    def _sizes(cls, v: list[int]) -> list[int]:
        if 0 in v:
            raise PydanticCustomError("target_shape", "Every size must be positive, or -1 for the one size to compute")
        if v.count(-1) > 1:
            raise PydanticCustomError("target_shape", "Only one size may be -1")
        return v

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        (x,) = inputs
        target = self.target_shape
        known = math.prod(d for d in target if d != -1)
        if None in x:
            if -1 not in target:
                raise ShapeError(
                    f"Reshape of {fmt(x)}, which has a variable length, needs -1 in target_shape for "
                    "the size that varies.", "target_shape")
            return [tuple(None if d == -1 else d for d in target)]
        total = math.prod(x)
        if -1 in target:
            if total % known:
                raise ShapeError(
                    f"Reshape cannot turn {fmt(x)} ({total} values) into {fmt(tuple(target))}: "
                    f"{total} is not a multiple of {known}.", "target_shape")
            return [tuple(total // known if d == -1 else d for d in target)]
        if known != total:
            raise ShapeError(
                f"Reshape cannot turn {fmt(x)} ({total} values) into {fmt(tuple(target))} ({known} values): "
                "the number of values must stay the same. Put -1 for one size to have it computed.",
                "target_shape")
        return [tuple(target)]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return ReshapeModule(tuple(self.target_shape))


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


Pair = Annotated[list[NonNegativeInt], Field(min_length=2, max_length=2)]


class ZeroPadModule(nn.Module):
    def __init__(self, pads: tuple[int, int, int, int]):
        super().__init__()
        self.pads = pads  # F.pad order: left, right, top, bottom

    def extra_repr(self) -> str:
        return f"pads={self.pads}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pad(x, self.pads)


@register
class ZeroPadding2D(Layer):
    """Adds rows and columns of zeros around an image.

    `padding`: an int (all sides), [rows, columns] (both sides each), or [[top, bottom], [left, right]].
    """

    family = "reshaping"

    padding: NonNegativeInt | Pair | Annotated[list[Pair], Field(min_length=2, max_length=2)] = 1

    def sides(self) -> tuple[tuple[int, int], tuple[int, int]]:
        p = self.padding
        if isinstance(p, int):
            return (p, p), (p, p)
        if isinstance(p[0], int):
            return (p[0], p[0]), (p[1], p[1])
        return (p[0][0], p[0][1]), (p[1][0], p[1][1])

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        (x,) = inputs
        expect_image("ZeroPadding2D", x)
        (top, bottom), (left, right) = self.sides()
        h, w = x[1], x[2]
        return [(x[0], None if h is None else h + top + bottom, None if w is None else w + left + right)]

    def build(self, inputs: list[Shape]) -> nn.Module:
        (top, bottom), (left, right) = self.sides()
        return ZeroPadModule((left, right, top, bottom))


@register
class UpSampling2D(Layer):
    """Enlarges an image by repeating rows and columns `size` times (or bilinear interpolation)."""

    family = "reshaping"

    size: Size2 = 2
    interpolation: Literal["nearest", "bilinear"] = "nearest"

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        (x,) = inputs
        expect_image("UpSampling2D", x)
        sh, sw = ntuple(self.size, 2)
        return [(x[0], None if x[1] is None else x[1] * sh, None if x[2] is None else x[2] * sw)]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return nn.Upsample(scale_factor=tuple(float(s) for s in ntuple(self.size, 2)), mode=self.interpolation)
