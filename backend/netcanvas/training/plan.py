"""Matches a graph to a data set and a loss before anything trains: what each output learns from.

`plan_outputs` decides, per model output, the loss (fused with a final softmax/sigmoid where that
is exact), the metrics and how the data set's targets become tensors. `check_inputs` compares the
Input layers with the data set. Both raise `ValueError` naming the node and the fix.

Several inputs: a data set whose `Split.x` is a tuple/list of arrays feeds the graph's Input nodes
in order (`DatasetInfo.extra["input_shapes"]` lists their shapes). Several outputs: when `Split.y` is
a tuple/list with one array per output, each output learns its own target; otherwise every output
learns the same target. The total loss is the sum of the outputs' losses (Keras), reported as
`loss`, and each output's part as `{node}_loss` with its metrics as `{node}_{metric}`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from ..data.base import DatasetInfo
from ..graph.analyze import Analysis
from ..layers import fmt
from ..layers.base import resolve_axis
from .losses import CROSSENTROPY, LossFn, fusable, make_loss
from .metrics import Metric, activate_fn, make_metric
from .settings import TrainSettings

TargetFn = Callable[[torch.Tensor], torch.Tensor]


@dataclass
class OutputPlan:
    node: str
    shape: tuple[int | None, ...]
    activation: str | None  # the layer's final activation as the user wrote it
    fused: bool  # the compiled module outputs logits; the loss applies the activation
    loss: LossFn
    metrics: list[Metric]
    target: TargetFn  # data set targets (a batch or a whole split, on the device) → what the loss reads
    prefix: str = ""  # "" for one output, "{node}_" for several
    sparse_targets: bool = field(default=False)

    @property
    def logits_activation(self) -> str | None:
        """The activation predict() applies to this output (fused outputs only)."""
        return self.activation if self.fused else None


def output_activation(analysis: Analysis, node: str) -> str | None:
    """The activation an output ends in: its `activation` field, or a Softmax layer over the
    feature axis (what a Keras model ending in layers.Softmax() has)."""
    info = analysis.nodes[node]
    layer = info.layer
    if layer is not None and layer.kind() == "Softmax" and info.input_shapes:
        rank = len(info.input_shapes[0])
        return "softmax" if resolve_axis(getattr(layer, "axis", None), rank) == resolve_axis(None, rank) else None
    act = getattr(layer, "activation", None)
    return act if isinstance(act, str) else None


def class_axis_size(shape: tuple[int | None, ...]) -> int | None:
    """Classes sit on the feature axis: channels for images (C, H, W), the last axis otherwise."""
    return shape[0] if len(shape) == 3 else shape[-1]


def _one_hot(num_classes: int, image: bool) -> TargetFn:
    def prep(y: torch.Tensor) -> torch.Tensor:
        t = F.one_hot(y.long(), num_classes).float()
        return t.movedim(-1, 1) if image else t

    return prep


def _as_float(shape: tuple[int | None, ...], node: str) -> TargetFn:
    def prep(y: torch.Tensor) -> torch.Tensor:
        y = y.float()
        per_sample = y[0].numel() if len(y) else 0
        known = [d for d in shape if d is not None]
        if len(known) == len(shape) and len(y) and per_sample != math.prod(known):
            raise ValueError(f"Output '{node}' gives {fmt(shape)} per sample but the targets have "
                             f"{per_sample} value(s) per sample: make the output layer produce {per_sample}.")
        return y.reshape((y.shape[0], *[-1 if d is None else d for d in shape]))

    return prep


def _as_long(y: torch.Tensor) -> torch.Tensor:
    return y.long()


def _target_fn(node: str, shape: tuple[int | None, ...], info: DatasetInfo, loss: str) -> tuple[TargetFn, bool]:
    """How this data set's targets feed `loss` for an output of `shape`; (fn, targets_are_sparse)."""
    t = info.target
    shown = fmt(shape)
    if t.kind == "values":
        if loss in CROSSENTROPY:
            raise ValueError(
                f"{loss} needs class targets, but data set '{info.id}' has values: "
                "use mean_squared_error, mean_absolute_error or huber."
            )
        want = info.extra.get("target_shape")
        known = [d for d in shape if d is not None]
        if want is not None and len(known) == len(shape) and math.prod(known) != math.prod(want):
            raise ValueError(
                f"Output '{node}' gives {shown} per sample but data set '{info.id}' has targets of shape "
                f"{fmt(tuple(want))}: make the output layer produce {fmt(tuple(want))}."
            )
        return _as_float(shape, node), False
    n = t.num_classes or 0
    units = class_axis_size(shape)
    image = len(shape) == 3
    if image and info.extra.get("target_shape") is None:  # one class per sample, not per pixel
        raise ValueError(
            f"Output '{node}' gives an image {shown} per sample but data set '{info.id}' has one class "
            f"per sample: add a Flatten (or GlobalAveragePooling2D) before the last Dense layers, so "
            f"'{node}' gives one vector of {n} class scores."
        )
    fix = f"set units (or filters) of '{node}' to {n}"
    if loss == "sparse_categorical_crossentropy":
        if units != n:
            raise ValueError(f"Output '{node}' gives {units} values per sample but data set '{info.id}' "
                             f"has {n} classes: {fix}.")
        return _as_long, True
    if loss == "categorical_crossentropy":
        if units != n:
            raise ValueError(f"Output '{node}' gives {units} values per sample but data set '{info.id}' "
                             f"has {n} classes: {fix}.")
        return _one_hot(n, image), False
    if loss == "binary_crossentropy":
        if shape == (1,) and n == 2:
            return _as_float(shape, node), False
        if units == n:
            return _one_hot(n, image), False
        raise ValueError(
            f"binary_crossentropy on data set '{info.id}' ({n} classes) needs output '{node}' to give "
            f"1 unit (2 classes) or {n} units (one per class), got {shown}."
        )
    # a regression loss on classes: regress one-hot rows, or the class id itself with one unit
    if units == n:
        return _one_hot(n, image), False
    if shape == (1,):
        return _as_float(shape, node), False
    raise ValueError(
        f"{loss} on data set '{info.id}' ({n} classes) needs output '{node}' to give {n} units "
        f"(one-hot targets) or 1, got {shown}; for classes, sparse_categorical_crossentropy is usual."
    )


