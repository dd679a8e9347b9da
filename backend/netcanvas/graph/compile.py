"""Compiles an analysed graph into a torch.fx GraphModule: one call_module per layer.

`GraphModule.code` is the readable forward users see. Node ids become Python-safe submodule
names (`module_names`), which are also the state_dict prefixes.

Masks, as Keras carries them: an Embedding(mask_zero=True) on token ids (time,) makes the mask
`ids != 0`, a Masking layer `any(x != mask_value, -1)` — (batch, time) booleans, computed in the
forward with plain torch calls. A mask follows a value through the kinds in MASK_KEEPERS (Keras's
layers that support masking and hand it on unchanged: Dropout, Activation, Dense, normalizations,
noise…), through the merges (Add… : all inputs masked → their OR; Concatenate of sequences:
features → OR of the masks, time → the masks joined), and through a recurrent layer's sequence
output with return_sequences; any other kind drops it (as Keras does, with a warning). The kinds
in MASK_CONSUMERS receive the mask of their first input as the keyword `mask=` (recurrent layers
keep their state over masked steps, GlobalAveragePooling1D leaves them out of the mean). Mask
values are only computed when some consumer reads them.
"""

from __future__ import annotations

import keyword
import operator
import re
from collections.abc import Callable
from typing import Any

import torch
from torch import fx, nn

from .analyze import Analysis, NodeInfo, analyze
from .schema import Graph

# Keras layers with supports_masking whose compute_mask returns the input's mask.
MASK_KEEPERS = frozenset({
    "Dense", "Activation", "Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout", "AlphaDropout",
    "ActivityRegularization", "BatchNormalization", "LayerNormalization", "GroupNormalization",
    "UnitNormalization", "Rescaling", "Normalization", "ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax",
    "Identity", "TimeDistributed",
})
MASK_CONSUMERS = frozenset({"SimpleRNN", "LSTM", "GRU", "Bidirectional", "GlobalAveragePooling1D"})
MASK_OR_MERGES = frozenset({"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"})
RECURRENT = frozenset({"SimpleRNN", "LSTM", "GRU", "Bidirectional"})


