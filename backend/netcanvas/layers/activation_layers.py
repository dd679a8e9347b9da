"""Keras's activation layers with settings: ReLU, LeakyReLU, PReLU, ELU, Softmax.

All keep the input's shape and work on any rank. Formulas are Keras 3's
(keras/src/layers/activations, keras/src/activations/activations.py). PReLU's learned `alpha`
(module attribute `.alpha`) has the input's shape in netcanvas's layout, 1 on the shared axes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import torch
from pydantic import Field, PositiveInt
from torch import nn

from ..kerasio.config import nc_axis
from ..kerasio.layout import keras_axis, netcanvas_axis
from ..kerasio.model import placeholder
from .base import Layer, ParamCount, Shape, ShapeError, feature_axis, fmt, register, resolve_axis

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor

class ReLUModule(nn.Module):
    """Keras 3's relu(x, negative_slope, max_value, threshold), step for step."""

    def __init__(self, max_value: float | None, negative_slope: float, threshold: float):
        super().__init__()
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        slope, top, thr = self.negative_slope, self.max_value, self.threshold
        negative = None
        if slope != 0.0:
            if top is None and thr == 0.0:
                return nn.functional.leaky_relu(x, slope)
            negative = torch.relu(thr - x) if thr != 0.0 else torch.relu(-x)
        if thr != 0.0:
            y = torch.where(x > thr, x, torch.zeros_like(x))
        else:
            y = torch.relu(x)
        if top is not None:
            y = torch.clamp(y, 0.0, top)
        if negative is not None:
            y = y - slope * negative
        return y


class _SameShape(Layer):
    family = "activation"
    elementwise = True

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        return [inputs[0]]


@register
class ReLU(_SameShape):
    """max(x, 0), optionally capped at max_value, thresholded, and leaky below the threshold."""

    keras_classes = ("ReLU",)
    examples = (
        ({}, [(6,)]),
        ({"max_value": 6.0}, [(3, 4, 4)]),
        ({"max_value": 1.5, "negative_slope": 0.1, "threshold": 0.2}, [(None, 3)]),
        ({"negative_slope": 0.25}, [(5, 2)]),
        ({"threshold": 0.5}, [(2, 3, 3)]),
    )
    notes = "Keras's formula: x ≥ max_value → max_value; threshold ≤ x < max_value → x; else negative_slope·(x − threshold)."

    max_value: float | None = Field(None, ge=0.0)
    negative_slope: float = Field(0.0, ge=0.0)
    threshold: float = Field(0.0, ge=0.0)

    def build(self, inputs: list[Shape]) -> nn.Module:
        return ReLUModule(self.max_value, self.negative_slope, self.threshold)

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        cfg = {"max_value": self.max_value, "negative_slope": self.negative_slope, "threshold": self.threshold}
        return n.passthrough(n.add("ReLU", cfg))

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        cfg = n.cfg
        top = cfg.get("max_value")
        params = {"max_value": None if top is None else float(top),
                  "negative_slope": float(cfg.get("negative_slope", 0.0)), "threshold": float(cfg.get("threshold", 0.0))}
        return n.passthrough(n.node("ReLU", params))


class LeakyReLUModule(nn.Module):
    def __init__(self, negative_slope: float):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.leaky_relu(x, self.negative_slope)


@register
class LeakyReLU(_SameShape):
    """x for x ≥ 0, negative_slope·x below (Keras's layer default slope 0.3)."""

    keras_classes = ("LeakyReLU",)
    examples = (({}, [(6,)]), ({"negative_slope": 0.05}, [(2, 4, 3)]), ({"negative_slope": 0.5}, [(None, 3)]))
    notes = ("The layer's default slope is 0.3 (Keras's), the `leaky_relu` activation name's 0.2 (Keras's "
             "function). Keras 2 files store the slope as `alpha`: it is read.")

    negative_slope: float = Field(0.3, ge=0.0)

    def build(self, inputs: list[Shape]) -> nn.Module:
        return LeakyReLUModule(self.negative_slope)

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        return n.passthrough(n.add("LeakyReLU", {"negative_slope": self.negative_slope}))

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        slope = n.cfg.get("negative_slope", n.cfg.get("alpha", 0.3))  # Keras 2: alpha
        return n.passthrough(n.node("LeakyReLU", {"negative_slope": float(slope)}))


