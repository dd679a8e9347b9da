"""Input, Activation, Dropout, Flatten, Embedding (to be split one file per kind)."""

from __future__ import annotations

import math
from typing import Literal

import torch
from pydantic import Field, PositiveInt
from torch import nn

from .activations import ActivationName, activation_module
from .base import Layer, Shape, ShapeError, fmt, register, required
from .initializers import embedding_


@register
class Input(Layer):
    """Where data enters the network; `shape` excludes the batch axis (None: any length)."""

    family = "input"
    min_inputs = 0
    max_inputs = 0

    shape: list[PositiveInt | None] = required([784], min_length=1)
    dtype: Literal["float32", "int64"] = "float32"

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        return [tuple(self.shape)]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return nn.Identity()


@register
class Activation(Layer):
    """Applies an activation function element-wise (softmax over the feature axis)."""

    family = "activation"
    elementwise = True
    activation: ActivationName = "relu"

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        return [inputs[0]]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return activation_module(self.activation)


@register
class Dropout(Layer):
    """Randomly zeroes a fraction `rate` of the inputs while training; identity at inference."""

    elementwise = True

    rate: float = Field(0.5, ge=0.0, lt=1.0)

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        return [inputs[0]]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return nn.Dropout(self.rate)


@register
class Flatten(Layer):
    """Flattens everything but the batch axis into one vector (C·H·W order for images)."""

    family = "reshaping"

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        (x,) = inputs
        if any(d is None for d in x):
            raise ShapeError(
                f"Flatten needs every dimension known, got {fmt(x)}: for sequences of any length use "
                "GlobalAveragePooling1D, or a recurrent layer without return_sequences, to get one vector."
            )
        return [(math.prod(x),)]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return nn.Flatten()


class EmbeddingModule(nn.Module):
    def __init__(self, input_dim: int, output_dim: int):
        super().__init__()
        self.embedding = embedding_(nn.Embedding(input_dim, output_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.embedding(x.long())


@register
class Embedding(Layer):
    """Turns token ids (integers below input_dim) into learned vectors: (time,) → (time, output_dim)."""

    input_dim: PositiveInt = required(1000)
    output_dim: PositiveInt = required(32)

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        (x,) = inputs
        if len(x) == 3:
            raise ShapeError(f"Embedding expects token ids (time,), got the image {fmt(x)}: use Flatten and "
                             "Dense for images.")
        return [x + (self.output_dim,)]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return EmbeddingModule(self.input_dim, self.output_dim)
