"""Shared by convolution, pooling and reshaping layers: Keras sizes, output lengths, padding.

Sizes (`kernel_size`, `strides`, `pool_size`…) accept an int or a list with one int per spatial
axis, as in Keras. Lengths follow Keras exactly, including "same" padding with strides > 1, which
puts the odd extra pixel at the end (bottom/right) — torch's own `padding="same"` cannot do that.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any, Literal

import torch
import torch.nn.functional as F
from pydantic import BeforeValidator, Field, NonNegativeInt, PositiveInt
from pydantic_core import PydanticCustomError
from torch import nn

from .base import REGISTRY, Shape, ShapeError, fmt


def _size_check(n: int) -> Callable[[Any], Any]:
    """One clear error for a bad size (instead of one per branch of the int | list union)."""
    want = {1: "a list of one", 2: "a list of two (height, width)"}[n]

    def check(v: Any) -> Any:
        def positive(i: Any) -> bool:
            return isinstance(i, int) and not isinstance(i, bool) and i >= 1

        if positive(v) or (isinstance(v, list) and len(v) == n and all(positive(i) for i in v)):
            return v
        raise PydanticCustomError("size", f"Must be a positive integer or {want} positive integers")

    return check


Size1 = Annotated[
    PositiveInt | Annotated[list[PositiveInt], Field(min_length=1, max_length=1)], BeforeValidator(_size_check(1))
]
Size2 = Annotated[
    PositiveInt | Annotated[list[PositiveInt], Field(min_length=2, max_length=2)], BeforeValidator(_size_check(2))
]
Padding = Literal["valid", "same"]

AXIS_NAMES = {1: ("length",), 2: ("height", "width")}


def ntuple(value: int | list[int], n: int) -> tuple[int, ...]:
    """A Keras size (int or list) as one int per spatial axis."""
    return (value,) * n if isinstance(value, int) else tuple(value)


def effective(kernel: int, dilation: int) -> int:
    """How many input positions a dilated kernel spans."""
    return (kernel - 1) * dilation + 1


def out_length(n: int | None, kernel: int, stride: int, dilation: int, padding: str) -> int | None:
    """Keras output length along one axis ("causal" pads the start, so it behaves like "same")."""
    if n is None:
        return None
    if padding in ("same", "causal"):
        return math.ceil(n / stride)
    return (n - effective(kernel, dilation)) // stride + 1


def same_pads(n: int, kernel: int, stride: int, dilation: int = 1) -> tuple[int, int]:
    """(before, after) padding of Keras/TensorFlow "same": the extra one goes after."""
    total = max((math.ceil(n / stride) - 1) * stride + effective(kernel, dilation) - n, 0)
    return total // 2, total - total // 2


class KerasPad(nn.Module):
    """Pads the trailing spatial axes the Keras way, computed from the actual input length.

    `mode="same"`: Keras "same" (extra pixel at the end); `mode="causal"`: everything before the
    first step (Conv1D). `value` is what fills the border (-inf for max pooling).
    """

    def __init__(self, kernel: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...],
                 mode: Literal["same", "causal"] = "same", value: float = 0.0):
        super().__init__()
        self.kernel, self.stride, self.dilation = kernel, stride, dilation
        self.mode, self.value = mode, value

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads: list[int] = []
        sizes = x.shape[x.dim() - len(self.kernel):]
        for n, k, s, d in zip(sizes, self.kernel, self.stride, self.dilation):
            if self.mode == "causal":
                before, after = effective(k, d) - 1, 0
            else:
                before, after = same_pads(n, k, s, d)
            pads = [before, after] + pads  # F.pad lists the last axis first
        return F.pad(x, pads, value=self.value) if any(pads) else x

    def extra_repr(self) -> str:
        return f"mode={self.mode!r}, kernel={self.kernel}, stride={self.stride}"


def symmetric_same(kernel: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...]) -> bool:
    """Whether Keras "same" equals torch's symmetric padding (stride 1, odd effective kernel)."""
    return all(s == 1 and (effective(k, d) - 1) % 2 == 0 for k, s, d in zip(kernel, stride, dilation))


def check_fits(kind: str, what: str, sizes: tuple[int | None, ...], spans: tuple[int, ...],
               fixes: str, window: tuple[int, ...] | None = None) -> None:
    """Raise when a window (kernel, pool) spanning `spans` is larger than the input, saying by how much.

    `window`: the size the user set when it differs from the span (a dilated kernel)."""
    names = AXIS_NAMES[len(sizes)]
    short = [(name, k - n) for name, n, k in zip(names, sizes, spans) if n is not None and k > n]
    if not short:
        return
    by = " and ".join(f"{d} in {name}" for name, d in short)
    shown = "×".join(map(str, spans))
    if window is not None and tuple(window) != tuple(spans):
        shown = f"{'×'.join(map(str, window))} (dilated, it spans {shown})"
    got = "×".join("None" if n is None else str(n) for n in sizes)
    raise ShapeError(f"{kind}'s {what} {shown} is larger than its input {got} by {by}: {fixes}.", what)


