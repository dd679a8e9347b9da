"""Local pooling: Max/AveragePooling1D and 2D (a window slides over the sequence or image).

1D kinds take (time, features) sequences, 2D kinds (channels, height, width) images. "same"
padding is Keras's (TensorFlow's): max pooling pads with -inf, average pooling divides by the
number of real values in each window. The modules have no parameters. Global pooling lives in
global_pooling.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

# `size` renamed: a global of that name would be copied into generated code (it matches `.size`).
from ..kerasio.config import channels_last, compact
from ..kerasio.config import size as keras_size
from .base import Layer, ParamCount, Shape, register
from .spatial import (
    KerasPad,
    Padding,
    Size1,
    Size2,
    check_fits,
    expect_image,
    expect_sequence,
    ntuple,
    out_length,
    same_pads,
)

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor

_AVERAGE_SAME = (
    ' Keras 3 on its torch backend computes padding="same" differently when some axis has an odd total '
    "padding and a window can hold more than one padded place (pool_size=3, strides=2 on an even "
    "length; pool_size=4, strides=1): it then pads every axis by repeating the edge values and counts "
    "them in the mean. netcanvas follows TensorFlow (and Keras's jax and numpy backends): each window "
    "is the mean of its real values only. With an even total padding on every axis "
    "(pool_size=3, strides=1), none, or pool_size=2, all agree."
)


class PoolModule(nn.Module):
    """Keras max or average pooling over the trailing 1 or 2 axes (sequences are transposed)."""

    def __init__(self, mode: str, pool: tuple[int, ...], stride: tuple[int, ...], padding: str, sequence: bool):
        super().__init__()
        self.mode, self.pool, self.stride, self.padding, self.sequence = mode, pool, stride, padding, sequence
        ones = (1,) * len(pool)
        fill = float("-inf") if mode == "max" else 0.0
        self.pad = KerasPad(pool, stride, ones, value=fill) if padding == "same" else None

    def extra_repr(self) -> str:
        return f"mode={self.mode!r}, pool={self.pool}, stride={self.stride}, padding={self.padding!r}"

    def _pool(self, x: torch.Tensor) -> torch.Tensor:
        if self.pad is not None:
            x = self.pad(x)
        one = len(self.pool) == 1
        if self.mode == "max":
            return F.max_pool1d(x, self.pool, self.stride) if one else F.max_pool2d(x, self.pool, self.stride)
        return F.avg_pool1d(x, self.pool, self.stride) if one else F.avg_pool2d(x, self.pool, self.stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.sequence:
            x = x.transpose(1, 2)
        y = self._pool(x)
        if self.mode == "average" and self.padding == "same" and self._padded(x):
            # Share of real (unpadded) values in each window: average only over those.
            y = y / self._pool(x.new_ones((1, 1) + tuple(x.shape[2:])))
        return y.transpose(1, 2) if self.sequence else y

    def _padded(self, x: torch.Tensor) -> bool:
        return any(sum(same_pads(n, k, s)) for n, k, s in zip(x.shape[2:], self.pool, self.stride))


class PoolBase(Layer):
    """Shared rule of the windowed pooling kinds; subclasses set `mode`, the fields and examples."""

    family = "pooling"
    mode: ClassVar[str] = "max"
    notes = ("Keras's default data_format (channels_last) only: a Keras layer with "
             'data_format="channels_first" is refused at import. netcanvas\'s images are (channels, '
             "height, width); the export writes the channels-last Keras layer.")

    # Each kind narrows the sizes to its number of axes (Size1 or Size2).
    pool_size: Size1 | Size2 = 2
    strides: Size1 | Size2 | None = None
    padding: Padding = "valid"

    @classmethod
    def spatial_rank(cls) -> int:
        return 1 if cls.kind().endswith("1D") else 2

    def sizes(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        r = self.spatial_rank()
        pool = ntuple(self.pool_size, r)
        return pool, pool if self.strides is None else ntuple(self.strides, r)

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        (x,) = inputs
        pool, stride = self.sizes()
        if self.spatial_rank() == 1:
            expect_sequence(self.kind(), x)
            spatial = x[:1]
        else:
            expect_image(self.kind(), x)
            spatial = x[1:]
        if self.padding == "valid":
            check_fits(self.kind(), "pool_size", spatial, pool, 'use padding="same" or a smaller pool_size')
        out = tuple(out_length(n, k, s, 1, self.padding) for n, k, s in zip(spatial, pool, stride))
        return [(*out, x[1])] if self.spatial_rank() == 1 else [(x[0], *out)]

    def build(self, inputs: list[Shape]) -> nn.Module:
        pool, stride = self.sizes()
        return PoolModule(self.mode, pool, stride, self.padding, sequence=self.spatial_rank() == 1)

    def param_count(self, inputs: list[Shape]) -> ParamCount:
        return ParamCount()

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        n.plain_inputs()
        pool, stride = self.sizes()
        cfg = {"pool_size": list(pool), "strides": list(stride), "padding": self.padding,
               "data_format": "channels_last"}
        return n.add(self.kind(), cfg)

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        channels_last(n)
        cfg = n.cfg
        r = cls.spatial_rank()
        pool = cfg.get("pool_size", 2)
        strides = cfg.get("strides")
        # Keras writes strides=pool_size when they were left out: keep netcanvas's default then.
        if strides is not None and keras_size(compact(strides), r) == keras_size(compact(pool), r):
            strides = None
        params = {"pool_size": compact(pool), "strides": None if strides is None else compact(strides),
                  "padding": cfg.get("padding", "valid")}
        return n.node(cls.kind(), params)


@register
class MaxPooling1D(PoolBase):
    """Largest value in each window of `pool_size` steps (strides default to pool_size)."""

    keras_classes = ("MaxPooling1D",)
    examples = (
        ({}, [(6, 2)]),
        ({"pool_size": 3, "strides": 2, "padding": "same"}, [(7, 3)]),
        ({"pool_size": 2, "strides": 1}, [(None, 2)]),
        ({"pool_size": [3], "padding": "same"}, [(4, 2)]),
    )

    pool_size: Size1 = 2
    strides: Size1 | None = None
    padding: Padding = "valid"


@register
class AveragePooling1D(PoolBase):
    """Mean of each window of `pool_size` steps (strides default to pool_size)."""

    mode = "average"
    keras_classes = ("AveragePooling1D",)
    # "same" examples avoid Keras's torch-backend deviation (see notes).
    examples = (
        ({}, [(6, 2)]),
        ({"pool_size": 3, "strides": 1, "padding": "same"}, [(5, 2)]),
        ({"pool_size": 3, "strides": 2, "padding": "same"}, [(7, 2)]),
        ({"pool_size": 2, "padding": "same"}, [(6, 3)]),
        ({"pool_size": 2, "strides": 1}, [(None, 3)]),
    )
    notes = PoolBase.notes + _AVERAGE_SAME

    pool_size: Size1 = 2
    strides: Size1 | None = None
    padding: Padding = "valid"


@register
class MaxPooling2D(PoolBase):
    """Largest value in each pool_size window of an image (strides default to pool_size)."""

    keras_classes = ("MaxPooling2D",)
    examples = (
        ({}, [(2, 4, 4)]),
        ({"pool_size": 3, "strides": 2, "padding": "same"}, [(2, 5, 6)]),
        ({"pool_size": [2, 3], "strides": [1, 2]}, [(1, 4, 7)]),
        ({"pool_size": 2, "padding": "same"}, [(1, 5, 5)]),
    )

    pool_size: Size2 = 2
    strides: Size2 | None = None
    padding: Padding = "valid"


@register
class AveragePooling2D(PoolBase):
    """Mean of each pool_size window of an image (strides default to pool_size)."""

    mode = "average"
    keras_classes = ("AveragePooling2D",)
    # "same" examples avoid Keras's torch-backend deviation (see notes).
    examples = (
        ({}, [(2, 4, 4)]),
        ({"pool_size": 3, "strides": 2, "padding": "same"}, [(1, 5, 5)]),
        ({"pool_size": [2, 3], "strides": [1, 2]}, [(2, 4, 7)]),
        ({"pool_size": [3, 1], "strides": 1, "padding": "same"}, [(2, 4, 3)]),
        ({"pool_size": 2, "padding": "same"}, [(1, 4, 6)]),
        ({"pool_size": 2, "strides": 1, "padding": "same"}, [(2, 3, 4)]),  # odd padding, but windows of 2
    )
    notes = PoolBase.notes + _AVERAGE_SAME

    pool_size: Size2 = 2
    strides: Size2 | None = None
    padding: Padding = "valid"
