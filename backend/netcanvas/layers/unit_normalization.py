"""UnitNormalization: each sample scaled to unit L2 norm over one axis or several (Keras's
x · min(1/‖x‖, 10¹²)). No weights."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from .base import Layer, Shape, register
from .norm_axes import Axes, axis_param, from_keras_axes, keras_axes, resolve_axes

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor

EPSILON = 1e-12  # Keras's: the inverse norm is capped at 1/ε (a zero vector stays zero)


class UnitNormModule(nn.Module):
    def __init__(self, dims: tuple[int, ...]):
        super().__init__()
        self.dims = dims  # batch counted

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        inv = torch.rsqrt(x.square().sum(dim=self.dims, keepdim=True))
        return x * torch.clamp(inv, max=1.0 / EPSILON)


@register
class UnitNormalization(Layer):
    """Scales each sample to unit length (L2 norm 1) over `axis` (default: its features)."""

    family = "normalization"
    keras_classes = ("UnitNormalization",)
    examples = (
        ({}, [(6,)]),
        ({}, [(4, 5)]),
        ({}, [(3, 4, 5)]),  # an image: each pixel's channels
        ({"axis": [1, 2]}, [(2, 3, 4)]),
    )
    notes = ("axis None (the default) is the feature axis: an image's channels (Keras's -1 of (H, W, C)); "
             "a list normalizes over several axes together.")

    axis: Axes = None

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        resolve_axes("UnitNormalization", self.axis, inputs[0])
        return [inputs[0]]

    def build(self, inputs: list[Shape]) -> nn.Module:
        idx = resolve_axes("UnitNormalization", self.axis, inputs[0])
        return UnitNormModule(tuple(i + 1 for i in idx))

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        n.plain_inputs()
        x = n.input_shapes[0]
        idx = resolve_axes("UnitNormalization", self.axis, x)
        return n.add("UnitNormalization", {"axis": keras_axes(idx, len(x), single=not isinstance(self.axis, list))})

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        raw = n.cfg.get("axis", -1)
        rank = len(n.inputs[0].shape)
        idx = from_keras_axes(n, raw, rank)
        axis = [i + 1 for i in idx] if isinstance(raw, (list, tuple)) and len(raw) > 1 else axis_param(idx, rank)
        return n.node("UnitNormalization", {"axis": axis})
