"""The node a layer kind's `from_keras` reads from: one Keras layer's config, weights and inputs.

A kind adds netcanvas node(s) with `n.node(kind, params, load)` and returns their outputs.
`load(module)` is called once the graph is compiled, only when the file has weights (a model
JSON has none): it puts the Keras weights into the node's built module with `n.set(
module.linear.weight, kernel.T)`, which checks the shape and records that the weight was
filled; a weight left unfilled fails the import by name. Options netcanvas cannot express are
refused with `n.fail(...)`, never dropped in silence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from pydantic import ValidationError
from torch import nn

from ..layers.base import Shape, ShapeError
from .errors import ImportFailed

Loader = Callable[[nn.Module], None]


@dataclass
class Value:
    """A netcanvas value standing for a Keras tensor (see KTensor for `perm`)."""

    node: str
    port: int
    shape: Shape
    perm: np.ndarray | None = None


@dataclass
class Spec:
    """A netcanvas node the import will create."""

    id: str
    kind: str
    params: dict[str, Any]
    inputs: list[Value]
    load: Loader | None
    keras_layer: str  # the Keras layer it came from (for messages)


@dataclass
class Builder:
    file: str
    specs: list[Spec] = field(default_factory=list)
    filled: set[int] = field(default_factory=set)  # id() of every tensor a loader set
    _ids: set[str] = field(default_factory=set)

    def unique(self, base: str) -> str:
        name, i = base, 1
        while name in self._ids:
            i += 1
            name = f"{base}_{i}"
        self._ids.add(name)
        return name


class ImportNode:
    """One Keras layer being turned into netcanvas node(s)."""

    def __init__(self, b: Builder, name: str, class_name: str, cfg: dict[str, Any],
                 weights: list[np.ndarray] | None, inputs: list[Value], perm_ok: bool,
                 call_kwargs: dict[str, Any] | None = None):
        self.b, self.name, self.class_name, self.cfg = b, name, class_name, cfg
        self.weights = weights if weights is not None else []
        self.inputs, self.perm_ok = inputs, perm_ok
        # the call's non-tensor arguments in the file (Attention's use_causal_mask=True…)
        self.call_kwargs = dict(call_kwargs or {})

    def fail(self, why: str) -> ImportFailed:
        return ImportFailed(f"{self.b.file}: layer '{self.name}' ({self.class_name}): {why}.")

    def node(self, kind: str, params: dict[str, Any], load: Loader | None = None,
             inputs: list[Value] | None = None, suffix: str = "") -> list[Value]:
        from ..layers import REGISTRY

        ins = self.inputs if inputs is None else inputs
        try:
            layer = REGISTRY[kind].model_validate(params)
            shapes = layer.output_shapes([v.shape for v in ins])
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise self.fail(f"{where}: {first['msg']}") from err
        except ShapeError as err:
            raise self.fail(err.message) from err
        nid = self.b.unique(self.name + suffix)
        self.b.specs.append(Spec(nid, kind, layer.model_dump(mode="json"), list(ins), load, self.name))
        return [Value(nid, i, tuple(s)) for i, s in enumerate(shapes)]

    def passthrough(self, outs: list[Value]) -> list[Value]:
        """Outputs of an element-wise layer keep its input's Flatten permutation."""
        for o in outs:
            o.perm = self.inputs[0].perm
        return outs

    def weight(self, i: int) -> np.ndarray:
        if i >= len(self.weights):
            raise self.fail(f"the file has {len(self.weights)} weights for it, netcanvas needs at least {i + 1}")
        return self.weights[i]

    def set(self, target: torch.Tensor, value: np.ndarray | torch.Tensor, what: str = "weight") -> None:
        """Copies a Keras weight (already in torch's layout) into a parameter or buffer of the
        node's module, checking its shape."""
        v = torch.as_tensor(np.asarray(value, dtype=np.float32, order="C"))
        if tuple(v.shape) != tuple(target.shape):
            raise self.fail(f"{what} has shape {tuple(v.shape)}, netcanvas needs {tuple(target.shape)}")
        with torch.no_grad():
            target.copy_(v.to(target.dtype))
        self.b.filled.add(id(target))
