"""TimeDistributed: one layer applied to every time step, (T, *step) → (T, *layer's output per step).

The wrapped layer is any netcanvas kind that takes one tensor and gives one (not Input, the merge
layers, attention, Embedding, or a return_state RNN): `layer = {"type": "Dense", "params": {...}}`,
validated against the registry. Its shape rule, weights and parameter counts are the wrapped
kind's on the per-step shape, in netcanvas's layout: a step of a (T, C, H, W) input is an image
(C, H, W). The module folds time into the batch; a wrapped BatchNormalization instead runs once
per step, as Keras does, so that its batch statistics (and moving averages) are Keras's.

Keras side: `TimeDistributed(layer)` with the nested layer config, converted by the wrapped
kind's own to_keras / from_keras on the per-step tensor. Each Keras layer that conversion writes
becomes a TimeDistributed of it (a Flatten of an image, which reorders first, becomes two), and a
Keras Permute moves between netcanvas's layout of the whole tensor and the per-step layout Keras
slices (so a (T, C, H, W) tensor is (T, H, W, C) for a TimeDistributed(Conv2D) in Keras, and back).
Module: `.layer`, the wrapped kind's module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from torch import nn

from ..kerasio.config import refuse_training_terms
from ..kerasio.exporting import ExportNode
from ..kerasio.importing import ImportNode, Value
from ..kerasio.layout import to_keras_shape, to_netcanvas_shape
from ..kerasio.model import KerasModelBuilder, KTensor, nested
from .base import REGISTRY, Layer, ParamCount, Shape, ShapeError, fmt, register, required
from .dense import Dense

if TYPE_CHECKING:
    import numpy as np


def _refusal(kind: str) -> str | None:
    """Why TimeDistributed cannot wrap `kind`, or None when it can."""
    cls = REGISTRY.get(kind)
    if cls is None:
        return f"'{kind}' is not a netcanvas layer kind"
    if cls.min_inputs != 1:
        what = "is where data enters" if cls.min_inputs == 0 else f"takes {cls.min_inputs} or more inputs"
        return f"{kind} {what}; TimeDistributed wraps a layer with one input"
    if cls.token_inputs:
        return f"{kind} reads token ids and already works on every step: use it without TimeDistributed"
    return None


class WrappedLayer(BaseModel):
    """The layer applied to every time step: a netcanvas kind and its params."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("type")
    @classmethod
    def _kind(cls, v: str) -> str:
        why = _refusal(v)
        if why:
            raise PydanticCustomError("layer", "{why}", {"why": why})
        return v

    @field_validator("params")
    @classmethod
    def _params(cls, v: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        kind = info.data.get("type")
        if kind is None:  # the type was refused; that error says it
            return v
        try:
            return REGISTRY[kind].model_validate(v).model_dump(mode="json")
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise PydanticCustomError("layer", "{why}", {"why": f"{kind} {where}: {first['msg']}"}) from err

    def build_layer(self) -> Layer:
        return REGISTRY[self.type].model_validate(self.params)


class TimeDistributedModule(nn.Module):
    def __init__(self, layer: nn.Module, per_step: bool):
        super().__init__()
        self.layer = layer
        self.per_step = per_step

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.per_step:  # batch statistics per step: Keras calls the layer once per time step
            return torch.stack([self.layer(x[:, i]) for i in range(x.shape[1])], dim=1)
        b, t = x.shape[0], x.shape[1]
        y = self.layer(x.reshape(b * t, *x.shape[2:]))
        return y.reshape(b, t, *y.shape[1:])


def _uses_batch_statistics(m: nn.Module) -> bool:
    """A module keeping moving statistics (BatchNormalization's running_mean) normalizes with the
    batch's own while training, so folding time into the batch would change them."""
    return any(isinstance(getattr(s, "running_mean", None), torch.Tensor) for s in m.modules())


# --- layouts: netcanvas's whole tensor ↔ the per-step layout Keras's TimeDistributed slices ----------


def _keras_axes(rank: int) -> list[int]:
    """Keras axis j of a tensor holds netcanvas axis _keras_axes(rank)[j] (batch excluded)."""
    return [1, 2, 0] if rank == 3 else list(range(rank))


def _netcanvas_axes(rank: int) -> list[int]:
    """netcanvas axis i of a tensor is Keras axis _netcanvas_axes(rank)[i]."""
    return [2, 0, 1] if rank == 3 else list(range(rank))


def _stepped(rank: int) -> list[int]:
    """Axes (of the netcanvas (T, *step) tensor) of the Keras tensor whose steps are Keras's layout."""
    return [0] + [1 + a for a in _keras_axes(rank - 1)]


def _dims(source: list[int], target: list[int]) -> list[int] | None:
    """Permute dims (1-based, batch excluded) taking axes labelled `source` to `target`; None if equal."""
    dims = [source.index(a) + 1 for a in target]
    return None if dims == list(range(1, len(dims) + 1)) else dims


def _stacked_shape(steps: int | None, step: Shape) -> Shape:
    """The KTensor shape (netcanvas shape whose channels-last form it is) of Keras's (T, *step)."""
    return to_netcanvas_shape((steps, *to_keras_shape(step)))


class _StepBuilder(KerasModelBuilder):
    """Writes each Keras layer the wrapped kind adds as a TimeDistributed of it, on the
    time-stacked tensors; the wrapped kind sees per-step KTensors."""

    def __init__(self, n: ExportNode, steps: int | None):
        super().__init__(n.b.name)
        self.outer, self.n, self.steps = n.b, n, steps
        self.stacked: dict[int, tuple[KTensor, KTensor]] = {}  # id(per-step) → (per-step, stacked)

    def step(self, stacked: KTensor, shape: Shape) -> KTensor:
        t = KTensor(stacked.layer, stacked.index, tuple(shape), stacked.dtype)
        self.stacked[id(t)] = (t, stacked)
        return t

    def unique(self, base: str) -> str:
        return self.outer.unique(base)

    def add(self, class_name: str, name: str, config: dict[str, Any], inputs: list[KTensor],
            out_shapes: list[Shape], *, weights: list[tuple[str, np.ndarray]] = (),  # type: ignore[assignment]
            merge: bool = False, call_kwargs: dict[str, Any] | None = None, node_id: str | None = None,
            dtype: str = "float32") -> list[KTensor]:
        if merge or call_kwargs or len(inputs) != 1 or id(inputs[0]) not in self.stacked:
            raise self.n.fail(f"its {class_name} is not a one-input Keras layer TimeDistributed can wrap")
        inner = {"name": f"{name}_{class_name.lower()}", "trainable": True, "dtype": "float32", **config}
        outs = self.outer.add("TimeDistributed", name, {"layer": nested(class_name, inner)},
                              [self.stacked[id(inputs[0])][1]], [_stacked_shape(self.steps, s) for s in out_shapes],
                              weights=weights, node_id=node_id, dtype=dtype)
        return [self.step(o, s) for o, s in zip(outs, out_shapes, strict=True)]


class _StepImportNode(ImportNode):
    """The wrapped Keras layer, seen by its kind's from_keras on per-step Values: every node it
    adds becomes a TimeDistributed node of that kind on the time-stacked values."""

    def __init__(self, outer: ImportNode, class_name: str, cfg: dict[str, Any], steps: int | None,
                 inputs: list[Value]):
        super().__init__(outer.b, outer.name, class_name, cfg, outer.weights, inputs, False)
        self.outer, self.steps = outer, steps
        refuse_training_terms(self)  # the driver checked the wrapper's config, not the wrapped one
    def fail(self, why: str) -> Any:
        return self.outer.fail(f"its wrapped {self.class_name}: {why}")

    def node(self, kind: str, params: dict[str, Any], load: Any = None, inputs: list[Value] | None = None,
             suffix: str = "") -> list[Value]:
        ins = self.inputs if inputs is None else inputs
        stacked = [Value(v.node, v.port, (self.steps, *v.shape)) for v in ins]
        wrapped = None if load is None else (lambda m: load(m.layer))
        outs = self.outer.node("TimeDistributed", {"layer": {"type": kind, "params": params}}, wrapped, stacked, suffix)
        return [Value(o.node, o.port, tuple(o.shape[1:])) for o in outs]


def _inner_to_keras(layer: Layer, node: ExportNode) -> list[KTensor]:
    if not type(layer).keras_classes:
        raise node.fail(f"it wraps a {layer.kind()}, which has no Keras counterpart")
    return layer.to_keras(node)


def _inner_from_keras(n: ImportNode, class_name: str, cfg: dict[str, Any], steps: int | None,
                      step: Value) -> list[Value]:
    from . import keras_class_index

    index = keras_class_index()
    if class_name not in index:
        raise n.fail(f"it wraps a {class_name}, which netcanvas does not support")
    return index[class_name].from_keras(_StepImportNode(n, class_name, cfg, steps, [step]))


@register
class TimeDistributed(Layer):
    """Applies one layer to every time step: (time, ...) → (time, that layer's output per step)."""

    family = "wrapper"
    keras_classes = ("TimeDistributed",)
    examples = (
        ({"layer": {"type": "Dense", "params": {"units": 3, "activation": "tanh", "use_bias": True}}}, [(4, 5)]),
        ({"layer": {"type": "Dense", "params": {"units": 2, "activation": "linear", "use_bias": False}}},
         [(3, 4, 5)]),  # each step a (4, 5) sequence: rank 3, moved to Keras's per-step layout and back
        ({"layer": {"type": "Conv2D", "params": {"filters": 2, "kernel_size": 3, "activation": "relu"}}},
         [(3, 2, 6, 5)]),  # each step a (2, 6, 5) image
        ({"layer": {"type": "Flatten", "params": {}}}, [(2, 3, 4, 4)]),  # Keras: Permute, then Flatten
        ({"layer": {"type": "BatchNormalization", "params": {}}}, [(4, 6)]),
    )
    notes = ("Wraps any kind with one input and one output: `layer` is {\"type\": kind, \"params\": "
             "{...}}, edited as JSON. The wrapped layer sees each step in netcanvas's layout: a "
             "(T, C, H, W) input's steps are (C, H, W) images, which Keras holds as (T, H, W, C): export "
             "and import add the Keras/netcanvas Permute between the two, so a Keras TimeDistributed("
             "Conv2D) on a (T, H, W, C) video imports exactly. Embedding (already per step), merge "
             "and attention layers cannot be wrapped. A wrapped BatchNormalization keeps batch statistics "
             "per step, as Keras. Keras masks are not supported.")

    layer: WrappedLayer = required(
        {"type": "Dense", "params": Dense(units=8).model_dump(mode="json")},
        description="the layer applied to every step: {\"type\": kind, \"params\": {...}}")

    def _step(self, x: Shape) -> Shape:
        if len(x) < 2:
            raise ShapeError(
                f"TimeDistributed applies its {self.layer.type} to every time step, so it needs a sequence "
                f"(time, ...), got {fmt(x)}: add a Reshape to (time, features) first.")
        return tuple(x[1:])

    def output_shapes(self, inputs: list[Shape]) -> list[Shape]:
        (x,) = inputs
        step = self._step(x)
        try:
            outs = self.layer.build_layer().output_shapes([step])
        except ShapeError as err:
            raise ShapeError(f"TimeDistributed gives its {self.layer.type} each time step, {fmt(step)}: "
                             f"{err.message}", "layer") from err
        if len(outs) != 1:
            raise ShapeError(f"TimeDistributed's {self.layer.type} gives {len(outs)} outputs per step; it "
                             "must give one (turn return_state off).", "layer")
        return [(x[0], *outs[0])]

    def build(self, inputs: list[Shape]) -> nn.Module:
        step = self._step(inputs[0])
        inner = self.layer.build_layer().build([step])
        return TimeDistributedModule(inner, _uses_batch_statistics(inner))

    def param_count(self, inputs: list[Shape]) -> ParamCount:
        return self.layer.build_layer().param_count([self._step(inputs[0])])

    def macs(self, inputs: list[Shape], outputs: list[Shape]) -> int:
        step = self._step(inputs[0])
        inner = self.layer.build_layer()
        steps = inputs[0][0] if inputs[0][0] is not None else 1  # a None length counts as 1
        return steps * inner.macs([step], inner.output_shapes([step]))

    def to_keras(self, n: ExportNode) -> list[KTensor]:
        (x,) = n.plain_inputs()
        shape, out = n.input_shapes[0], n.output_shapes[0]
        steps, step_in, step_out = shape[0], tuple(shape[1:]), tuple(out[1:])
        src = x
        dims = _dims(_keras_axes(len(shape)), _stepped(len(shape)))
        if dims:
            src = n.add("Permute", {"dims": dims}, inputs=[x], out_shapes=[_stacked_shape(steps, step_in)],
                        suffix="_steps")[0]
        b = _StepBuilder(n, steps)
        inner = self.layer.build_layer()
        td: Any = n.module
        node = ExportNode(b=b, id=n.id, name=n.name, layer=inner, module=td.layer,
                          inputs=[b.step(src, step_in)], input_shapes=[step_in], output_shapes=[step_out])
        outs = _inner_to_keras(inner, node)
        if len(outs) != 1 or id(outs[0]) not in b.stacked or outs[0].perm is not None:
            raise n.fail(f"its {inner.kind()} does not export as Keras layers TimeDistributed can wrap")
        result = b.stacked[id(outs[0])][1]
        dims = _dims(_stepped(len(out)), _keras_axes(len(out)))
        if dims:
            result = n.add("Permute", {"dims": dims}, inputs=[result], out_shapes=[out], suffix="_unsteps")[0]
        return [result]

    @classmethod
    def from_keras(cls, n: ImportNode) -> list[Value]:
        kwargs = n.call_kwargs
        for key, value in kwargs.items():
            if value is not None and not (key == "training" and value is False):
                raise n.fail(f"it is called with {key}={value!r}, which netcanvas does not support")
        inner = n.cfg["layer"]
        (x,) = n.inputs
        rank = len(x.shape)
        if rank < 2:
            raise n.fail(f"its input {fmt(x.shape)} has no time axis")
        # netcanvas's whole tensor → (T, *step) with each step in netcanvas's layout
        keras_axes = _keras_axes(rank)
        steps_axes = [keras_axes[0]] + [keras_axes[1 + a] for a in _netcanvas_axes(rank - 1)]
        dims = _dims(list(range(rank)), steps_axes)
        src = x
        if dims:
            src = n.node("Permute", {"dims": dims}, inputs=[x], suffix="_steps")[0]
        steps = src.shape[0]
        (y,) = _inner_from_keras(n, inner["class_name"], inner.get("config", {}), steps,
                                 Value(src.node, src.port, tuple(src.shape[1:])))
        out = Value(y.node, y.port, (steps, *y.shape))
        # (T, *step) → the netcanvas tensor whose channels-last form is Keras's output
        stepped = _stepped(len(out.shape))
        dims = _dims(list(range(len(out.shape))), [stepped[a] for a in _netcanvas_axes(len(out.shape))])
        if dims:
            out = n.node("Permute", {"dims": dims}, inputs=[out], suffix="_unsteps")[0]
        return [out]