class _Masks:
    """Each value's Keras mask as a recipe, turned into fx nodes only when a consumer asks."""

    def __init__(self, g: fx.Graph, values: dict[str, fx.Node], port: Callable[[str, int], fx.Node]):
        self.g, self.values, self.port = g, values, port
        self.recipes: dict[tuple[str, int], tuple] = {}
        self.done: dict[tuple[str, int], fx.Node] = {}

    def note(self, nid: str, info: NodeInfo) -> None:
        layer: Any = info.layer
        shapes = info.input_shapes or []
        kind = layer.kind()
        srcs = [(e.source, e.source_port) for e in info.inputs]
        masked = [s for s in srcs if s in self.recipes]
        if kind == "Embedding" and getattr(layer, "mask_zero", False) and len(shapes[0]) == 1:
            self.recipes[(nid, 0)] = ("ne", srcs[0], 0)
        elif kind == "Masking":
            self.recipes[(nid, 0)] = ("any_ne", srcs[0], float(layer.mask_value))
        elif not masked:
            return
        elif kind in MASK_KEEPERS or (kind in RECURRENT and layer.return_sequences):
            if srcs[0] in self.recipes:
                self.recipes[(nid, 0)] = ("same", srcs[0])
        elif kind in MASK_OR_MERGES and len(masked) == len(srcs):
            self.recipes[(nid, 0)] = ("or", srcs)
        elif kind == "Concatenate" and all(len(s) == 2 for s in shapes):
            # Keras: the masks (all True for an unmasked input) joined on the axis, then any() over
            # the features: on the time axis the masks joined, on the features their OR.
            time = getattr(layer, "axis", -1) in (1, -2)
            self.recipes[(nid, 0)] = ("cat" if time else "any", srcs)

    def get(self, src: tuple[str, int]) -> fx.Node | None:
        if src not in self.recipes:
            return None
        if src in self.done:
            return self.done[src]
        r, g = self.recipes[src], self.g
        op = r[0]
        m: Any
        if op == "ne":
            m = g.call_function(torch.ne, (self.port(*r[1]), r[2]))
        elif op == "any_ne":
            m = g.call_function(torch.any, (g.call_function(torch.ne, (self.port(*r[1]), r[2])),), {"dim": -1})
        elif op == "same":
            m = self.get(r[1])
        elif op == "or":
            parts = [self.get(s) for s in r[1]]
            m = parts[0]
            for p in parts[1:]:
                m = g.call_function(torch.logical_or, (m, p))
        else:  # Concatenate of sequences: unmasked inputs count as all steps kept
            parts = [self.get(s) if s in self.recipes else self._ones(s) for s in r[1]]
            if op == "cat":
                m = g.call_function(torch.cat, (parts,), {"dim": 1})
            else:
                m = parts[0]
                for p in parts[1:]:
                    m = g.call_function(torch.logical_or, (m, p))
        assert m is not None
        self.done[src] = m
        return m

    def _ones(self, src: tuple[str, int]) -> fx.Node:
        first = self.g.call_function(operator.getitem, (self.port(*src), (slice(None), slice(None), 0)))
        return self.g.call_function(torch.ones_like, (first,), {"dtype": torch.bool})


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
    ports: dict[tuple[str, int], fx.Node] = {}

    def port(source: str, index: int) -> fx.Node:
        """Output `index` of a node (one getitem per port, shared by its readers)."""
        if len(analysis.nodes[source].output_shapes or ()) == 1:
            return values[source]
        if (source, index) not in ports:
            ports[(source, index)] = g.call_function(operator.getitem, (values[source], index))
        return ports[(source, index)]

    masks = _Masks(g, values, port)
    for nid in analysis.order:
        info = analysis.nodes[nid]
        layer = info.layer
        assert layer is not None and info.input_shapes is not None  # analysis.ok
        name = names[nid]
        if layer.kind() == "Input":
            values[nid] = g.placeholder(name)
            continue
        if nid in linear_outputs and layer.kind() == "Softmax":  # the whole layer is the fused activation
            root.add_module(name, nn.Identity())
        else:
            if nid in linear_outputs and getattr(layer, "activation", None) is not None:
                layer = layer.model_copy(update={"activation": "linear"})
            root.add_module(name, layer.build(info.input_shapes))
        args = [port(e.source, e.source_port) for e in info.inputs]
        kwargs: dict[str, Any] = {}
        if layer.kind() in MASK_CONSUMERS and info.inputs:
            mask = masks.get((info.inputs[0].source, info.inputs[0].source_port))
            if mask is not None:
                kwargs["mask"] = mask
        values[nid] = g.call_module(name, tuple(args), kwargs)
        masks.note(nid, info)
    outs = []
    for o in analysis.outputs:
        outs.append(port(o, 0))
    g.output(outs[0] if len(outs) == 1 else tuple(outs))
    gm = fx.GraphModule(root, g, class_name=_class_name(analysis.graph.name))
    setattr(gm, "node_ids", {v: k for k, v in names.items()})  # submodule name → node id  # noqa: B010
    return gm


def _class_name(name: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", name)
    cls = "".join(w[:1].upper() + w[1:] for w in words) or "Model"
    return cls if cls[0].isalpha() else f"Model{cls}"


def example_inputs(analysis: Analysis, batch: int = 2, device: str | torch.device = "cpu") -> list[torch.Tensor]:
    """Random inputs in the graph's layout (variable lengths become 5), for tests and exports."""
    out = []
    for nid in analysis.inputs:
        layer = analysis.input_layer(nid)
        shape = [batch] + [5 if d is None else d for d in layer.shape]
        if layer.dtype == "int64":
            out.append(torch.randint(0, 2, shape, device=device))
        else:
            out.append(torch.randn(shape, device=device))
    return out
