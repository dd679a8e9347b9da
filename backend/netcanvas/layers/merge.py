"""Layers that join several tensors: Concatenate, Add, Subtract, Multiply, Average, Maximum."""

from __future__ import annotations

import functools
import math
from typing import ClassVar

import torch
from torch import nn

from .base import Layer, Shape, ShapeError, fmt, register, resolve_axis


class ConcatenateModule(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim  # batch axis counted

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return torch.cat(xs, dim=self.dim)


@register
class Concatenate(Layer):
    """Joins its inputs along `axis` (default: the feature axis — channels for images)."""

    family = "merge"
    min_inputs = 2
    max_inputs = None

    axis: int | None = None

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        ranks = {len(s) for s in inputs}
        if len(ranks) != 1:
            shown = ", ".join(fmt(s) for s in inputs)
            raise ShapeError(f"Concatenate needs inputs of the same rank, got {shown}.")
        rank = ranks.pop()
        axis = resolve_axis(self.axis, rank)
        for i in range(rank):
            if i == axis:
                continue
            sizes = {s[i] for s in inputs}
            if len(sizes - {None}) > 1:
                shown = ", ".join(fmt(s) for s in inputs)
                raise ShapeError(
                    f"Concatenate along axis {axis + 1} needs all other dimensions equal, got {shown}: "
                    f"dimension {i + 1} differs."
                )
        parts = [s[axis] for s in inputs]
        joined = None if None in parts else sum(parts)
        first = inputs[0]
        return [tuple(joined if i == axis else first[i] for i in range(rank))]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return ConcatenateModule(resolve_axis(self.axis, len(inputs[0])) + 1)


class AddModule(nn.Module):
    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return sum(xs[1:], xs[0])


class SubtractModule(nn.Module):
    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a - b


class MultiplyModule(nn.Module):
    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return math.prod(xs[1:], start=xs[0])


class AverageModule(nn.Module):
    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return sum(xs[1:], xs[0]) / len(xs)


class MaximumModule(nn.Module):
    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return functools.reduce(torch.maximum, xs)


class Elementwise(Layer):
    """Shared rule: every input has the same shape (None matches any length)."""

    family = "merge"
    min_inputs = 2
    max_inputs = None
    module: ClassVar[type[nn.Module]] = AddModule

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        kind = self.kind()
        shown = ", ".join(fmt(s) for s in inputs)
        if len({len(s) for s in inputs}) != 1:
            raise ShapeError(f"{kind} needs inputs of the same shape, got {shown}: they differ in rank.")
        out = []
        for i, sizes in enumerate(zip(*inputs)):
            known = set(sizes) - {None}
            if len(known) > 1:
                raise ShapeError(
                    f"{kind} needs inputs of the same shape, got {shown}: dimension {i + 1} differs. "
                    "Make the branches end in the same size (e.g. the same Dense units or Conv filters), "
                    "or join them with Concatenate instead."
                )
            out.append(known.pop() if known else None)
        return [tuple(out)]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return self.module()


@register
class Add(Elementwise):
    """Sums its inputs element-wise (residual connections); all inputs have the same shape."""


@register
class Subtract(Elementwise):
    """First input minus the second, element-wise; exactly two inputs of the same shape."""

    max_inputs = 2
    module = SubtractModule


@register
class Multiply(Elementwise):
    """Multiplies its inputs element-wise (gating); all inputs have the same shape."""

    module = MultiplyModule


@register
class Average(Elementwise):
    """Mean of its inputs element-wise; all inputs have the same shape."""

    module = AverageModule


@register
class Maximum(Elementwise):
    """Largest of its inputs element-wise; all inputs have the same shape."""

    module = MaximumModule
