"""Matches a graph to a data set and a loss before anything trains: what each output learns from.

`plan_outputs` decides, per model output, the loss (fused with a final softmax/sigmoid where that
is exact), the metrics and how the data set's targets become tensors. `check_inputs` compares the
Input layers with the data set. Both raise `ValueError` naming the node and the fix.

Several inputs: a data set whose `Split.x` is a list of arrays (`DatasetInfo.input_specs()`) feeds
the graph's Input nodes by name (a data set input named like an Input node's id), else in order
(`match_inputs`). Several outputs: a set with one target per output (`target_specs()`) gives each
output its own, matched by name else in order (`match_targets`); a single target feeds every output.
`training.align` reorders a loaded set's arrays to match. The total loss is the sum of the outputs'
losses (Keras), reported as `loss`, and each output's part as `{node}_loss` with its metrics as
`{node}_{metric}`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from ..data.base import DatasetInfo, TargetSpec
from ..graph.analyze import Analysis
from ..layers import fmt
from ..layers.base import resolve_axis
from .class_weight import class_weight_vector, weighted_loss
from .class_weight import describe as describe_class_weight
from .losses import CROSSENTROPY, LossFn, fusable, make_loss
from .metrics import Metric, activate_fn, make_metrics
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
    weight: float = 1.0  # its share of the total loss (Keras loss_weights)

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


def _target_fn(node: str, shape: tuple[int | None, ...], info: DatasetInfo, t: TargetSpec,
               loss: str) -> tuple[TargetFn, bool]:
    """How target `t` of this data set feeds `loss` for an output of `shape`; (fn, targets_are_sparse)."""
    shown = fmt(shape)
    target_shape = t.shape or None
    if t.kind == "values":
        if loss in CROSSENTROPY:
            raise ValueError(
                f"{loss} needs class targets, but data set '{info.id}' has values: "
                "use mean_squared_error, mean_absolute_error or huber."
            )
        want = target_shape
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
    if image and target_shape is None:  # one class per sample, not per pixel
        raise ValueError(
            f"Output '{node}' gives an image {shown} per sample but data set '{info.id}' has one class "
            f"per sample: add a Flatten (or GlobalAveragePooling2D) before the last Dense layers, so "
            f"'{node}' gives one vector of {n} class scores."
        )
    if target_shape is not None and len(target_shape) == 1 and not image:  # a class per time step
        steps = target_shape[0]
        if len(shape) != 2 or shape[0] not in (None, steps):
            raise ValueError(
                f"Output '{node}' gives {shown} per sample but data set '{info.id}' has a class per time step "
                f"({steps} steps, {n} classes): make '{node}' give ({steps}, {n}) — a recurrent layer with "
                "return_sequences on, then a Dense over each step.")
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
    specs = info.target_specs()
    for field_name, named in (("losses", settings.losses), ("loss_weights", settings.loss_weights)):
        unknown = sorted(set(named) - set(analysis.outputs))
        if unknown:
            raise ValueError(f"{field_name} names {', '.join(repr(u) for u in unknown)}, which is not an output of "
                             f"the graph; its outputs are {', '.join(analysis.outputs)}.")
    for node, k in zip(analysis.outputs, match_targets(analysis, info), strict=True):
        shape = tuple(analysis.shapes_of(node)[0])
        loss_name = settings.loss_for(node)
        activation = output_activation(analysis, node)
        if linear_outputs is None:
            fused = fusable(loss_name, activation, settings.from_logits)
        else:
            fused = node in linear_outputs and activation is not None
        target, sparse = _target_fn(node, shape, info, specs[k], loss_name)
        if fused and not fusable(loss_name, activation, False):
            # logits from the module but a loss that wants the activated output (a model trained with
            # another loss): apply the activation first
            loss = _after(activate_fn(activation), make_loss(loss_name, settings.from_logits))
        else:
            loss = make_loss(loss_name, fused or settings.from_logits)
        metrics = make_metrics(settings.metrics, loss=loss_name, out_shape=shape, sparse_targets=sparse,
                               logits_activation=activation if fused else None, k=settings.top_k,
                               node=node if several else "")
        plans.append(OutputPlan(
            node=node, shape=shape, activation=activation, fused=fused,
            loss=loss, metrics=metrics, target=target,
            prefix=f"{node}_" if several else "", sparse_targets=sparse,
            weight=settings.loss_weights.get(node, 1.0),
        ))
    return plans


def with_class_weight(plan: OutputPlan, settings: TrainSettings, info: DatasetInfo, labels: np.ndarray,
                      log: Callable[[str], None]) -> OutputPlan:
    """The one output's plan with Keras's class_weight applied to its loss (request_checks refused
    several outputs and targets without classes). `labels`: the class ids of the rows that train
    (what "balanced" counts)."""
    spec = info.target_specs()[0]
    vector = class_weight_vector(settings.class_weight or {}, spec, labels)
    log(describe_class_weight(vector, spec))
    loss_name = settings.loss_for(plan.node)
    weighted = weighted_loss(loss_name, plan.fused or settings.from_logits, vector)
    if plan.fused and not fusable(loss_name, plan.activation, False):
        weighted = _after(activate_fn(plan.activation), weighted_loss(loss_name, settings.from_logits, vector))
    return dataclasses.replace(plan, loss=weighted)


def _after(act: Callable[[torch.Tensor], torch.Tensor], loss: LossFn) -> LossFn:
    return lambda out, y: loss(act(out), y)


MAX_CONFUSION_CLASSES = 100  # a word corpus's 10,000 next-token classes would be a 10⁸-cell matrix


def confusion_fits(info: DatasetInfo) -> bool:
    """Whether a confusion matrix says something readable: one class per sample, at most 100 classes."""
    (t, *more) = info.target_specs()
    return (not more and t.kind == "classes" and not t.shape and t.num_classes is not None
            and 0 < t.num_classes <= MAX_CONFUSION_CLASSES)


def dataset_input_shapes(info: DatasetInfo) -> list[list[int | None]]:
    return [spec.shape for spec in info.input_specs()]


def _by_name_or_order(nodes: list[str], names: list[str]) -> list[int] | None:
    """For each node, the index of the data set array of the same name; None unless every node has one."""
    if len(nodes) == len(names) and set(nodes) == set(names):
        return [names.index(n) for n in nodes]
    return None


def match_inputs(analysis: Analysis, info: DatasetInfo) -> list[int]:
    """For each Input node (graph order), the data set input that feeds it: by name, else in order."""
    specs = info.input_specs()
    if len(specs) != len(analysis.inputs):
        names = ", ".join(s.name for s in specs)
        raise ValueError(
            f"The graph has {len(analysis.inputs)} Input layer(s) ({', '.join(analysis.inputs)}) but data set "
            f"'{info.id}' gives {len(specs)} input(s) ({names}): use one Input per data set input"
            + (", with those names as the Input ids." if len(specs) > 1 else "."))
    named = _by_name_or_order(list(analysis.inputs), [s.name for s in specs])
    return named if named is not None else list(range(len(specs)))


def match_targets(analysis: Analysis, info: DatasetInfo) -> list[int]:
    """For each output node, the data set target it learns: the only one, else by name, else in order."""
    specs = info.target_specs()
    outputs = list(analysis.outputs)
    if len(specs) == 1:
        return [0] * len(outputs)
    if len(specs) != len(outputs):
        raise ValueError(
            f"Data set '{info.id}' has {len(specs)} targets ({', '.join(s.name for s in specs)}) but the graph has "
            f"{len(outputs)} output(s) ({', '.join(outputs)}): give the graph one output per target.")
    named = _by_name_or_order(outputs, [s.name for s in specs])
    return named if named is not None else list(range(len(specs)))


def check_inputs(analysis: Analysis, info: DatasetInfo) -> None:
    specs = info.input_specs()
    several = len(specs) > 1
    for node, k in zip(analysis.inputs, match_inputs(analysis, info), strict=True):
        spec = specs[k]
        want = spec.shape
        what = f"data set '{info.id}'" + (f" input '{spec.name}'" if several else "")
        layer = analysis.input_layer(node)
        have = list(layer.shape)
        fits = len(have) == len(want) and all(h is None or w is None or h == w for h, w in zip(have, want, strict=True))
        if not fits:
            raise ValueError(
                f"Input '{node}' has shape {fmt(tuple(have))} but {what} gives {fmt(tuple(want))}: "
                f"set the Input shape to {list(want)}."
            )
        if layer.dtype != spec.dtype:
            raise ValueError(
                f"Input '{node}' takes {layer.dtype} but {what} gives {spec.dtype}: "
                f"set the Input dtype to {spec.dtype}."
            )
