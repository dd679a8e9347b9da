"""Input: where data enters the network (Keras's InputLayer)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import PositiveInt
from torch import nn

from ..kerasio.layout import to_netcanvas_shape
from .base import Layer, Shape, register, required

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor


@register
class Input(Layer):
    """Where data enters the network; `shape` excludes the batch axis (None: any length)."""

    family = "input"
    min_inputs = 0
    max_inputs = 0
    keras_classes = ("InputLayer",)
    notes = ("An image Input is (channels, height, width) in netcanvas and (height, width, channels) in "
             "Keras: export and import transpose it. Integer inputs (token ids) are int64 here and int32 "
             "in Keras. Every example graph of every other kind starts with Inputs, so they cover this "
             "kind's Keras side.")

    shape: list[PositiveInt | None] = required([784], min_length=1)
    dtype: Literal["float32", "int64"] = "float32"

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        return [tuple(self.shape)]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return nn.Identity()

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        return [n.b.add_input(n.name, n.output_shapes[0], self.dtype, n.id)]

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        cfg = n.cfg
        shape = cfg.get("batch_shape") or cfg.get("batch_input_shape")  # Keras 3 / Keras 2
        if not shape or len(shape) < 2:
            raise n.fail("it has no shape")
        if cfg.get("sparse") or cfg.get("ragged"):
            raise n.fail("sparse or ragged inputs are not supported")
        dtype = cfg.get("dtype")
        dtype = dtype if isinstance(dtype, str) else "float32"  # Keras 3 may store a DTypePolicy
        nc_dtype = "int64" if dtype.startswith(("int", "uint")) else "float32"
        return n.node("Input", {"shape": list(to_netcanvas_shape(tuple(shape[1:]))), "dtype": nc_dtype})
