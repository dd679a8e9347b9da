"""Rescaling: x · scale + offset on every value (Keras's preprocessing layer, applied always)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from .base import Layer, Shape, register, required

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor


class RescaleModule(nn.Module):
    def __init__(self, scale: float, offset: float):
        super().__init__()
        self.scale, self.offset = scale, offset

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.float() * self.scale + self.offset


def _number(n: ImportNode, key: str, v: Any) -> float:
    if isinstance(v, dict) and isinstance(v.get("config"), dict) and "value" in v["config"]:
        v = v["config"]["value"]  # a numpy value, as serialize_keras_object writes it
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        raise n.fail(f"{key}={v!r} is not supported; netcanvas takes one number (not one per channel)")
    return float(v)


@register
class Rescaling(Layer):
    """Rescales every value: x · scale + offset (e.g. scale 1/255 takes pixels to [0, 1])."""

    family = "preprocessing"
    keras_classes = ("Rescaling",)
    dtypes = "cast"  # int pixels or ids in, float32 out, as Keras's Rescaling casts
    elementwise = True
    examples = (
        ({"scale": 1 / 255}, [(3, 4, 5)]),
        ({"scale": 1 / 127.5, "offset": -1.0}, [(6,)]),
        ({"scale": 2.0, "offset": 0.5}, [(4, 3)]),
    )
    notes = "Applied while training and at inference. scale and offset are single numbers (Keras also takes arrays)."

    scale: float = required(1 / 255)
    offset: float = 0.0

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        return [inputs[0]]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return RescaleModule(self.scale, self.offset)

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        return n.passthrough(n.add("Rescaling", {"scale": self.scale, "offset": self.offset}))

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        params = {"scale": _number(n, "scale", n.cfg["scale"]), "offset": _number(n, "offset", n.cfg.get("offset", 0.0))}
        return n.passthrough(n.node("Rescaling", params))
