"""ZeroPadding1D and ZeroPadding2D: zeros added at the ends of a sequence or around an image."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from ..kerasio.config import channels_last
from .base import Layer, ParamCount, Shape, register
from .spatial import Sides, Sides1, Sides2, compact_sides, expect_image, expect_sequence, parse_sides

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor


class ZeroPadModule(nn.Module):
    def __init__(self, pads: tuple[int, ...]):
        super().__init__()
        self.pads = pads  # F.pad order: the last axis first, (before, after) each

    def extra_repr(self) -> str:
        return f"pads={self.pads}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pad(x, self.pads)


class ZeroPaddingBase(Layer):
    family = "reshaping"
    dtypes = "same"
    spatial: ClassVar[int] = 1
    notes = ('Keras\'s default data_format (channels_last) only: data_format="channels_first" is refused '
             "at import.")

    padding: Any

    def sides(self) -> Sides:
        sides = parse_sides(self.padding, self.spatial)
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
        out = tuple(None if d is None else d + a + b for d, (a, b) in zip(axes, self.sides()))
        return [(*out, x[1])] if self.spatial == 1 else [(x[0], *out)]

    def build(self, inputs: list[Shape]) -> nn.Module:
        if self.spatial == 1:  # (N, T, F): the time axis is the second to last
            ((start, end),) = self.sides()
            return ZeroPadModule((0, 0, start, end))
        (top, bottom), (left, right) = self.sides()
        return ZeroPadModule((left, right, top, bottom))

    def param_count(self, inputs: list[Shape]) -> ParamCount:
        return ParamCount()

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        n.plain_inputs()
        sides = [list(s) for s in self.sides()]
        return n.add(self.kind(), {"padding": sides[0] if self.spatial == 1 else sides,
                                   "data_format": "channels_last"})

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        channels_last(n)
        raw = n.cfg.get("padding", 1)
        sides = parse_sides(raw, cls.spatial)
        if sides is None:
            raise n.fail(f"padding={raw!r} is not a padding Keras accepts")
        return n.node(cls.kind(), {"padding": compact_sides(sides)})


@register
class ZeroPadding1D(ZeroPaddingBase):
    """Adds zero steps at the start and end of a sequence: `padding` an int (both) or [start, end]."""

    keras_classes = ("ZeroPadding1D",)
    examples = (
        ({"padding": 1}, [(4, 3)]),
        ({"padding": [2, 0]}, [(None, 2)]),
        ({"padding": [0, 3]}, [(3, 2)]),
    )

    padding: Sides1 = 1


@register
class ZeroPadding2D(ZeroPaddingBase):
    """Adds rows and columns of zeros around an image.

    `padding`: an int (all sides), [rows, columns] (both sides each), [[top, bottom], [left, right]],
    or a mix such as [rows, [left, right]], as Keras accepts.
    """

    spatial = 2
    keras_classes = ("ZeroPadding2D",)
    examples = (
        ({"padding": 1}, [(2, 3, 3)]),
        ({"padding": [1, 2]}, [(1, 2, 3)]),
        ({"padding": [[1, 2], [0, 3]]}, [(2, 2, 2)]),
        ({"padding": [2, [0, 1]]}, [(1, 3, 2)]),
    )

    padding: Sides2 = 1
