"""Dense: activation(input · kernel + bias) on the feature axis — the pattern every kind follows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import torch
from pydantic import PositiveInt
from torch import nn

from ..kerasio.config import keras_activation
from ..kerasio.model import placeholder
from .activations import ActivationName, activation_module
from .base import Layer, ParamCount, Shape, ShapeError, fmt, known, register, required
from .initializers import glorot_

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor


class DenseModule(nn.Module):
    def __init__(self, in_features: int, units: int, use_bias: bool, activation: str, channels_axis: bool):
        super().__init__()
        self.linear: nn.Linear = glorot_(nn.Linear(in_features, units, bias=use_bias))
        self.activation = activation_module(activation)
        self.channels_axis = channels_axis

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.channels_axis:  # (N, C, H, W): the features are the channels, as in Keras's (N, H, W, C)
            return self.activation(self.linear(x.movedim(1, -1)).movedim(-1, 1))
        return self.activation(self.linear(x))


@register
class Dense(Layer):
    """Fully connected layer: activation(input · kernel + bias) on the feature axis."""

    keras_classes = ("Dense",)
    absorbs_flat_perm = True
    examples = (
        ({"units": 3}, [(5,)]),
        ({"units": 4, "activation": "relu", "use_bias": False}, [(6,)]),
        ({"units": 2, "activation": "softmax"}, [(4, 3)]),  # a sequence: every step
        ({"units": 3, "activation": "tanh"}, [(2, 4, 5)]),  # an image: every pixel's channels
    )
    notes = ("Keras applies Dense to the last axis. On an image netcanvas applies it to the channels "
             "(C, H, W) → (units, H, W), which is Keras's last axis of (H, W, C): a Keras Dense on an "
             "image imports exactly and exports back. To classify a whole image, put a Flatten (or a "
             "global pooling) before it.")

    units: PositiveInt = required(32)
    activation: ActivationName = "linear"
    use_bias: bool = True

    def _features(self, x: Shape) -> int:
        f = x[0] if len(x) == 3 else x[-1]
        if f is None:
            raise ShapeError(f"Dense needs a known feature dimension, got {fmt(x)}.")
        return f

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        (x,) = inputs
        self._features(x)
        if len(x) == 3:
            return [(self.units, *x[1:])]
        return [x[:-1] + (self.units,)]

    def build(self, inputs: list[Shape]) -> nn.Module:
        x = inputs[0]
        return DenseModule(self._features(x), self.units, self.use_bias, self.activation, len(x) == 3)

    def param_count(self, inputs: list[Shape]) -> ParamCount:
        return ParamCount(self._features(inputs[0]) * self.units + (self.units if self.use_bias else 0))

    def macs(self, inputs: list[Shape], outputs: list[Shape]) -> int:
        # every output value is one dot product over the features
        return known(outputs[0]) * self._features(inputs[0])

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        (x,) = n.inputs
        lin = cast(DenseModule, n.module).linear
        kernel = n.array(lin.weight).T  # (in, out)
        if x.perm is not None and not placeholder(kernel):
            kernel = kernel[x.perm]  # Keras flattened H·W·C where netcanvas flattened C·H·W
        weights: list[tuple[str, Any]] = [("kernel", kernel)] + ([("bias", lin.bias)] if self.use_bias else [])
        cfg = {"units": self.units, "activation": self.activation, "use_bias": self.use_bias}
        return n.add("Dense", cfg, weights=weights)

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        cfg = n.cfg
        (x,) = n.inputs
        use_bias = bool(cfg.get("use_bias", True))
        if cfg.get("lora_rank") not in (None, 0):  # regularizers and constraints: refused by the driver
            raise n.fail(f"lora_rank={cfg['lora_rank']!r} is not supported")

        def load(m: nn.Module) -> None:
            lin = cast(DenseModule, m).linear
            kernel = n.weight(0)
            if x.perm is not None:  # Keras flattened H·W·C; netcanvas flattens C·H·W
                kernel = kernel[torch.argsort(torch.as_tensor(x.perm)).numpy()]
            n.set(lin.weight, kernel.T, "kernel")
            if use_bias:
                n.set(lin.bias, n.weight(1), "bias")

        params = {"units": cfg["units"], "activation": keras_activation(n, cfg.get("activation")),
                  "use_bias": use_bias}
        return n.node("Dense", params, load)
