"""The node a layer kind's `to_keras` writes from: its layer, its built torch module, its inputs.

Weights are read from the module's own attributes (`n.array(n.module.linear.weight)`), so a
renamed attribute fails loudly here instead of silently exporting nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from .errors import KerasExportError
from .model import KerasModelBuilder, KTensor

if TYPE_CHECKING:
    from ..layers.base import Layer, Shape


def array(t: torch.Tensor) -> np.ndarray:
    """A weight as numpy; a meta tensor (code generation: shapes only) becomes a zero-stride
    placeholder that allocates nothing."""
    if t.is_meta:
        return np.broadcast_to(np.zeros((), np.float32), tuple(t.shape))
    return t.detach().cpu().float().numpy()


@dataclass
class ExportNode:
    """One netcanvas node while it is being written into a Keras model."""

    b: KerasModelBuilder
    id: str
    name: str  # Python-safe name (the torch submodule name): the Keras layer name
    layer: Layer
    module: nn.Module  # the node's built module, holding the weights to export (meta: shapes only)
    inputs: list[KTensor]
    input_shapes: list[Shape]
    output_shapes: list[Shape]
    # May this node's output carry a Flatten permutation (see KTensor.perm and kerasio.perm)?
    perm_ok: bool = False

    array = staticmethod(array)

    def add(self, class_name: str, config: dict[str, Any], *, weights: list[tuple[str, Any]] = (),  # type: ignore[assignment]
            inputs: list[KTensor] | None = None, out_shapes: list[Shape] | None = None,
            suffix: str = "", merge: bool = False, call_kwargs: dict | None = None) -> list[KTensor]:
        """Adds one Keras layer; `weights` are (Keras variable name, tensor or array) in Keras order."""
        return self.b.add(
            class_name, self.name + suffix, config, self.inputs if inputs is None else inputs,
            self.output_shapes if out_shapes is None else out_shapes,
            weights=[(f"{self.name}{suffix}/{w}", a if isinstance(a, np.ndarray) else array(a)) for w, a in weights],
            merge=merge, call_kwargs=call_kwargs, node_id=self.id,
        )

    def plain_inputs(self) -> list[KTensor]:
        """The inputs, refusing a permuted flat vector (only Dense and element-wise layers take one)."""
        for t in self.inputs:
            if t.perm is not None:
                raise KerasExportError(
                    f"Node '{self.id}' ({self.layer.kind()}) reads a flattened image in a way the Keras "
                    "export cannot reorder."
                )
        return self.inputs

    def passthrough(self, outs: list[KTensor]) -> list[KTensor]:
        """Outputs of an element-wise layer keep its input's Flatten permutation."""
        for o in outs:
            o.perm = self.inputs[0].perm
        return outs

    def fail(self, why: str) -> KerasExportError:
        return KerasExportError(f"Node '{self.id}' ({self.layer.kind()}) cannot be exported to Keras: {why}")
