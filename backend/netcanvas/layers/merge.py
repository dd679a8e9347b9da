"""Layers that join several tensors: Concatenate, Add, Subtract, Multiply, Average, Maximum."""

from __future__ import annotations

import torch
import torch.nn as nn

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
