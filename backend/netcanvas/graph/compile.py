"""Compiles an analysed graph into a torch.fx GraphModule: one call_module per layer.

`GraphModule.code` is the readable forward users see. Node ids become Python-safe submodule
names (`module_names`), which are also the state_dict prefixes.
"""

from __future__ import annotations

import keyword
import operator
import re

import torch
from torch import fx, nn

from .analyze import Analysis, analyze
from .schema import Graph


class GraphError(ValueError):
    """The graph has problems; `problems` lists them (graph.schema.Problem)."""

    def __init__(self, analysis: Analysis):
        self.problems = analysis.problems
        first = analysis.problems[0]
        where = f"node '{first.node}': " if first.node else ""
        more = f" (and {len(analysis.problems) - 1} more)" if len(analysis.problems) > 1 else ""
        super().__init__(f"The graph has problems: {where}{first.message}{more}")


def module_names(node_ids: list[str]) -> dict[str, str]:
    """Node id → unique Python identifier usable as a submodule name."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for nid in node_ids:
        base = re.sub(r"\W", "_", nid)
        if not base or base[0].isdigit() or keyword.iskeyword(base):
            base = f"n_{base}"
        name, i = base, 1
        while name in used:
            i += 1
            name = f"{base}_{i}"
        used.add(name)
        names[nid] = name
    return names


def compile_graph(graph: Graph | Analysis, linear_outputs: set[str] | frozenset = frozenset()) -> fx.GraphModule:
    """Build the module. Nodes in `linear_outputs` drop their final activation (the loss fuses it).

    Raises GraphError when the graph has problems.
    """
    analysis = graph if isinstance(graph, Analysis) else analyze(graph)
    if not analysis.ok:
        raise GraphError(analysis)
    names = module_names(analysis.order)
    root = nn.Module()
    g = fx.Graph()
    values: dict[str, fx.Node] = {}
    for nid in analysis.order:
        info = analysis.nodes[nid]
        layer = info.layer
        name = names[nid]
        if layer.kind() == "Input":
            values[nid] = g.placeholder(name)
            continue
        if nid in linear_outputs and getattr(layer, "activation", None) is not None:
            layer = layer.model_copy(update={"activation": "linear"})
        root.add_module(name, layer.build(info.input_shapes))
        args = []
        for e in info.inputs:
            src = values[e.source]
            if len(analysis.nodes[e.source].output_shapes) > 1:
                src = g.call_function(operator.getitem, (src, e.source_port))
            args.append(src)
        values[nid] = g.call_module(name, tuple(args))
    outs = []
    for o in analysis.outputs:
        v = values[o]
        if len(analysis.nodes[o].output_shapes) > 1:
            v = g.call_function(operator.getitem, (v, 0))
        outs.append(v)
    g.output(outs[0] if len(outs) == 1 else tuple(outs))
    gm = fx.GraphModule(root, g, class_name=_class_name(analysis.graph.name))
    gm.node_ids = {v: k for k, v in names.items()}  # submodule name → node id
    return gm


def _class_name(name: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", name)
    cls = "".join(w[:1].upper() + w[1:] for w in words) or "Model"
    return cls if cls[0].isalpha() else f"Model{cls}"


def example_inputs(analysis: Analysis, batch: int = 2, device: str | torch.device = "cpu") -> list[torch.Tensor]:
    """Random inputs in the graph's layout (variable lengths become 5), for tests and exports."""
    out = []
    for nid in analysis.inputs:
        layer = analysis.nodes[nid].layer
        shape = [batch] + [5 if d is None else d for d in layer.shape]
        if layer.dtype == "int64":
            out.append(torch.randint(0, 2, shape, device=device))
        else:
            out.append(torch.randn(shape, device=device))
    return out
