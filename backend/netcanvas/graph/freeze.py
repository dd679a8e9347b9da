"""Frozen nodes (`Node.trainable = False`), as Keras's `layer.trainable = False` behaves in Keras 3.

- Counts: all of a frozen node's parameters are non-trainable (`frozen_counts`).
- Modules: a frozen node's parameters get `requires_grad=False` (the trainer gives the optimizer
  only parameters that require a gradient, so frozen ones have no optimizer state), and a module
  with a `frozen` attribute (BatchNormModule) runs in inference mode while the model trains: it
  normalizes with, and keeps, its moving statistics. Other layers behave as usual — a frozen
  Dropout still drops while training, as in Keras 3 (`freeze_module`).
- A graph whose every node with weights is frozen has nothing to train (`nothing_to_train`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from torch import nn

from ..layers.base import ParamCount
from .schema import Problem

if TYPE_CHECKING:
    from .analyze import Analysis


def frozen_counts(counts: ParamCount) -> ParamCount:
    """Keras's summary of a `trainable=False` layer: every weight counts as non-trainable."""
    return ParamCount(0, counts.total)


def freeze_module(module: nn.Module) -> None:
    """Freezes a node's built module in place (see the module docstring)."""
    module.requires_grad_(False)
    for m in module.modules():  # nested too: TimeDistributed(BatchNormalization)
        if isinstance(getattr(m, "frozen", None), bool):
            cast(Any, m).frozen = True


def trainable_parameters(module: nn.Module) -> list[nn.Parameter]:
    """What the optimizer updates: frozen parameters get no optimizer state."""
    return [p for p in module.parameters() if p.requires_grad]


def nothing_to_train(analysis: Analysis) -> Problem | None:
    """A problem when the graph has frozen nodes and nothing left that trains, naming the last
    frozen node with trainable weights as the one to unfreeze; None otherwise."""
    if analysis.counts.trainable > 0:
        return None
    candidates = []
    for nid in analysis.order:
        info = analysis.nodes[nid]
        if info.trainable or info.layer is None or info.input_shapes is None:
            continue
        if info.layer.param_count(info.input_shapes).trainable > 0:
            candidates.append(nid)
    if not candidates:  # no frozen weights: not a freezing problem
        return None
    last = candidates[-1]
    return Problem(node=last, field="trainable", message=(
        "Every layer with weights is frozen (trainable false), so training has nothing to learn: "
        f"unfreeze at least one layer, e.g. '{last}', the last one with weights."))
