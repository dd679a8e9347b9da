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

import heapq
import keyword
import operator
import re
from collections.abc import Callable
from typing import Any

import torch
from torch import fx, nn

from .analyze import Analysis, NodeInfo, analyze
from .blocks import SEP, BlockInstance, scope_of
from .freeze import freeze_module
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
        # The masks this one is made of first, with an explicit stack in the recursive walk's
        # order: a chain of thousands of mask-keeping layers must not reach the recursion limit.
        stack = [src]
        while stack:
            s = stack[-1]
            if s in self.done:
                stack.pop()
                continue
            r = self.recipes[s]
            deps = [r[1]] if r[0] == "same" else list(r[1]) if r[0] in ("or", "cat", "any") else []
            todo = [d for d in deps if d in self.recipes and d not in self.done]
            if todo:
                stack.extend(reversed(todo))
            else:
                self._build(s)
        return self.done[src]

    def _build(self, src: tuple[str, int]) -> fx.Node:
        """One mask from its recipe; the masks it is made of are built already (get)."""
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

    Each Block instance becomes one submodule, itself a GraphModule of the layers inside it (nested
    blocks nest), so a state_dict key reads "mixed0.branch1x1.weight"; `node_ids` maps every layer's
    submodule path to its (flat) node id, in graph order.

    Raises GraphError when the graph has problems.
    """
    analysis = graph if isinstance(graph, Analysis) else analyze(graph)
    if not analysis.ok:
        raise GraphError(analysis)
    scope = _Scope(analysis, set(linear_outputs), None)
    gm = scope.build()
    setattr(gm, "node_ids", scope.paths)  # submodule path → node id  # noqa: B010
    return gm


def submodule_paths(graph: Graph | Analysis) -> dict[str, str]:
    """Node id → the path of its submodule in compile_graph's module ("mixed0.branch1x1" inside a
    block), which prefixes its state_dict keys; built on the meta device, so no weights are allocated."""
    with torch.device("meta"):
        gm = compile_graph(graph)
    return {nid: path for path, nid in getattr(gm, "node_ids").items()}  # noqa: B009


def node_modules(module: nn.Module) -> dict[str, nn.Module]:
    """Node id → its layer's module, for a module compile_graph built (Inputs have none)."""
    out = {}
    for path, nid in getattr(module, "node_ids", {}).items():
        try:
            out[nid] = module.get_submodule(path)
        except AttributeError:  # an Input: a placeholder, not a submodule
            continue
    return out


def node_of_key(module: nn.Module, key: str) -> str:
    """The node id a state_dict key of a compiled module belongs to (the key's own prefix when
    none: a foreign key)."""
    ids = getattr(module, "node_ids", {})
    path = key
    while path:
        path = path.rpartition(".")[0]
        if path in ids:
            return ids[path]
    return key.split(".")[0]