class PReLUModule(nn.Module):
    """relu(x) − alpha·relu(−x), Keras's formula; alpha broadcasts over the shared axes."""

    def __init__(self, alpha_shape: tuple[int, ...], initial: float):
        super().__init__()
        self.alpha = nn.Parameter(torch.full(alpha_shape, initial))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x) - self.alpha * torch.relu(-x)


_INITIAL = {"zeros": 0.0, "ones": 1.0}
_KERAS_INIT_NAMES = {"zeros": "zeros", "zeros_initializer": "zeros", "ones": "ones", "ones_initializer": "ones"}


def _keras_initializer(n: ImportNode, value: Any) -> str:
    """A Keras initializer setting (a name or {"class_name": "Zeros", ...}) → "zeros" / "ones"."""
    name = value
    if isinstance(value, dict):
        name = value.get("class_name")
        if name == "Constant":  # Constant(0.0) or Constant(1.0) are zeros / ones
            v = (value.get("config") or {}).get("value")
            name = "zeros" if v == 0 else "ones" if v == 1 else None
    key = str(name).lower() if name is not None else ""
    if key not in _KERAS_INIT_NAMES:
        raise n.fail(f"alpha_initializer={value!r} is not supported (netcanvas has zeros or ones)")
    return _KERAS_INIT_NAMES[key]


@register
class PReLU(_SameShape):
    """Leaky ReLU whose negative slope `alpha` is learned, one per element (or shared over axes)."""

    keras_classes = ("PReLU",)
    examples = (
        ({}, [(5,)]),
        ({"shared_axes": [2, 3]}, [(4, 3, 5)]),  # Keras's shared_axes=[1, 2] on (H, W, C): one alpha per channel
        ({}, [(2, 3, 4)]),
        ({"shared_axes": [1]}, [(None, 3)]),  # a sequence of any length: one alpha per feature
        ({"alpha_initializer": "ones", "shared_axes": [1, 3]}, [(2, 3, 4)]),
    )
    notes = ("`shared_axes` count the batch axis as Keras's do, in netcanvas's layout: for a (C, H, W) image "
             "one alpha per channel is shared_axes=[2, 3] (Keras's [1, 2] on (H, W, C)); export and import map "
             "them and transpose alpha. An axis of variable length must be shared. Initializers: zeros "
             "(Keras's default) or ones; regularizers and constraints are refused at import.")

    alpha_initializer: Literal["zeros", "ones"] = "zeros"
    shared_axes: list[PositiveInt] | None = None

    def alpha_shape(self, x: Shape) -> tuple[int, ...]:
        shared = set(self.shared_axes or ())
        rank = len(x)
        bad = sorted(a for a in shared if a > rank)
        if bad:
            raise ShapeError(f"PReLU shared_axes {bad} do not exist for the input {fmt(x)} (its axes are "
                             f"1..{rank}; axis 0 is the batch).", "shared_axes")
        out = []
        for i, d in enumerate(x):
            if i + 1 in shared:
                out.append(1)
            elif d is None:
                raise ShapeError(f"PReLU needs one alpha per element, but axis {i + 1} of {fmt(x)} has a variable "
                                 f"length: add {i + 1} to shared_axes.", "shared_axes")
            else:
                out.append(d)
        return tuple(out)

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        self.alpha_shape(inputs[0])
        return [inputs[0]]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return PReLUModule(self.alpha_shape(inputs[0]), _INITIAL[self.alpha_initializer])

    def param_count(self, inputs: list[Shape]) -> ParamCount:
        return ParamCount(math.prod(self.alpha_shape(inputs[0])))

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        rank = len(n.input_shapes[0])
        weight = n.module.alpha
        assert isinstance(weight, torch.Tensor)
        alpha = n.array(weight)
        if rank == 3:
            alpha = np.moveaxis(alpha, 0, -1)  # (C, H, W) → (H, W, C)
        perm = n.inputs[0].perm
        if perm is not None and alpha.shape[0] > 1 and not placeholder(alpha):
            alpha = alpha[perm]  # a flattened image: Keras's vector is H·W·C where netcanvas's is C·H·W
        shared = None
        if self.shared_axes is not None:
            shared = sorted(keras_axis(a - 1, rank) % (rank + 1) for a in self.shared_axes)
        cfg = {"alpha_initializer": self.alpha_initializer, "alpha_regularizer": None, "alpha_constraint": None,
               "shared_axes": shared}
        return n.passthrough(n.add("PReLU", cfg, weights=[("alpha", alpha)]))

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        (x,) = n.inputs
        rank = len(x.shape)
        shared = n.cfg.get("shared_axes")
        if shared is not None:
            shared = [shared] if isinstance(shared, int) else list(shared)
            if any(int(a) < 1 for a in shared):  # Keras itself misreads negative ones (param_shape[i - 1])
                raise n.fail(f"shared_axes={shared} (axes below 1) is not supported")
            shared = sorted(netcanvas_axis(int(a), rank) for a in shared)
        params = {"alpha_initializer": _keras_initializer(n, n.cfg.get("alpha_initializer", "zeros")),
                  "shared_axes": shared}

        def load(m: nn.Module) -> None:
            alpha = n.weight(0)
            if rank == 3:
                alpha = np.moveaxis(alpha, -1, 0)  # (H, W, C) → (C, H, W)
            if x.perm is not None and alpha.shape[0] > 1:  # Keras's flat vector is H·W·C, netcanvas's C·H·W
                alpha = alpha[np.argsort(x.perm)]
            assert isinstance(m, PReLUModule)
            n.set(m.alpha, alpha, "alpha")

        return n.passthrough(n.node("PReLU", params, load))


