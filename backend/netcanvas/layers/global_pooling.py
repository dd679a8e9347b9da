"""Global pooling: GlobalAverage/GlobalMaxPooling1D and 2D (no parameters).

1D kinds take (time, features) sequences, 2D kinds (channels, height, width) images. As in
Keras 3, GlobalAveragePooling1D leaves masked steps out of the mean (a mask from Embedding(
mask_zero=True) or Masking, graph/compile.py); GlobalMaxPooling1D ignores the mask, as Keras's does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import torch
from torch import nn

from .base import Layer, ParamCount, Shape, register
from .spatial import expect_image, expect_sequence

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor


class GlobalPoolModule(nn.Module):
    """Mean or max over the time axis (sequences) or height and width (images)."""

    def __init__(self, mode: str, dims: tuple[int, ...], keepdims: bool):
        super().__init__()
        self.mode, self.dims, self.keepdims = mode, dims, keepdims

    def extra_repr(self) -> str:
        return f"mode={self.mode!r}, dims={self.dims}, keepdims={self.keepdims}"

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if self.mode == "max":
            return torch.amax(x, dim=self.dims, keepdim=self.keepdims)
        if mask is not None:  # (N, T): Keras's mean over the steps kept
            keep = mask.unsqueeze(-1)
            total = torch.where(keep, x, torch.zeros_like(x)).sum(dim=self.dims, keepdim=self.keepdims)
            return total / keep.to(x.dtype).sum(dim=self.dims, keepdim=self.keepdims)
        return torch.mean(x, dim=self.dims, keepdim=self.keepdims)


class GlobalPoolBase(Layer):
    family = "pooling"
    mode: ClassVar[str] = "max"

    keepdims: bool = False

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        (x,) = inputs
        if self.kind().endswith("1D"):
            expect_sequence(self.kind(), x)
            return [(1, x[1]) if self.keepdims else (x[1],)]
        expect_image(self.kind(), x)
        return [(x[0], 1, 1) if self.keepdims else (x[0],)]

    def build(self, inputs: list[Shape]) -> nn.Module:
        dims = (1,) if self.kind().endswith("1D") else (2, 3)
        return GlobalPoolModule(self.mode, dims, self.keepdims)

    def param_count(self, inputs: list[Shape]) -> ParamCount:
        return ParamCount()

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        n.plain_inputs()
        return n.add(self.kind(), {"data_format": "channels_last", "keepdims": self.keepdims})

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        from ..kerasio.config import channels_last

        channels_last(n)
        return n.node(cls.kind(), {"keepdims": bool(n.cfg.get("keepdims", False))})


@register
class GlobalAveragePooling1D(GlobalPoolBase):
    """Mean over all time steps: (time, features) → (features,)."""

    mode = "average"
    keras_classes = ("GlobalAveragePooling1D",)
    examples = (({}, [(5, 3)]), ({"keepdims": True}, [(None, 4)]))


@register
class GlobalMaxPooling1D(GlobalPoolBase):
    """Largest value over all time steps: (time, features) → (features,)."""

    keras_classes = ("GlobalMaxPooling1D",)
    examples = (({}, [(5, 3)]), ({"keepdims": True}, [(None, 4)]))


@register
class GlobalAveragePooling2D(GlobalPoolBase):
    """Mean over height and width: (channels, height, width) → (channels,)."""

    mode = "average"
    keras_classes = ("GlobalAveragePooling2D",)
    examples = (({}, [(3, 4, 5)]), ({"keepdims": True}, [(2, 3, 3)]))


@register
class GlobalMaxPooling2D(GlobalPoolBase):
    """Largest value over height and width: (channels, height, width) → (channels,)."""

    keras_classes = ("GlobalMaxPooling2D",)
    examples = (({}, [(3, 4, 5)]), ({"keepdims": True}, [(2, 3, 3)]))
