"""Reshape: the same values in a new shape, read in netcanvas's (channels-first) order."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated

import torch
from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError
from torch import nn

from ..kerasio.layout import is_image, to_channels_first_dims, to_channels_last_dims, to_netcanvas_shape
from .base import Layer, ParamCount, Shape, ShapeError, fmt, register, required

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor


class ReshapeModule(nn.Module):
    def __init__(self, target_shape: tuple[int, ...]):
        super().__init__()
        self.target_shape = target_shape

    def extra_repr(self) -> str:
        return f"target_shape={self.target_shape}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], *self.target_shape)


@register
class Reshape(Layer):
    """Rearranges the values into `target_shape` (batch excluded); one entry may be -1 (computed)."""

    family = "reshaping"
    keras_classes = ("Reshape",)
    dtypes = "same"
    examples = (
        ({"target_shape": [3, 4]}, [(12,)]),
        ({"target_shape": [2, 3, 4]}, [(24,)]),  # a vector → an image of 2 channels
        ({"target_shape": [1, 4, 6]}, [(24,)]),  # one channel: the same order in both layouts
        ({"target_shape": [-1, 6]}, [(2, 3, 4)]),  # an image → a sequence, read channel by channel
        ({"target_shape": [4, 3, 2]}, [(2, 3, 4)]),
        ({"target_shape": [-1, 4]}, [(None, 8)]),  # a variable length stays variable
        ({"target_shape": [2, 2, 3, 2]}, [(24,)]),  # rank 4: features last in both layouts
    )
    notes = ("target_shape is in netcanvas's layout: an image is (channels, height, width) and its "
             "values are read and written channel by channel, as in PyTorch. Keras reads a "
             "channels-last (height, width, channels) tensor in its own order, so a Reshape that reads "
             "or makes an image with more than one channel exports as Permute → Reshape → Permute "
             "(predictions equal), and a Keras Reshape imports the same way. Keras's None in "
             "target_shape becomes -1.")

    target_shape: list[Annotated[int, Field(ge=-1)]] = required([1, 28, 28], min_length=1)

    @field_validator("target_shape")
    @classmethod
    def _sizes(cls, v: list[int]) -> list[int]:
        if 0 in v:
            raise PydanticCustomError("target_shape", "Every size must be positive, or -1 for the one size to compute")
        if v.count(-1) > 1:
            raise PydanticCustomError("target_shape", "Only one size may be -1")
        return v

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        (x,) = inputs
        target = self.target_shape
        known = math.prod(d for d in target if d != -1)
        if None in x:
            if -1 not in target:
                raise ShapeError(
                    f"Reshape of {fmt(x)}, which has a variable length, needs -1 in target_shape for "
                    "the size that varies.", "target_shape")
            return [tuple(None if d == -1 else d for d in target)]
        total = math.prod(d for d in x if d is not None)  # every size is known here
        if -1 in target:
            if total % known:
                raise ShapeError(
                    f"Reshape cannot turn {fmt(x)} ({total} values) into {fmt(tuple(target))}: "
                    f"{total} is not a multiple of {known}.", "target_shape")
            return [tuple(total // known if d == -1 else d for d in target)]
        if known != total:
            raise ShapeError(
                f"Reshape cannot turn {fmt(x)} ({total} values) into {fmt(tuple(target))} ({known} values): "
                "the number of values must stay the same. Put -1 for one size to have it computed.",
                "target_shape")
        return [tuple(target)]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return ReshapeModule(tuple(self.target_shape))

    def param_count(self, inputs: list[Shape]) -> ParamCount:
        return ParamCount()

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        (x,) = n.plain_inputs()
        src, target = n.input_shapes[0], n.output_shapes[0]
        want = list(self.target_shape)
        # (1, H, W) and (H, W, 1) hold the values in the same order; more channels do not.
        if is_image(src) and src[0] != 1:  # back to (C, H, W) so Keras reads the values as torch does
            (x,) = n.add("Permute", {"dims": list(to_channels_first_dims(len(src)))}, inputs=[x],
                         out_shapes=[to_netcanvas_shape(src)], suffix="_channels_first")
        if is_image(target) and target[0] != 1:
            # A KTensor is named by the netcanvas shape whose channels-last form the Keras tensor has.
            (y,) = n.add("Reshape", {"target_shape": want}, inputs=[x], out_shapes=[to_netcanvas_shape(target)],
                         suffix="_reshape")
            return n.add("Permute", {"dims": list(to_channels_last_dims(len(target)))}, inputs=[y])
        keras_target = [*want[1:], want[0]] if is_image(target) else want
        return n.add("Reshape", {"target_shape": keras_target}, inputs=[x])

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        (x,) = n.inputs
        target = [-1 if d is None else int(d) for d in n.cfg["target_shape"]]
        inputs = None
        if is_image(x.shape) and x.shape[0] != 1:  # to (H, W, C): the order Keras reads values in
            inputs = n.node("Permute", {"dims": list(to_channels_last_dims(len(x.shape)))}, suffix="_channels_last")
        if len(target) == 3 and target[-1] != 1:
            # netcanvas reshapes to Keras's (H, W, C), then moves the channels first.
            y = n.node("Reshape", {"target_shape": target}, inputs=inputs, suffix="_reshape")
            return n.node("Permute", {"dims": list(to_channels_first_dims(len(target)))}, inputs=y)
        nc_target = [target[-1], *target[:-1]] if len(target) == 3 else target
        return n.node("Reshape", {"target_shape": nc_target}, inputs=inputs)