def _square_image(n: int) -> str | None:
    for channels in (1, 3):
        side = math.isqrt(n // channels)
        if n % channels == 0 and side * side * channels == n:
            return fmt((channels, side, side))
    return None


def expect_image(kind: str, shape: Shape) -> None:
    """Images are (channels, height, width); say which Reshape or layer fixes anything else."""
    if len(shape) == 3:
        if shape[0] is None:
            raise ShapeError(f"{kind} needs a known number of channels, got {fmt(shape)}.")
        return
    start = f"{kind} expects an image (channels, height, width), got {fmt(shape)}"
    if len(shape) == 1 and shape[0] is not None:
        target = _square_image(shape[0])
        if target:
            raise ShapeError(f"{start}: add a Reshape to {target} before it.")
        raise ShapeError(f"{start}: add a Reshape to (channels, height, width) before it.")
    if len(shape) == 2:
        alt = kind.replace("2D", "1D")
        use = f"use {alt} for sequences, or " if alt in REGISTRY else ""
        raise ShapeError(
            f"{start}, which is a sequence (time, features): {use}add a Reshape to {fmt((1, *shape))} before it."
        )
    raise ShapeError(f"{start}: add a Reshape to (channels, height, width) before it.")


def expect_sequence(kind: str, shape: Shape) -> None:
    """Sequences are (time, features) with known features; time may be None."""
    if len(shape) == 2:
        if shape[1] is None:
            raise ShapeError(f"{kind} needs a known number of features (last axis), got {fmt(shape)}.")
        return
    start = f"{kind} expects a sequence (time, features), got {fmt(shape)}"
    if len(shape) == 1:
        raise ShapeError(
            f"{start}: add a Reshape to {fmt((shape[0] or -1, 1))} before it (one feature per step)"
            + (", or an Embedding for token ids." if shape[0] is None else ".")
        )
    if len(shape) == 3 and "1D" in kind:
        raise ShapeError(f"{start}, which is an image: use {kind.replace('1D', '2D')} for images.")
    if len(shape) == 3 and shape[0] == 1:
        raise ShapeError(f"{start}, which is an image: add a Reshape to {fmt(shape[1:])} before it "
                         "(rows as time steps).")
    raise ShapeError(f"{start}: add a Reshape to (time, features) before it.")


# -- padding and cropping amounts (ZeroPadding*, Cropping*) -----------------------------------

Sides = tuple[tuple[int, int], ...]


def parse_sides(value: Any, n: int) -> Sides | None:
    """A Keras padding or cropping amount, in any form Keras accepts, as (before, after) per spatial
    axis; None when Keras would refuse it.

    n=1 (ZeroPadding1D, Cropping1D): an int (both ends) or (start, end).
    n=2: an int (all sides), (rows, columns) (both sides each), ((top, bottom), (left, right)), or
    a mix such as (rows, (left, right)): each entry is an int or a pair, as Keras's own rule has it.
    """
    def amount(i: Any) -> bool:
        return isinstance(i, int) and not isinstance(i, bool) and i >= 0

    def pair(v: Any) -> tuple[int, int] | None:
        if amount(v):
            return (v, v)
        if isinstance(v, (list, tuple)) and len(v) == 2 and all(amount(i) for i in v):
            return (v[0], v[1])
        return None

    if n == 1:
        one = pair(value)
        return None if one is None else (one,)
    if amount(value):
        return ((value, value),) * n
    if not isinstance(value, (list, tuple)) or len(value) != n:
        return None
    axes = [pair(v) for v in value]
    return None if any(a is None for a in axes) else tuple(a for a in axes if a is not None)


def compact_sides(sides: Sides) -> int | list[int] | list[list[int]]:
    """The shortest form netcanvas shows: an int when every side is equal, else (n=1) [start, end]
    or (n=2) [rows, columns] when each axis is symmetric, else [[top, bottom], [left, right]]."""
    flat = [s for axis in sides for s in axis]
    if all(s == flat[0] for s in flat):
        return flat[0]
    if len(sides) == 1:
        return list(sides[0])
    if all(a == b for a, b in sides):
        return [a for a, _ in sides]
    return [list(axis) for axis in sides]


def _sides_check(n: int, what: str) -> Callable[[Any], Any]:
    want = {1: "[start, end]", 2: "[rows, columns] or [[top, bottom], [left, right]]"}[n]

    def check(v: Any) -> Any:
        if parse_sides(v, n) is None:
            raise PydanticCustomError(what, f"Must be a non-negative integer or {want} of non-negative integers")
        return v

    return check


_Pair = Annotated[list[NonNegativeInt], Field(min_length=2, max_length=2)]
# An int or [start, end] (sequences); an int, a pair, or a pair of (int or pair) (images).
Sides1 = Annotated[NonNegativeInt | _Pair, BeforeValidator(_sides_check(1, "sides"))]
Sides2 = Annotated[
    NonNegativeInt | Annotated[list[NonNegativeInt | _Pair], Field(min_length=2, max_length=2)],
    BeforeValidator(_sides_check(2, "sides")),
]
