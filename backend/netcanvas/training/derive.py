"""New models made from a trained one: cut at a node ("Cut here"), or a new classifier head
("Replace head"). Each gives the new graph, the contents of its model.pt (weights following node
ids) and notes in sentences for the new run's log. ValueError (graph.surgery.SurgeryError among
them) names the node and the fix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import get_args

import torch

from ..data.base import DatasetInfo
from ..graph.analyze import analyze
from ..graph.compile import compile_graph
from ..graph.schema import Graph
from ..graph.surgery import HeadSpec, cut, replace_head
from ..model_file import ModelData
from .bundle import Bundle, bundle_dict
from .features import fused_activations
from .node_weights import copy_weights, share_modules
from .settings import LossName, TrainSettings


@dataclass
class Derived:
    graph: Graph
    data: ModelData
    notes: list[str]


def cut_model(bundle: Bundle, node: str, name: str | None = None) -> Derived:
    """The model ending at `node`, with the trained weights of everything it keeps: it predicts at
    its output exactly what `bundle` gives at `node`."""
    surgery = cut(bundle.graph, [node], name=name)
    analysis = analyze(surgery.graph)
    with torch.device("meta"):  # no weights allocated: the bundle's own layers are put in
        module = compile_graph(analysis)
    share_modules(module, bundle.module)
    fused = fused_activations(bundle)
    acts = [fused.get(o) for o in analysis.outputs]
    data = bundle_dict(surgery.graph, module, settings=None, linear_outputs=[o for o in analysis.outputs if o in fused],
                       output_activations=acts, class_names=bundle.class_names if any(acts) else None)
    return Derived(surgery.graph, data, surgery.notes)


def head_for(info: DatasetInfo | None, classes: int | None) -> tuple[HeadSpec, str]:
    """The Dense head (and the loss to train it with) for a data set, or for `classes` classes."""
    if info is None:
        if classes is None:
            raise ValueError("Say what the new head is for: give \"dataset\" (a data set id) or \"classes\".")
        if classes == 1:
            return HeadSpec(1, "sigmoid"), "binary_crossentropy"
        return HeadSpec(classes, "softmax"), "sparse_categorical_crossentropy"
    t = info.target
    suggested = info.suggested_loss if info.suggested_loss in get_args(LossName) else ""
    if t.kind == "values":
        width = math.prod(info.extra.get("target_shape") or [1])
        return HeadSpec(int(width), None), suggested or "mean_squared_error"
    n = t.num_classes or classes or 0
    if n < 1:
        raise ValueError(f"Data set '{info.id}' does not say how many classes it has: give \"classes\".")
    if classes is not None and classes != n:
        raise ValueError(f"Data set '{info.id}' has {n} classes but \"classes\" says {classes}: leave \"classes\" "
                         "out, or make them agree.")
    if suggested == "binary_crossentropy" and n <= 2:
        return HeadSpec(1, "sigmoid"), suggested
    return HeadSpec(n, "softmax"), suggested or "sparse_categorical_crossentropy"


def new_head_model(bundle: Bundle, from_node: str, info: DatasetInfo | None, classes: int | None, *,
                   add_pooling: bool = False, seed: int = 0, name: str | None = None,
                   keep_node: bool = False) -> Derived:
    """`bundle` with its head from `from_node` on (`keep_node`: after it) replaced by a fresh Dense
    head; every other layer keeps its trained weights (copied by node id)."""
    head, loss = head_for(info, classes)
    surgery = replace_head(bundle.graph, from_node, head, add_pooling=add_pooling, name=name, keep_node=keep_node)
    with torch.random.fork_rng(devices=[]):  # the head's initial weights, reproducible by seed
        torch.manual_seed(seed)
        module = compile_graph(surgery.graph)
    copied = copy_weights(module, bundle.module, skip=surgery.new_nodes)
    dataset = info.id if info is not None else None
    settings = None
    if info is not None:
        metrics = ["accuracy"] if info.target.kind == "classes" else []
        settings = TrainSettings.model_validate({"dataset": info.id, "loss": loss, "metrics": metrics})
    data = bundle_dict(surgery.graph, module, settings=settings, linear_outputs=[],
                       output_activations=[None], dataset=dataset,
                       class_names=info.target.class_names if info is not None else None)
    notes = [*surgery.notes, f"Kept the trained weights of {len(copied)} layer(s); the new head trains with {loss}."]
    return Derived(surgery.graph, data, notes)
