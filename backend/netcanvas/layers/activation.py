"""Activation: one of Keras's named activation functions as a layer of its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from torch import nn

from ..kerasio.config import keras_activation
from .activations import ActivationName, activation_module
from .base import Layer, Shape, register

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor


@register
class Activation(Layer):
    """Applies an activation function element-wise (softmax over the feature axis)."""

    family = "activation"
    elementwise = True
    keras_classes = ("Activation",)
    examples = (
        ({"activation": "relu"}, [(6,)]),
        ({"activation": "softmax"}, [(3, 4, 5)]),  # an image: softmax over the channels
        ({"activation": "log_softmax"}, [(None, 4)]),
        ({"activation": "gelu"}, [(2, 5)]),
        ({"activation": "mish"}, [(4, 3, 3)]),
        ({"activation": "hard_silu"}, [(7,)]),
        ({"activation": "leaky_relu"}, [(7,)]),
        ({"activation": "silu"}, [(5, 2)]),
    )
    notes = ("softmax and log_softmax run over the feature axis: the channels of a (C, H, W) image, which "
             "is Keras's last axis of (H, W, C). Keras's layers ReLU, LeakyReLU, PReLU, ELU and Softmax are "
             "kinds of their own. `silu`/`swish` and `hard_silu`/`hard_swish` are the same functions under "
             "Keras's two names; a Keras file's `silu` imports as `swish`.")

    activation: ActivationName = "relu"

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        return [inputs[0]]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return activation_module(self.activation)

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        return n.passthrough(n.add("Activation", {"activation": self.activation}))

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        return n.passthrough(n.node("Activation", {"activation": keras_activation(n, n.cfg.get("activation"))}))
