"""Masking: marks the time steps whose features all equal `mask_value` as padding (Keras's Masking)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from .base import Layer, ParamCount, Shape, register
from .spatial import expect_sequence

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor


def step_mask(x: torch.Tensor, mask_value: float) -> torch.Tensor:
    """(N, T, F) → (N, T): True where some feature differs from mask_value (a step to keep)."""
    return torch.any(torch.ne(x, mask_value), dim=-1)


class MaskingModule(nn.Module):
    def __init__(self, mask_value: float):
        super().__init__()
        self.mask_value = mask_value

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        keep = torch.any(torch.ne(x, self.mask_value), dim=-1, keepdim=True)
        return torch.where(keep, x, torch.zeros_like(x))  # masked steps become 0, as in Keras


@register
class Masking(Layer):
    """Skips padded time steps: a step whose features all equal mask_value is masked (and set to 0)."""

    family = "core"
    keras_classes = ("Masking",)
    examples = (
        ({"mask_value": 0.0}, [(5, 3)]),
        ({"mask_value": -1.0}, [(None, 2)]),
    )
    notes = ("The mask reaches the layers Keras gives it to (recurrent layers, GlobalAveragePooling1D, "
             "through element-wise layers and Dense; see graph/compile.py). netcanvas masks sequences "
             "(time, features) only.")

    mask_value: float = 0.0

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        (x,) = inputs
        expect_sequence("Masking", x)
        return [x]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return MaskingModule(self.mask_value)

    def param_count(self, inputs: list[Shape]) -> ParamCount:
        return ParamCount()

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        n.plain_inputs()
        return n.add("Masking", {"mask_value": self.mask_value})

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        value = n.cfg.get("mask_value", 0.0)
        if not isinstance(value, (int, float)):
            raise n.fail(f"mask_value={value!r} (not one number) is not supported")
        return n.node("Masking", {"mask_value": float(value)})
