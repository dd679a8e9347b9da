"""Cropping1D and Cropping2D: steps cut off the ends of a sequence, rows and columns off an image."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import torch
from pydantic import Field
from torch import nn

from ..kerasio.config import channels_last
from .base import Layer, ParamCount, Shape, ShapeError, fmt, register
from .spatial import Sides, Sides1, Sides2, compact_sides, expect_image, expect_sequence, parse_sides

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor


class CropModule(nn.Module):
    def __init__(self, crops: tuple[tuple[int, int], ...], first_axis: int):
        super().__init__()
        self.crops = crops  # (before, after) per spatial axis
        self.first_axis = first_axis  # the tensor axis (batch counted) of the first spatial axis

    def extra_repr(self) -> str:
        return f"crops={self.crops}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, (before, after) in enumerate(self.crops):
            axis = self.first_axis + i
            x = x.narrow(axis, before, x.shape[axis] - before - after)
        return x


# What each spatial axis is called in a message: (the axis, its two ends, one unit, many units).
_AXES = {1: (("length", "start", "end", "step", "steps"),),
         2: (("height", "top", "bottom", "row", "rows"), ("width", "left", "right", "column", "columns"))}


def _count(k: int, unit: str, units: str) -> str:
    return f"{k} {unit if k == 1 else units}"


class CroppingBase(Layer):
    family = "reshaping"
    dtypes = "same"
    spatial: ClassVar[int] = 1

    cropping: Any

    def sides(self) -> Sides:
        sides = parse_sides(self.cropping, self.spatial)
        assert sides is not None  # the field's validator accepted it
        return sides

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        (x,) = inputs
        if self.spatial == 1:
            expect_sequence(self.kind(), x)
            axes = x[:1]
        else:
            expect_image(self.kind(), x)
            axes = x[1:]
        out: list[int | None] = []
        for d, (before, after), (name, first, last, unit, units) in zip(axes, self.sides(), _AXES[self.spatial]):
            if d is not None and before + after >= d:
                raise ShapeError(
                    f"{self.kind()} crops {_count(before + after, unit, units)} ({before} at the {first}, "
                    f"{after} at the {last}) but its input {fmt(x)} has a {name} of only {d}: at least one "
                    f"must remain, so crop at most {_count(d - 1, unit, units)} in total.", "cropping")
            out.append(None if d is None else d - before - after)
        return [(*out, x[1])] if self.spatial == 1 else [(x[0], *out)]

    def build(self, inputs: list[Shape]) -> nn.Module:
        # (N, T, F): time is axis 1; (N, C, H, W): height is axis 2.
        return CropModule(self.sides(), 1 if self.spatial == 1 else 2)

    def param_count(self, inputs: list[Shape]) -> ParamCount:
        return ParamCount()

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        n.plain_inputs()
        sides = [list(s) for s in self.sides()]
        if self.spatial == 1:
            return n.add("Cropping1D", {"cropping": sides[0]})
        return n.add("Cropping2D", {"cropping": sides, "data_format": "channels_last"})

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        channels_last(n)
        raw = n.cfg.get("cropping", [1, 1] if cls.spatial == 1 else 0)
        sides = parse_sides(raw, cls.spatial)
        if sides is None:
            raise n.fail(f"cropping={raw!r} is not a cropping Keras accepts")
        return n.node(cls.kind(), {"cropping": compact_sides(sides)})


@register
class Cropping1D(CroppingBase):
    """Cuts steps off the start and end of a sequence: `cropping` an int (both) or [start, end]."""

    keras_classes = ("Cropping1D",)
    examples = (
        ({"cropping": [1, 1]}, [(5, 2)]),
        ({"cropping": 2}, [(6, 3)]),
        ({"cropping": [0, 2]}, [(None, 2)]),
        ({"cropping": [3, 0]}, [(4, 2)]),
    )
    notes = ("A variable-length sequence is cropped as it comes: one not longer than the cropping "
             "fails when the model runs, as in Keras.")

    cropping: Sides1 = Field(default_factory=lambda: [1, 1])  # Keras's (1, 1)


def _uncropped() -> list[int | list[int]]:
    return [[0, 0], [0, 0]]  # Keras's default ((0, 0), (0, 0))


@register
class Cropping2D(CroppingBase):
    """Cuts rows and columns off the edges of an image (channels, height, width).

    `cropping`: an int (all sides), [rows, columns] (both sides each), [[top, bottom], [left, right]],
    or a mix such as [rows, [left, right]], as Keras accepts.
    """

    spatial = 2
    keras_classes = ("Cropping2D",)
    examples = (
        ({"cropping": [[0, 0], [0, 0]]}, [(2, 3, 3)]),
        ({"cropping": 1}, [(2, 4, 5)]),
        ({"cropping": [1, 2]}, [(1, 4, 6)]),
        ({"cropping": [[1, 0], [0, 2]]}, [(3, 3, 4)]),
        ({"cropping": [[0, 2], 1]}, [(1, 5, 4)]),
    )
    notes = ('Keras\'s default data_format (channels_last) only: data_format="channels_first" is refused '
             "at import. netcanvas's images are (channels, height, width): the height and width are cropped.")

    cropping: Sides2 = Field(default_factory=_uncropped)
