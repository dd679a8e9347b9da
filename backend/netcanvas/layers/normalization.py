"""Normalization: (x − mean) / sqrt(variance) with a mean and variance per index of the kept axes,
given as params or adapted from the training data (Keras's `layer.adapt(x_train)`).

`axis` names the kept axes (batch counted): None (the default) the feature axis (an image's
channels, Keras's -1 of (H, W, C)), an int, a list, or [] for one mean and variance over every
value (Keras's axis=None). Without `mean`/`variance` the module has Keras's three non-trainable
weights: buffers `mean`, `variance` (the kept axes' sizes, netcanvas's axis order) and `count`
(Keras 3 keeps it for its file layout and leaves it 0; netcanvas writes the number of
values per index it adapted from, as Keras 2 did); training fills mean and variance from
the data set's training split before the first epoch (training/adapt.py). With them given, the
values are constants of the module (Keras counts no weights then).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import torch
from torch import nn

from .base import Layer, ParamCount, Shape, ShapeError, register
from .norm_axes import (
    Axes,
    axis_param,
    from_keras_axes,
    from_keras_weight,
    keras_axes,
    resolve_axes,
    sizes,
    to_keras_weight,
)

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor

EPSILON = 1e-7  # Keras's backend.epsilon(): the smallest standard deviation divided by


class NormalizeModule(nn.Module):
    """Standardizes (or, inverted, de-standardizes) with a mean and variance over `keep` (batch counted)."""

    mean: torch.Tensor  # buffers, when adapted
    variance: torch.Tensor
    count: torch.Tensor

    def __init__(self, kept: tuple[int, ...], keep: tuple[int, ...], view: tuple[int, ...], invert: bool,
                 mean_value: tuple[float, ...] | None = None, variance_value: tuple[float, ...] | None = None):
        super().__init__()
        self.keep, self.view, self.invert = keep, view, invert
        self.mean_value, self.variance_value = mean_value, variance_value
        self.adapts = mean_value is None  # the training data gives mean and variance
        if self.adapts:
            self.register_buffer("mean", torch.zeros(kept))
            self.register_buffer("variance", torch.ones(kept))
            self.register_buffer("count", torch.zeros(()))

    def _stats(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.mean_value is None or self.variance_value is None:
            return self.mean.reshape(self.view), self.variance.reshape(self.view)
        mean = torch.tensor(self.mean_value, dtype=x.dtype, device=x.device)
        var = torch.tensor(self.variance_value, dtype=x.dtype, device=x.device)
        if mean.numel() == 1:  # one number for every index
            return mean.reshape(()), var.reshape(())
        return mean.reshape(self.view), var.reshape(self.view)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.float()
        mean, var = self._stats(x)
        std = torch.clamp(torch.sqrt(var), min=EPSILON)
        return mean + x * std if self.invert else (x - mean) / std


def _values(v: float | list[float] | None) -> tuple[float, ...] | None:
    if v is None:
        return None
    return (float(v),) if isinstance(v, (int, float)) else tuple(float(a) for a in v)


@register
class Normalization(Layer):
    """Standardizes inputs with a mean and variance adapted from the training data (or given)."""

    family = "preprocessing"
    keras_classes = ("Normalization",)
    examples = (
        ({}, [(5,)]),  # adapted: mean and variance per feature
        ({}, [(3, 4, 5)]),  # an image: per channel
        ({"axis": []}, [(4,)]),  # one mean and variance for every value
        ({"axis": [1, 2]}, [(2, 3, 4)]),  # per (channel, row): transposed to Keras's (row, channel)
        ({"axis": 1, "invert": True}, [(4, 3)]),
        ({"mean": [1.0, 2.0, 3.0], "variance": [1.0, 4.0, 0.25]}, [(3,)]),
        ({"mean": 0.5, "variance": 2.0, "axis": []}, [(2, 3, 4)]),
        ({"mean": [0.1, 0.2], "variance": [1.5, 0.5], "invert": True}, [(2, 4, 4)]),
    )
    notes = ("axis None (the default) is the feature axis: an image's channels (Keras's -1 of (H, W, C)); "
             "[] is Keras's axis=None (one mean and variance over every value). Without mean and variance "
             "they are adapted from the chosen data set's training split before training starts, as "
             "`layer.adapt(x_train)` would (a run that starts from earlier weights keeps them). Given, they "
             "are one number or one per index of a single kept axis.")

    axis: Axes = None
    mean: float | list[float] | None = None
    variance: float | list[float] | None = None
    invert: bool = False

    def _kept(self, x: Shape) -> tuple[int, ...]:
        if (self.mean is None) != (self.variance is None):
            raise ShapeError("Normalization needs both mean and variance, or neither (then training adapts "
                             "them from the data set).", "mean" if self.mean is None else "variance")
        if isinstance(self.mean, list) != isinstance(self.variance, list) or (
                isinstance(self.mean, list) and len(self.mean) != len(self.variance)):  # type: ignore[arg-type]
            raise ShapeError("Normalization's mean and variance need the same form: both one number, or lists "
                             "of the same length.", "variance")
        idx = resolve_axes("Normalization", self.axis, x) if self.axis != [] else ()
        several = isinstance(self.mean, list) and len(self.mean) > 1
        if several and (len(idx) != 1 or x[idx[0]] != len(self.mean)):  # type: ignore[arg-type]
            kept = ", ".join(str(x[i]) for i in idx) or "none"
            raise ShapeError(f"Normalization's mean has {len(self.mean)} values but the kept axes have sizes "  # type: ignore[arg-type]
                             f"({kept}): give one value per index of one kept axis, or a single number.", "mean")
        return idx

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        self._kept(inputs[0])
        return [inputs[0]]

    def build(self, inputs: list[Shape]) -> nn.Module:
        x = inputs[0]
        idx = self._kept(x)
        view = tuple([1] + [int(x[i]) if i in idx else 1 for i in range(len(x))])  # type: ignore[arg-type]
        return NormalizeModule(sizes(x, idx), tuple(i + 1 for i in idx), view, self.invert,
                               _values(self.mean), _values(self.variance))

    def param_count(self, inputs: list[Shape]) -> ParamCount:
        idx = self._kept(inputs[0])
        if self.mean is not None:
            return ParamCount()
        return ParamCount(0, 2 * math.prod(sizes(inputs[0], idx)) + 1)  # mean, variance, count

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        n.plain_inputs()
        x = n.input_shapes[0]
        idx = self._kept(x)
        axis: Any = None if not idx else keras_axes(idx, len(x), single=not isinstance(self.axis, list))
        cfg = {"axis": axis, "mean": self.mean, "variance": self.variance, "invert": self.invert}
        weights: list[tuple[str, Any]] = []
        if self.mean is None:
            m = cast(NormalizeModule, n.module)
            weights = [("mean", to_keras_weight(n.array(m.mean), idx, len(x))),
                       ("variance", to_keras_weight(n.array(m.variance), idx, len(x))),
                       ("count", n.array(m.count))]
        return n.add("Normalization", cfg, weights=weights)

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        cfg = n.cfg
        x = n.inputs[0].shape
        rank = len(x)
        raw = cfg.get("axis", -1)
        if raw is None or (isinstance(raw, (list, tuple)) and not raw):
            idx: tuple[int, ...] = ()
            axis: Axes = []
        else:
            idx = from_keras_axes(n, raw, rank, sorts_raw=False)
            several = isinstance(raw, (list, tuple)) and len(raw) > 1
            axis = [i + 1 for i in idx] if several else axis_param(idx, rank)
        mean, variance = (cls._given(n, k, cfg.get(k)) for k in ("mean", "variance"))
        params = {"axis": axis, "mean": mean, "variance": variance, "invert": bool(cfg.get("invert", False))}
        if mean is not None:
            return n.node("Normalization", params)

        def load(module: nn.Module) -> None:
            m = cast(NormalizeModule, module)
            w = list(n.weights)
            if len(w) not in (2, 3):
                raise n.fail(f"the file has {len(w)} weights for it, netcanvas needs mean, variance and count")
            n.set(m.mean, from_keras_weight(np.asarray(w[0]), idx, rank), "mean")
            n.set(m.variance, from_keras_weight(np.asarray(w[1]), idx, rank), "variance")
            n.set(m.count, np.asarray(w[2] if len(w) == 3 else 0.0, dtype=np.float32).reshape(()), "count")

        return n.node("Normalization", params, load)

    @staticmethod
    def _given(n: ImportNode, key: str, v: Any) -> float | list[float] | None:
        if v is None:
            return None
        a = np.asarray(v, dtype=np.float64)
        if a.ndim == 0:
            return float(a)
        if a.ndim > 1:
            raise n.fail(f"{key} with shape {a.shape} is not supported; give one number or one per index of one axis")
        return [float(b) for b in a]
