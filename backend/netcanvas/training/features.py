"""Features at any node: a trained model's outputs at intermediate nodes (POST /api/runs/{id}/predict
with "nodes"), for feature extraction, an embedding, an attention map.

The graph is cut at the nodes (graph.surgery.cut) and compiled on the meta device, then given the
bundle's own layer modules (node_weights.share_modules): no weights are copied or allocated.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..graph.analyze import analyze
from ..graph.compile import compile_graph
from ..graph.surgery import cut, resolve
from .bundle import Bundle, InputSpec, as_input_arrays, predict
from .node_weights import share_modules

MAX_VALUES = 4_000_000  # floats in one answer (~80 MB of JSON); a bigger one is refused, not sent


@dataclass
class FeatureModel:
    module: torch.nn.Module  # outputs: the nodes' layers without repeats (their port 0)
    nodes: list[str]  # as asked
    picks: list[int]  # per node, which output of `module` answers it
    inputs: list[InputSpec]  # the bundle's inputs that the nodes need, in graph order
    all_inputs: list[InputSpec]  # the bundle's inputs: a batch for each of them is accepted too
    activations: list[str | None]  # per module output, applied after it (the bundle compiled it as logits)
    shapes: list[tuple[int | None, ...]]  # per node, batch axis excluded


def feature_model(bundle: Bundle, nodes: Sequence[str]) -> FeatureModel:
    """The model answering `nodes` (SurgeryError, a ValueError, naming an unknown node or an Input)."""
    # inlined, so each output is one layer (a Block node's id: its first output's)
    graph, flat = resolve(bundle.graph, nodes, flat=True)
    surgery = cut(graph, flat)
    analysis = analyze(surgery.graph)
    with torch.device("meta"):
        module = compile_graph(analysis)
    share_modules(module, bundle.module)
    module.eval()
    fused = fused_activations(bundle)
    wanted = list(surgery.graph.outputs or [])  # `flat` without repeats
    return FeatureModel(
        module=module, nodes=list(nodes), picks=[wanted.index(f) for f in flat],
        inputs=[s for s in bundle.inputs if s.id in set(analysis.inputs)], all_inputs=list(bundle.inputs),
        activations=[fused.get(n) for n in wanted],
        shapes=[tuple(analysis.shapes_of(wanted[i])[0]) for i in [wanted.index(f) for f in flat]],
    )


def fused_activations(bundle: Bundle) -> dict[str, str | None]:
    """The bundle compiled its outputs without their final activation when the loss fused it in:
    those layers give logits; by node, the activation predict() applies to that output."""
    return {o: a for o, a in zip(bundle.outputs, bundle.output_activations, strict=False)
            if o in bundle.linear_outputs}


def predict_features(model: FeatureModel, inputs: Any) -> list[np.ndarray]:
    """One array per node for a batch (ValueError naming an input that does not fit, or an answer
    too big to send)."""
    arrays = None
    if len(model.all_inputs) > len(model.inputs) > 0:  # the model's whole input list: take what the nodes need
        try:
            every = as_input_arrays(inputs, model.all_inputs)
            arrays = [a for a, s in zip(every, model.all_inputs, strict=True) if s in model.inputs]
        except ValueError:
            arrays = None
    if arrays is None:
        arrays = as_input_arrays(inputs, model.inputs)
    n = len(arrays[0]) if arrays else 0
    per_sample = [math.prod(d for d in s if d is not None) for s in model.shapes]
    total = n * sum(per_sample)
    if total > MAX_VALUES:
        biggest = model.nodes[per_sample.index(max(per_sample))]
        raise ValueError(f"The outputs of {', '.join(repr(x) for x in model.nodes)} for {n} sample(s) are "
                         f"{total:,} values, over the {MAX_VALUES:,} one answer may hold: send fewer samples "
                         f"(at most {max(1, MAX_VALUES // max(1, sum(per_sample)))}) or choose a smaller node than "
                         f"'{biggest}'.")
    out = predict(model.module, arrays, output_activations=model.activations)
    outs = list(out) if isinstance(out, list) else [out]
    return [outs[i] for i in model.picks]
