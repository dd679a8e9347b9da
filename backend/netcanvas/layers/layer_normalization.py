"""LayerNormalization: each sample normalized over one axis or several, then scaled and shifted.

`axis` counts the batch axis; None (the default) is the feature axis (an image's channels), an int
one axis, a list several (Keras allows it). gamma and beta have the normalized axes' sizes in
sorted order (see norm_axes). Module: `.norm` holds `weight` (gamma) and `bias` (beta), the
names torch's LayerNorm uses, so older model.pt files load.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import nn

from .base import Layer, ParamCount, Shape, register
from .norm_axes import (
    Axes,
    axis_param,
    from_keras_axes,
    from_keras_weight,
    keras_axes,
    resolve_axes,
    sizes,
    to_keras_weight,
)

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor


class LayerNormState(nn.Module):
    """gamma (`weight`) and beta (`bias`) over the normalized axes; either may be absent."""

    weight: nn.Parameter | None
    bias: nn.Parameter | None

    def __init__(self, normalized_shape: tuple[int, ...], eps: float, gamma: bool, beta: bool):
        super().__init__()
        self.normalized_shape, self.eps = normalized_shape, eps
        self.weight = nn.Parameter(torch.ones(normalized_shape)) if gamma else None
        self.bias = nn.Parameter(torch.zeros(normalized_shape)) if beta else None


class LayerNormModule(nn.Module):
    """Normalizes over `axes` (batch counted, sorted), moved last when they are not already."""

    norm: LayerNormState

    def __init__(self, norm: LayerNormState, axes: tuple[int, ...], rms_scaling: bool):
        super().__init__()
        self.norm = norm
        self.axes = axes
        self.rms_scaling = rms_scaling

    def _normalize(self, x: torch.Tensor) -> torch.Tensor:
        norm = self.norm
        if self.rms_scaling:  # Keras's rms_scaling: x / sqrt(variance + ε) · gamma (no centering, no beta)
            dims = tuple(range(x.dim() - len(norm.normalized_shape), x.dim()))
            out = x * torch.rsqrt(x.var(dim=dims, correction=0, keepdim=True) + norm.eps)
            return out if norm.weight is None else out * norm.weight
        return F.layer_norm(x, norm.normalized_shape, norm.weight, norm.bias, norm.eps)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k = len(self.axes)
        last = tuple(range(x.dim() - k, x.dim()))
        if self.axes == last:
            return self._normalize(x)
        return self._normalize(x.movedim(self.axes, last)).movedim(last, self.axes)


@register
class LayerNormalization(Layer):
    """Normalizes each sample over `axis` (default: its features), then scales and shifts."""

    family = "normalization"
    keras_classes = ("LayerNormalization",)
    examples = (
        ({}, [(6,)]),
        ({"epsilon": 0.01}, [(4, 5)]),
        ({}, [(3, 4, 5)]),  # an image: over its channels
        ({"axis": [1, 2, 3]}, [(3, 4, 5)]),  # a whole image: gamma transposed to Keras's (H, W, C)
        ({"axis": [1, 3], "center": False}, [(2, 3, 4)]),  # channels and width: Keras's (W, C)
        ({"axis": [1, 2], "scale": False}, [(4, 5)]),
        ({"rms_scaling": True}, [(4, 6)]),
    )
    notes = ("axis None (the default) is the feature axis: an image's channels (Keras's -1 of (H, W, C)). "
             "A list normalizes over several axes together; gamma and beta then have those axes' sizes, "
             "stored in netcanvas's axis order and transposed to Keras's on export. rms_scaling is "
             "Keras's: x / sqrt(variance + epsilon) · gamma, with no beta. Keras 3's torch backend fails "
             "on consecutive axes that do not end with the last one (its fast path); its other backends "
             "compute them as netcanvas does. Regularizers and constraints are refused at import.")

    axis: Axes = None
    epsilon: float = Field(1e-3, gt=0.0)
    center: bool = True
    scale: bool = True
    rms_scaling: bool = False

    def _axes(self, x: Shape) -> tuple[int, ...]:
        return resolve_axes("LayerNormalization", self.axis, x)

    def _weights(self) -> tuple[bool, bool]:
        """(has gamma, has beta), as Keras builds them."""
        return self.scale or self.rms_scaling, self.center and not self.rms_scaling

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        self._axes(inputs[0])
        return [inputs[0]]

    def build(self, inputs: list[Shape]) -> nn.Module:
        idx = self._axes(inputs[0])
        gamma, beta = self._weights()
        state = LayerNormState(sizes(inputs[0], idx), self.epsilon, gamma, beta)
        return LayerNormModule(state, tuple(i + 1 for i in idx), self.rms_scaling)

    def param_count(self, inputs: list[Shape]) -> ParamCount:
        idx = self._axes(inputs[0])
        n = 1
        for s in sizes(inputs[0], idx):
            n *= s
        gamma, beta = self._weights()
        return ParamCount(n * (int(gamma) + int(beta)))

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        n.plain_inputs()
        x = n.input_shapes[0]
        idx = self._axes(x)
        norm = cast(LayerNormModule, n.module).norm
        weights = [(k, to_keras_weight(n.array(t), idx, len(x)))
                   for k, t in (("gamma", norm.weight), ("beta", norm.bias)) if t is not None]
        cfg = {"axis": keras_axes(idx, len(x), single=not isinstance(self.axis, list)), "epsilon": self.epsilon,
               "center": self.center, "scale": self.scale, "rms_scaling": self.rms_scaling}
        return n.add("LayerNormalization", cfg, weights=weights)

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        cfg = n.cfg
        x = n.inputs[0].shape
        rank = len(x)
        raw = cfg.get("axis", -1)
        idx = from_keras_axes(n, raw, rank)
        axis = axis_param(idx, rank)
        if isinstance(raw, (list, tuple)) and len(raw) > 1:
            axis = [i + 1 for i in idx]
        params = {"axis": axis, "epsilon": float(cfg.get("epsilon", 1e-3)), "center": bool(cfg.get("center", True)),
                  "scale": bool(cfg.get("scale", True)), "rms_scaling": bool(cfg.get("rms_scaling", False))}
        layer = cls.model_validate(params)
        gamma, beta = layer._weights()

        def load(m: nn.Module) -> None:
            w = list(n.weights)
            if len(w) != int(gamma) + int(beta):
                raise n.fail(f"the file has {len(w)} weights for it, netcanvas needs {int(gamma) + int(beta)}")
            norm = cast(LayerNormModule, m).norm
            for t, what in ((norm.weight, "gamma"), (norm.bias, "beta")):
                if t is not None:
                    n.set(t, from_keras_weight(w.pop(0), idx, rank), what)

        return n.node("LayerNormalization", params, load)