class _Scope:
    """One fx graph: the whole model (inst None) or the body of one Block instance, whose inputs
    are its ports' placeholders and whose outputs are its output ports (plus any model output
    inside it). Masks are followed within a scope; they do not cross a block's ports."""

    def __init__(self, analysis: Analysis, linear_outputs: set[str], inst: BlockInstance | None,
                 rank: dict[str, int] | None = None):
        self.a, self.linear, self.inst = analysis, linear_outputs, inst
        self.rank = rank if rank is not None else {nid: i for i, nid in enumerate(analysis.order)}
        self.root = nn.Module()
        self.g = fx.Graph()
        self.values: dict[str, fx.Node] = {}
        self.env: dict[tuple[str, int], fx.Node] = {}  # the value of each (node, port) read here
        self.masks = _Masks(self.g, self.values, self.port)
        self.paths: dict[str, str] = {}
        if inst is None:
            self.members: list[str] = list(analysis.order)
            self.exports = [(o, 0) for o in analysis.outputs]
        else:
            inside = set(inst.members)
            self.members = sorted(inside, key=self.rank.__getitem__)  # graph order
            self.exports = list(inst.outputs) + [(o, 0) for o in analysis.outputs
                                                 if o in inside and (o, 0) not in inst.outputs]
        self.member_set = set(self.members)

    def port(self, source: str, index: int) -> fx.Node:
        """Output `index` of a node (one getitem per port, shared by its readers)."""
        key = (source, index)
        if key not in self.env:
            v = self.values[source]
            n_out = len(self.a.nodes[source].output_shapes or ())
            self.env[key] = v if n_out == 1 else self.g.call_function(operator.getitem, (v, index))
        return self.env[key]

    def item_of(self, nid: str) -> str:
        """The node itself, or the Block instance directly in this scope that holds it."""
        if not self.a.blocks:
            return nid
        here = self.inst.id if self.inst is not None else ""
        while (up := scope_of(nid)) != here:
            nid = up
        return nid

    def ordered_items(self) -> list[str]:
        """This scope's layers and child instances in an order where each comes after all it reads
        (a child instance waits for every one of its ports), otherwise in the graph's order."""
        first = list(dict.fromkeys(self.item_of(nid) for nid in self.members))
        if not self.a.blocks:
            return first
        rank = {it: i for i, it in enumerate(first)}
        needs: dict[str, set[str]] = {it: set() for it in first}
        for nid in self.members:
            it = self.item_of(nid)
            srcs = [e.source for e in self.a.nodes[nid].inputs]
            for src in srcs:
                if src in self.member_set and (dep := self.item_of(src)) != it:
                    needs[it].add(dep)
        readers: dict[str, list[str]] = {}
        for it, deps in needs.items():
            for d in deps:
                readers.setdefault(d, []).append(it)
        waiting = {it: len(deps) for it, deps in needs.items()}
        ready = [(rank[it], it) for it, n in waiting.items() if n == 0]
        heapq.heapify(ready)
        out = []
        while ready:
            _, it = heapq.heappop(ready)
            out.append(it)
            for r in readers.get(it, ()):
                waiting[r] -= 1
                if waiting[r] == 0:
                    heapq.heappush(ready, (rank[r], r))
        assert len(out) == len(first), "blocks form a cycle"  # analyze refuses cycles
        return out

    def build(self) -> fx.GraphModule:
        g, a = self.g, self.a
        items = self.ordered_items()
        names = module_names([it.rpartition(SEP)[2] if a.blocks else it for it in items])
        names = {it: names[it.rpartition(SEP)[2] if a.blocks else it] for it in items}
        if self.inst is not None:
            taken = set(names.values())
            for k, src in enumerate(self.inst.inputs):  # the block's Input ids name its ports
                ph = module_names([self.inst.input_names[k]])[self.inst.input_names[k]]
                while ph in taken:
                    ph += "_"
                taken.add(ph)
                self.env.setdefault(src, g.placeholder(ph))
        for it in items:
            if it in a.blocks:
                self._child(a.blocks[it], names[it])
            else:
                self._layer(it, names[it])
        outs = [self.port(*src) for src in self.exports]
        g.output(outs[0] if len(outs) == 1 else tuple(outs))
        name = _class_name(self.inst.block if self.inst is not None else a.graph.name)
        gm = fx.GraphModule(self.root, g, class_name=name)
        if self.inst is not None:
            setattr(gm, "block", self.inst.block)  # noqa: B010  # codegen writes a class per block
        return gm

    def _child(self, inst: BlockInstance, name: str) -> None:
        child = _Scope(self.a, self.linear, inst, self.rank)
        self.root.add_module(name, child.build())
        call = self.g.call_module(name, tuple(self.port(*src) for src in inst.inputs))
        for k, src in enumerate(child.exports):
            if len(child.exports) == 1:
                self.env.setdefault(src, call)
            else:
                self.env.setdefault(src, self.g.call_function(operator.getitem, (call, k)))
        self.paths.update({f"{name}.{path}": nid for path, nid in child.paths.items()})

    def _layer(self, nid: str, name: str) -> None:
        g = self.g
        info = self.a.nodes[nid]
        layer = info.layer
        assert layer is not None and info.input_shapes is not None  # analysis.ok
        self.paths[name] = nid
        if layer.kind() == "Input":
            self.values[nid] = g.placeholder(name)
            return
        if nid in self.linear and layer.kind() == "Softmax":  # the whole layer is the fused activation
            module: nn.Module = nn.Identity()
        else:
            if nid in self.linear and getattr(layer, "activation", None) is not None:
                layer = layer.model_copy(update={"activation": "linear"})
            module = layer.build(info.input_shapes)
        self.root.add_module(name, module)
        if not info.trainable:
            freeze_module(module)
        args = [self.port(e.source, e.source_port) for e in info.inputs]
        kwargs: dict[str, Any] = {}
        if layer.kind() in MASK_CONSUMERS and info.inputs:
            mask = self.masks.get((info.inputs[0].source, info.inputs[0].source_port))
            if mask is not None:
                kwargs["mask"] = mask
        self.values[nid] = g.call_module(name, tuple(args), kwargs)
        self.masks.note(nid, info)


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
