"""Flatten: everything but the batch axis as one vector, C·H·W order for images.

Keras flattens its channels-last (H, W, C) image H·W·C. When every reader of the vector can
reorder its own weights (Dense) or keeps element order (Dropout, activations), the export and
import hand the permuted vector on (kerasio.perm); otherwise the image is transposed back to
(C, H, W) first, so the vector is the same in both.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from torch import nn

from ..kerasio.config import channels_last
from ..kerasio.layout import (
    flatten_perm,
    is_image,
    to_channels_first_dims,
    to_channels_last_dims,
    to_netcanvas_shape,
)
from .base import Layer, Shape, ShapeError, fmt, register

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor


@register
class Flatten(Layer):
    """Flattens everything but the batch axis into one vector (C·H·W order for images)."""

    family = "reshaping"
    keras_classes = ("Flatten",)
    dtypes = "same"
    examples = (({}, [(3, 4, 5)]), ({}, [(4, 3)]), ({}, [(6,)]), ({}, [(2, 3, 4, 2)]))
    notes = ("An image flattens C·H·W in netcanvas and H·W·C in Keras: when only Dense layers (possibly "
             "through element-wise layers) read the vector, their kernel rows are reordered; otherwise the "
             "export adds a Permute back to (C, H, W) before Keras's Flatten (and the import a Permute to "
             "(H, W, C)), so the vectors are equal. Keras's data_format='channels_first' is refused.")

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        (x,) = inputs
        if any(d is None for d in x):
            raise ShapeError(
                f"Flatten needs every dimension known, got {fmt(x)}: for sequences of any length use "
                "GlobalAveragePooling1D, or a recurrent layer without return_sequences, to get one vector."
            )
        return [(math.prod(d for d in x if d is not None),)]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return nn.Flatten()

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        n.plain_inputs()
        shape = n.input_shapes[0]
        cfg = {"data_format": "channels_last"}
        if not is_image(shape):
            return n.add("Flatten", cfg)
        if n.perm_ok:  # Keras flattens H·W·C; the Dense layers reading this reorder their kernel rows
            (out,) = n.add("Flatten", cfg)
            out.perm = flatten_perm(shape)
            return [out]
        # A KTensor describes its Keras tensor by the netcanvas shape whose channels-last form it has.
        chw = n.add("Permute", {"dims": list(to_channels_first_dims(len(shape)))}, suffix="_channels_first",
                    out_shapes=[to_netcanvas_shape(shape)])
        return n.add("Flatten", cfg, inputs=chw)

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        channels_last(n)
        (x,) = n.inputs
        if not is_image(x.shape):
            return n.node("Flatten", {})
        if n.perm_ok:  # only Dense (and element-wise) layers read it: their kernel rows get reordered
            (out,) = n.node("Flatten", {})
            out.perm = flatten_perm(x.shape)
            return [out]
        hwc = n.node("Permute", {"dims": list(to_channels_last_dims(len(x.shape)))}, suffix="_channels_last")
        return n.node("Flatten", {}, inputs=hwc)
