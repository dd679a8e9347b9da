"""BatchNormalization: each feature normalized with the batch's statistics while training and with
moving averages at inference, as Keras does.

`axis` counts the batch axis; None (the default) is the feature axis: channels for images, the last
axis otherwise (Keras's channels-last -1). Module: `.bn` holds gamma (`weight`, absent when
scale=False), beta (`bias`, absent when center=False) and the moving mean/variance (`running_mean`,
`running_var`), with the attribute names of torch's BatchNorm so older model.pt files load.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import torch
import torch.nn.functional as F
from pydantic import Field
from torch import nn

from ..kerasio.config import nc_axis
from ..kerasio.layout import keras_axis
from .base import Layer, ParamCount, Shape, ShapeError, fmt, register, resolve_axis

if TYPE_CHECKING:
    from ..kerasio.exporting import ExportNode
    from ..kerasio.importing import ImportNode, Value
    from ..kerasio.model import KTensor


def _feature(x: Shape, axis: int | None) -> tuple[int, int]:
    """(index into x of the normalized axis, its size)."""
    i = resolve_axis(axis, len(x))
    if x[i] is None:
        raise ShapeError(f"BatchNormalization normalizes axis {i + 1}, which has a variable length in {fmt(x)}; "
                         "pick an axis with a known size.", "axis")
    return i, int(x[i])  # type: ignore[arg-type]


class BatchNormState(nn.Module):
    """gamma, beta and the moving statistics, under torch BatchNorm's names; `momentum` is torch's
    (the weight of the new batch: 1 − Keras's momentum)."""

    weight: nn.Parameter | None
    bias: nn.Parameter | None
    running_mean: torch.Tensor
    running_var: torch.Tensor
    num_batches_tracked: torch.Tensor

    def __init__(self, num_features: int, eps: float, momentum: float, scale: bool, center: bool):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.weight = nn.Parameter(torch.ones(num_features)) if scale else None
        self.bias = nn.Parameter(torch.zeros(num_features)) if center else None
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))


class BatchNormModule(nn.Module):
    """Batch normalization over `axis` (batch counted); other layouts are moved to (N, C, …)."""

    bn: BatchNormState

    def __init__(self, bn: BatchNormState, axis: int):
        super().__init__()
        self.bn = bn
        self.axis = axis
        # A frozen node (graph/freeze.py): inference mode while training too, as Keras 3 runs a
        # BatchNormalization with trainable=False; its moving statistics stay as they are.
        self.frozen = False

    def _normalize(self, x: torch.Tensor) -> torch.Tensor:
        bn = self.bn
        if not self.training or self.frozen:
            return F.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, False, 0.0, bn.eps)
        # Keras moves its statistics toward the batch's biased variance; torch's BatchNorm would use
        # the unbiased one. So: normalize with the batch statistics, then update them here.
        out = F.batch_norm(x, None, None, bn.weight, bn.bias, True, 0.0, bn.eps)
        with torch.no_grad():
            dims = [d for d in range(x.dim()) if d != 1]
            var, mean = torch.var_mean(x.detach(), dim=dims, correction=0)
            bn.running_mean.lerp_(mean.to(bn.running_mean.dtype), bn.momentum)
            bn.running_var.lerp_(var.to(bn.running_var.dtype), bn.momentum)
            bn.num_batches_tracked.add_(1)
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.axis == 1:  # (N, C), (N, C, L), (N, C, H, W): torch's own layout
            return self._normalize(x)
        y = x.movedim(self.axis, 1)
        return self._normalize(y.reshape(y.shape[0], y.shape[1], -1)).reshape(y.shape).movedim(1, self.axis)


@register
class BatchNormalization(Layer):
    """Normalizes each feature with batch statistics while training, moving averages at inference."""

    family = "normalization"
    keras_classes = ("BatchNormalization",)
    examples = (
        ({}, [(6,)]),
        ({"momentum": 0.9, "epsilon": 0.01}, [(3, 5, 4)]),  # an image: per channel
        ({"axis": 2, "scale": False}, [(4, 5)]),  # a sequence, per time step; no gamma
        ({"axis": -1, "center": False}, [(2, 3, 4)]),  # an image's width axis; no beta
        ({"scale": False, "center": False}, [(3, 6)]),
    )
    notes = ("axis None (the default) is the feature axis: an image's channels, which is Keras's "
             "axis -1 of (H, W, C). While training the batch's own mean and (biased) variance normalize "
             "it and the moving statistics move toward them by 1 − momentum, as in Keras. renorm, "
             "synchronized, virtual_batch_size, adjustment, regularizers and constraints are refused "
             "at import.")

    axis: int | None = None
    momentum: float = Field(0.99, ge=0.0, lt=1.0)
    epsilon: float = Field(1e-3, gt=0.0)
    center: bool = True
    scale: bool = True

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        _feature(inputs[0], self.axis)
        return [inputs[0]]

    def build(self, inputs: list[Shape]) -> nn.Module:
        i, n = _feature(inputs[0], self.axis)
        # Keras: moving = moving·momentum + batch·(1 − momentum); torch's momentum is the batch weight.
        state = BatchNormState(n, self.epsilon, 1.0 - self.momentum, self.scale, self.center)
        return BatchNormModule(state, i + 1)

    def param_count(self, inputs: list[Shape]) -> ParamCount:
        _, n = _feature(inputs[0], self.axis)
        return ParamCount(n * (int(self.scale) + int(self.center)), 2 * n)

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        n.plain_inputs()
        x = n.input_shapes[0]
        bn = cast(BatchNormModule, n.module).bn
        cfg = {"axis": keras_axis(resolve_axis(self.axis, len(x)), len(x)), "momentum": self.momentum,
               "epsilon": self.epsilon, "center": self.center, "scale": self.scale}
        weights: list[tuple[str, torch.Tensor]] = [
            (k, t) for k, t in (("gamma", bn.weight), ("beta", bn.bias)) if t is not None]
        weights += [("moving_mean", bn.running_mean), ("moving_variance", bn.running_var)]
        return n.add("BatchNormalization", cfg, weights=weights)

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        cfg = n.cfg
        for key in ("renorm", "synchronized", "virtual_batch_size", "adjustment"):  # the last two: Keras 2
            if cfg.get(key) not in (None, False):
                raise n.fail(f"{key}={cfg[key]!r} is not supported")
        x = n.inputs[0].shape
        rank = len(x)
        i = nc_axis(n, cfg.get("axis", -1), rank) - 1
        scale, center = bool(cfg.get("scale", True)), bool(cfg.get("center", True))
        params = {"axis": None if i == resolve_axis(None, rank) else i + 1,
                  "momentum": float(cfg.get("momentum", 0.99)), "epsilon": float(cfg.get("epsilon", 1e-3)),
                  "center": center, "scale": scale}

        def load(m: nn.Module) -> None:
            w = list(n.weights)
            want = int(scale) + int(center) + 2
            if len(w) != want:
                raise n.fail(f"the file has {len(w)} weights for it, netcanvas needs {want}")
            bn = cast(BatchNormModule, m).bn
            for t, what in ((bn.weight, "gamma"), (bn.bias, "beta")):
                if t is not None:
                    n.set(t, w.pop(0), what)
            n.set(bn.running_mean, w[0], "moving_mean")
            n.set(bn.running_var, w[1], "moving_variance")

        return n.node("BatchNormalization", params, load)
