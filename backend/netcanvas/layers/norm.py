"""Normalization: BatchNormalization and LayerNormalization, with Keras's defaults.

`axis` counts the batch axis as in Keras; None (the default) is netcanvas's feature axis: channels
for images, the last axis for vectors and sequences (Keras's channels-last -1).
Modules: BatchNormalization → `.bn` (torch BatchNorm1d/2d: weight=gamma, bias=beta,
running_mean/var = Keras moving_mean/variance); LayerNormalization → `.norm` (torch LayerNorm).
"""

from __future__ import annotations

import torch
from pydantic import Field
from torch import nn

from .base import Layer, Shape, ShapeError, fmt, register, resolve_axis


def _features(kind: str, x: Shape, axis: int | None) -> tuple[int, int]:
    """(index of the normalized axis with batch counted, its size)."""
    i = resolve_axis(axis, len(x))
    if x[i] is None:
        raise ShapeError(f"{kind} normalizes axis {i + 1}, which has a variable length in {fmt(x)}; "
                         "pick an axis with a known size.", "axis")
    return i + 1, x[i]


class BatchNormModule(nn.Module):
    """torch BatchNorm over `axis` (batch counted); other axes are moved to torch's layout."""

    def __init__(self, bn: nn.Module, axis: int):
        super().__init__()
        self.bn = bn
        self.axis = axis

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.axis == 1:  # (N, C), (N, C, L), (N, C, H, W): torch's own layout
            return self.bn(x)
        y = x.movedim(self.axis, 1)
        return self.bn(y.reshape(y.shape[0], y.shape[1], -1)).reshape(y.shape).movedim(1, self.axis)


@register
class BatchNormalization(Layer):
    """Normalizes each feature with batch statistics while training, moving averages at inference."""

    family = "normalization"

    axis: int | None = None
    momentum: float = Field(0.99, ge=0.0, lt=1.0)
    epsilon: float = Field(1e-3, gt=0.0)

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        _features("BatchNormalization", inputs[0], self.axis)
        return [inputs[0]]

    def build(self, inputs: list[Shape]) -> nn.Module:
        axis, n = _features("BatchNormalization", inputs[0], self.axis)
        # Keras: moving = moving·momentum + batch·(1 − momentum); torch's momentum is the batch weight.
        cls = nn.BatchNorm2d if len(inputs[0]) == 3 and axis == 1 else nn.BatchNorm1d
        return BatchNormModule(cls(n, eps=self.epsilon, momentum=1.0 - self.momentum), axis)


class LayerNormModule(nn.Module):
    """torch LayerNorm over one axis (batch counted), moved last when it is not."""

    def __init__(self, norm: nn.LayerNorm, axis: int):
        super().__init__()
        self.norm = norm
        self.axis = axis

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.axis == x.dim() - 1:
            return self.norm(x)
        return self.norm(x.movedim(self.axis, -1)).movedim(-1, self.axis)


@register
class LayerNormalization(Layer):
    """Normalizes each sample over `axis` (default: its features), then scales and shifts."""

    family = "normalization"

    axis: int | None = None
    epsilon: float = Field(1e-3, gt=0.0)

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        _features("LayerNormalization", inputs[0], self.axis)
        return [inputs[0]]

    def build(self, inputs: list[Shape]) -> nn.Module:
        axis, n = _features("LayerNormalization", inputs[0], self.axis)
        return LayerNormModule(nn.LayerNorm(n, eps=self.epsilon), axis)
