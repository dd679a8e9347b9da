"""Pooling: Max/AveragePooling1D and 2D (windows), GlobalAverage/GlobalMaxPooling1D and 2D.

1D kinds take (time, features) sequences, 2D kinds (channels, height, width) images. "same"
padding is Keras's: max pooling pads with -inf, average pooling divides by the number of real
values in each window. The modules have no parameters.
"""

from __future__ import annotations

from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from .base import Layer, Shape, register
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
        if self.mode == "max":
            fn = F.max_pool1d if len(self.pool) == 1 else F.max_pool2d
        else:
            fn = F.avg_pool1d if len(self.pool) == 1 else F.avg_pool2d
        return fn(x, self.pool, self.stride)

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
    """Shared rule of the windowed pooling kinds; subclasses set `mode` and the fields."""

    family = "pooling"
    mode: ClassVar[str] = "max"

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


@register
class MaxPooling1D(PoolBase):
    """Largest value in each window of `pool_size` steps (strides default to pool_size)."""

    pool_size: Size1 = 2
    strides: Size1 | None = None
    padding: Padding = "valid"


@register
class AveragePooling1D(PoolBase):
    """Mean of each window of `pool_size` steps (strides default to pool_size)."""

    mode = "average"
    pool_size: Size1 = 2
    strides: Size1 | None = None
    padding: Padding = "valid"


@register
class MaxPooling2D(PoolBase):
    """Largest value in each pool_size window of an image (strides default to pool_size)."""

    pool_size: Size2 = 2
    strides: Size2 | None = None
    padding: Padding = "valid"


@register
class AveragePooling2D(PoolBase):
    """Mean of each pool_size window of an image (strides default to pool_size)."""

    mode = "average"
    pool_size: Size2 = 2
    strides: Size2 | None = None
    padding: Padding = "valid"


class GlobalPoolModule(nn.Module):
    """Mean or max over the time axis (sequences) or height and width (images)."""

    def __init__(self, mode: str, dims: tuple[int, ...], keepdims: bool):
        super().__init__()
        self.mode, self.dims, self.keepdims = mode, dims, keepdims

    def extra_repr(self) -> str:
        return f"mode={self.mode!r}, dims={self.dims}, keepdims={self.keepdims}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mode == "max":
            return torch.amax(x, dim=self.dims, keepdim=self.keepdims)
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


@register
class GlobalAveragePooling1D(GlobalPoolBase):
    """Mean over all time steps: (time, features) → (features,)."""

    mode = "average"


@register
class GlobalMaxPooling1D(GlobalPoolBase):
    """Largest value over all time steps: (time, features) → (features,)."""


@register
class GlobalAveragePooling2D(GlobalPoolBase):
    """Mean over height and width: (channels, height, width) → (channels,)."""

    mode = "average"


@register
class GlobalMaxPooling2D(GlobalPoolBase):
    """Largest value over height and width: (channels, height, width) → (channels,)."""