class ELUModule(nn.Module):
    def __init__(self, alpha: float):
        super().__init__()
        self.alpha = alpha

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.elu(x, self.alpha)


@register
class ELU(_SameShape):
    """x for x > 0, alpha·(exp(x) − 1) below."""

    keras_classes = ("ELU",)
    examples = (({}, [(6,)]), ({"alpha": 0.5}, [(3, 4, 4)]), ({"alpha": 2.0}, [(None, 3)]))

    alpha: float = 1.0

    def build(self, inputs: list[Shape]) -> nn.Module:
        return ELUModule(self.alpha)

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        return n.passthrough(n.add("ELU", {"alpha": self.alpha}))

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        return n.passthrough(n.node("ELU", {"alpha": float(n.cfg.get("alpha", 1.0))}))


class SoftmaxModule(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim  # batch counted

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(x, dim=self.dim)


@register
class Softmax(_SameShape):
    """exp(x) / sum(exp(x)) over `axis` (default: the feature axis — channels for images)."""

    keras_classes = ("Softmax",)
    examples = (
        ({}, [(5,)]),
        ({}, [(3, 4, 2)]),  # an image: over the channels
        ({"axis": 2}, [(3, 4, 2)]),  # over the height
        ({"axis": 1}, [(4, 6)]),  # a sequence: over the time steps
        ({"axis": -1}, [(None, 3)]),
    )
    notes = ("`axis` counts the batch axis and is in netcanvas's layout (None: the feature axis, the channels of "
             "a (C, H, W) image = Keras's default -1 on (H, W, C)); export and import map it. A softmax over "
             "several axes at once is refused at import.")

    axis: int | None = None

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        resolve_axis(self.axis, len(inputs[0]))  # the axis must exist
        return [inputs[0]]

    def build(self, inputs: list[Shape]) -> nn.Module:
        return SoftmaxModule(resolve_axis(self.axis, len(inputs[0])) + 1)

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        rank = len(n.input_shapes[0])
        return n.passthrough(n.add("Softmax", {"axis": keras_axis(resolve_axis(self.axis, rank), rank)}))

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        rank = len(n.inputs[0].shape)
        axis = nc_axis(n, n.cfg.get("axis", -1), rank)
        return n.passthrough(n.node("Softmax", {"axis": None if axis == feature_axis(rank) else axis}))