def plan_outputs(
    analysis: Analysis, info: DatasetInfo, settings: TrainSettings, linear_outputs: Collection[str] | None = None
) -> list[OutputPlan]:
    """One plan per model output. `linear_outputs`: the nodes an already compiled module outputs as
    logits (a loaded model.pt); None decides the fusion afresh, for a module about to be compiled."""
    plans = []
    several = len(analysis.outputs) > 1
    for node in analysis.outputs:
        shape = tuple(analysis.shapes_of(node)[0])
        activation = output_activation(analysis, node)
        if linear_outputs is None:
            fused = fusable(settings.loss, activation, settings.from_logits)
        else:
            fused = node in linear_outputs and activation is not None
        target, sparse = _target_fn(node, shape, info, settings.loss)
        if fused and not fusable(settings.loss, activation, False):
            # logits from the module but a loss that wants the activated output (a model trained with
            # another loss): apply the activation first
            loss = _after(activate_fn(activation), make_loss(settings.loss, settings.from_logits))
        else:
            loss = make_loss(settings.loss, fused or settings.from_logits)
        metrics = [
            make_metric(m, loss=settings.loss, out_shape=shape, sparse_targets=sparse,
                        logits_activation=activation if fused else None, k=settings.top_k)
            for m in dict.fromkeys(settings.metrics)
        ]
        plans.append(OutputPlan(
            node=node, shape=shape, activation=activation, fused=fused,
            loss=loss, metrics=metrics, target=target,
            prefix=f"{node}_" if several else "", sparse_targets=sparse,
        ))
    return plans


def _after(act: Callable[[torch.Tensor], torch.Tensor], loss: LossFn) -> LossFn:
    return lambda out, y: loss(act(out), y)


def dataset_input_shapes(info: DatasetInfo) -> list[list[int | None]]:
    return info.extra.get("input_shapes") or [info.input_shape]


def check_inputs(analysis: Analysis, info: DatasetInfo) -> None:
    shapes = dataset_input_shapes(info)
    if len(shapes) != len(analysis.inputs):
        raise ValueError(
            f"The graph has {len(analysis.inputs)} Input layer(s) ({', '.join(analysis.inputs)}) but data set "
            f"'{info.id}' gives {len(shapes)} input(s): use one Input per data set input."
        )
    for node, want in zip(analysis.inputs, shapes, strict=True):
        layer = analysis.input_layer(node)
        have = list(layer.shape)
        fits = len(have) == len(want) and all(h is None or w is None or h == w for h, w in zip(have, want, strict=True))
        if not fits:
            raise ValueError(
                f"Input '{node}' has shape {fmt(tuple(have))} but data set '{info.id}' gives {fmt(tuple(want))}: "
                f"set the Input shape to {list(want)}."
            )
        if layer.dtype != info.input_dtype:
            raise ValueError(
                f"Input '{node}' takes {layer.dtype} but data set '{info.id}' gives {info.input_dtype}: "
                f"set the Input dtype to {info.input_dtype}."
            )
