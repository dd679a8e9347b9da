"""Checks a graph and infers every shape and parameter count, without allocating weights.

`analyze` never raises for a bad graph: every problem comes back with the node and field it is
about, in a sentence a learner understands. `compile` uses the same analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter

from pydantic import ValidationError

from ..layers import REGISTRY, Layer, ParamCount, Shape, ShapeError
from ..layers.input import Input
from .block_report import add_inline_problems, block_entries
from .blocks import BLOCK, BlockInstance, inline, uses_blocks
from .budget import Budget, activation_bytes, add_budget_problems, weight_bytes
from .cost import node_macs
from .freeze import frozen_counts
from .order import kahn_order
from .schema import Edge, Graph, Problem


@dataclass
class NodeInfo:
    layer: Layer | None = None
    inputs: list[Edge] = field(default_factory=list)  # incoming edges, ordered by target_port
    input_shapes: list[Shape] | None = None
    output_shapes: list[Shape] | None = None
    output_dtypes: list[str] | None = None  # "float32" | "int64" per output port (_dtype_flow)
    counts: ParamCount | None = None  # as Keras's model.summary() counts them (frozen: all non-trainable)
    trainable: bool = True  # the node's flag (graph/freeze.py)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Analysis:
    graph: Graph
    nodes: dict[str, NodeInfo]
    order: list[str]  # topological; empty when the graph has a cycle
    inputs: list[str]
    outputs: list[str]
    problems: list[Problem]
    # Block instances by flat id (graph/blocks.py). `graph` stays the graph as given (save that one:
    # its compiled module nests blocks); nodes, order, inputs and outputs are the inlined graph's.
    blocks: dict[str, BlockInstance] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def counts(self) -> ParamCount:
        return sum((n.counts for n in self.nodes.values() if n.counts is not None), ParamCount())

    @property
    def total_params(self) -> int:
        return self.counts.total

    def input_layer(self, node_id: str) -> Input:
        """The Input layer of one of `inputs` (TypeError for another node)."""
        layer = self.nodes[node_id].layer
        if not isinstance(layer, Input):
            raise TypeError(f"'{node_id}' is not an Input layer.")
        return layer

    def shapes_of(self, node_id: str) -> list[Shape]:
        """The output shapes of a node of a graph without problems (ValueError when unknown)."""
        shapes = self.nodes[node_id].output_shapes
        if shapes is None:
            raise ValueError(f"The output shape of '{node_id}' is unknown: the graph has problems there.")
        return shapes

    def report(self) -> dict:
        """The /api/graphs/validate answer (docs/api.md)."""
        counts = self.counts
        memory = {nid: (weight_bytes(info), activation_bytes(info)) for nid, info in self.nodes.items()}
        macs = {nid: node_macs(info) for nid, info in self.nodes.items()}
        return {
            "ok": self.ok,
            "total_params": counts.total,
            "trainable_params": counts.trainable,
            "non_trainable_params": counts.non_trainable,
            "weight_bytes": sum(w or 0 for w, _ in memory.values()),
            "activation_bytes": sum(a or 0 for _, a in memory.values()),
            "macs": sum(m or 0 for m in macs.values()),
            "nodes": {
                nid: {
                    "output_shapes": [list(s) for s in info.output_shapes] if info.output_shapes else None,
                    "params": info.counts.total if info.counts else None,
                    "trainable_params": info.counts.trainable if info.counts else None,
                    "trainable": info.trainable,
                    "weight_bytes": memory[nid][0],
                    "activation_bytes": memory[nid][1],
                    "macs": macs[nid],
                    "problems": [p.model_dump() for p in info.problems],
                    "block": None,  # a layer; Block instances' entries name their block (block_report.py)
                }
                for nid, info in self.nodes.items()
            } | self._block_entries(memory, macs),
            "problems": [p.model_dump() for p in self.problems],
            "inputs": self.inputs,
            "outputs": self.outputs,
        }


    def _block_entries(self, memory: dict[str, tuple[int | None, int | None]],
                       macs: dict[str, int | None]) -> dict[str, dict]:
        """Block instances' entries (block_report.py), with the bytes of the layers inside summed."""
        entries = block_entries(self)
        for bid, entry in entries.items():
            inside = [memory[m] for m in self.blocks[bid].members if m in memory]
            entry["weight_bytes"] = sum(w or 0 for w, _ in inside)
            entry["activation_bytes"] = sum(a or 0 for _, a in inside)
            entry["macs"] = sum(macs[m] or 0 for m in self.blocks[bid].members if m in macs)
        return entries


def _param_problems(node_id: str, kind: str, err: ValidationError) -> list[Problem]:
    out = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or None
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = f"{kind} has no parameter '{loc}'"
        elif e["type"] == "missing":
            msg = f"{kind} needs '{loc}'"
        out.append(Problem(node=node_id, field=loc, message=f"{msg}." if not msg.endswith(".") else msg))
    return out


def analyze(graph: Graph, budget: Budget | None = None) -> Analysis:
    """The analysis of `graph`; a graph with blocks is analysed inlined (graph/blocks.py), so its
    problems name the nodes inside the blocks ("mixed0/branch1x1"). With a `budget`, nodes whose
    weights or outputs would not fit it get a problem too (graph/budget.py)."""
    if not uses_blocks(graph):
        analysis = _analyze_flat(graph)
    else:
        inlined = inline(graph)
        analysis = _analyze_flat(inlined.graph)
        analysis.blocks = inlined.instances
        analysis.graph = graph
        add_inline_problems(analysis, inlined.problems)
    if budget is not None:
        add_budget_problems(analysis, budget)
    return analysis


def _analyze_flat(graph: Graph) -> Analysis:
    nodes: dict[str, NodeInfo] = {}
    problems: list[Problem] = []

    def problem(node: str | None, message: str, field_: str | None = None) -> None:
        p = Problem(node=node, field=field_, message=message)
        problems.append(p)
        if node in nodes:
            nodes[node].problems.append(p)

    for n in graph.nodes:
        if n.id in nodes:
            problem(None, f"Two nodes share the id '{n.id}'; ids must be unique.")
            continue
        nodes[n.id] = info = NodeInfo(trainable=n.trainable)
        if n.type == BLOCK:
            continue  # a Block node the inliner could not use: its problem is reported there
        cls = REGISTRY.get(n.type)
        if cls is None:
            problem(n.id, f"Unknown layer type '{n.type}'.", "type")
            continue
        try:
            info.layer = cls.model_validate(n.params)
        except ValidationError as err:
            for p in _param_problems(n.id, n.type, err):
                problems.append(p)
                info.problems.append(p)

    if not graph.nodes:
        problem(None, "The graph is empty: add an Input layer and wire it to your first layer.")

    # Edges: both ends must exist, ports must exist, each input port takes one wire.
    taken: dict[tuple[str, int], Edge] = {}
    for e in graph.edges:
        if e.source not in nodes or e.target not in nodes:
            missing = e.source if e.source not in nodes else e.target
            problem(None, f"An edge {e.source} → {e.target} refers to a node '{missing}' that does not exist.")
            continue
        if e.source == e.target:
            problem(e.target, "A layer cannot be wired to itself.")
            continue
        if (e.target, e.target_port) in taken:
            problem(e.target, f"Input {e.target_port + 1} of this layer has two wires; remove one.")
            continue
        taken[(e.target, e.target_port)] = e
        nodes[e.target].inputs.append(e)
    for info in nodes.values():
        info.inputs.sort(key=lambda e: e.target_port)

    flow = ((e.source, nid) for nid, info in nodes.items() for e in info.inputs)
    order = kahn_order(nodes, flow)
    if len(order) < len(nodes):  # a cycle: graphlib names it (slower than Kahn's order, so only here)
        sorter = TopologicalSorter({nid: [e.source for e in info.inputs] for nid, info in nodes.items()})
        try:
            sorter.prepare()
        except CycleError as err:
            cycle = " → ".join(err.args[1])
            for nid in dict.fromkeys(err.args[1]):
                problem(nid, f"This layer is part of a cycle ({cycle}); a network must flow one way.")
        order = []

    inputs = [n.id for n in graph.nodes if n.type == "Input" and n.id in nodes]
    if graph.nodes and not inputs:
        problem(None, "The graph has no Input layer: add one and set its shape.")

    read_from = {e.source for e in graph.edges}
    if graph.outputs is not None:
        outputs = list(graph.outputs)
        for o in outputs:
            if o not in nodes:
                problem(None, f"Output '{o}' is not a node of the graph.")
        outputs = [o for o in outputs if o in nodes]
    else:
        outputs = [n.id for n in graph.nodes if n.id in nodes and n.id not in read_from and n.type != "Input"]
    if graph.nodes and inputs and not outputs:
        problem(None, "The graph has no output: every layer feeds another one.")

    for nid in order:
        info = nodes[nid]
        layer = info.layer
        if layer is None:
            continue
        cls = type(layer)
        n_in = len(info.inputs)
        if n_in < cls.min_inputs or (cls.max_inputs is not None and n_in > cls.max_inputs):
            problem(nid, _arity_message(cls, n_in))
            continue
        ports = [e.target_port for e in info.inputs]
        if ports != list(range(n_in)):
            problem(nid, f"{cls.kind()} inputs must fill ports 1..{n_in} without gaps.")
            continue
        shapes: list[Shape] = []
        for e in info.inputs:
            src = nodes[e.source]
            if src.output_shapes is None:
                break  # the upstream problem is reported there
            if e.source_port >= len(src.output_shapes):
                problem(nid, f"'{e.source}' has no output {e.source_port + 1} (it has {len(src.output_shapes)}).")
                break
            shapes.append(src.output_shapes[e.source_port])
        else:
            info.input_shapes = shapes
            try:
                info.output_shapes = [tuple(s) for s in layer.output_shapes(shapes)]
                counts = layer.param_count(shapes)
                info.counts = counts if info.trainable else frozen_counts(counts)
            except ShapeError as err:
                problem(nid, err.naming([e.source for e in info.inputs]), err.field)
            else:
                srcs = [(e.source, nodes[e.source]) for e in info.inputs]
                dtypes = [src.output_dtypes[e.source_port] if src.output_dtypes else "float32"
                          for e, (_, src) in zip(info.inputs, srcs)]
                out_dtype, why = _dtype_flow(nid, layer, [s for s, _ in srcs], dtypes)
                info.output_dtypes = [out_dtype] * len(info.output_shapes)
                if why:
                    problem(nid, why)

    if not problems and any(None in shape for nid in inputs for shape in nodes[nid].output_shapes or ()):
        found = _probe_lengths(nodes, order)
        if found:
            problem(*found)

    # Layers that no Input reaches cannot run.
    if order and inputs:
        reached = set(inputs)
        for nid in order:
            if any(e.source in reached for e in nodes[nid].inputs):
                reached.add(nid)
        for nid, info in nodes.items():
            if nid not in reached and info.layer is not None and not info.problems:
                problem(nid, "No path from an Input reaches this layer: wire it to the network.")

    return Analysis(graph, nodes, order, inputs, outputs, problems)


# The lengths a variable (None) length is tried at, once the shapes hold with None: None is not one
# length but any, so two branches that change it differently (a "valid" convolution on one, none on
# the other; a pool that rounds down against a convolution that rounds up) both say None, and a
# Reshape of a variable length fits only some. Odd prime, power of two, odd composite: roundings and
# divisibility that differ between them show. Every variable-length Input takes the same length (as
# in Keras, the data must agree where variable lengths meet).
PROBE_LENGTHS = (1009, 1024, 1155)


def _probe_lengths(nodes: dict[str, NodeInfo], order: list[str]) -> tuple[str, str] | None:
    """The first node (and why) whose shape rule refuses its inputs when the variable lengths are
    concrete, or None when every probe length fits. Only run on a graph without problems."""
    for length in PROBE_LENGTHS:
        concrete: dict[str, list[Shape]] = {}
        for nid in order:
            layer = nodes[nid].layer
            if layer is None:
                return None
            if isinstance(layer, Input):
                concrete[nid] = [tuple(length if d is None else d for d in layer.shape)]
                continue
            shapes = [concrete[e.source][e.source_port] for e in nodes[nid].inputs]
            try:
                concrete[nid] = [tuple(s) for s in layer.output_shapes(shapes)]
            except ShapeError as err:
                return nid, (f"{layer.kind()} '{nid}' fits only some lengths of the variable-length input: for "
                             f"sequences of {length} steps, {err.naming([e.source for e in nodes[nid].inputs])} "
                             "Make every branch that meets here change the length the same way (padding=\"same\" "
                             "keeps it), or give the Input a fixed length.")
    return None


def _dtype_flow(nid: str, layer: Layer, sources: list[str], dtypes: list[str]) -> tuple[str, str | None]:
    """The dtype of a node's outputs and, when its module cannot compute on what it is given, why
    (with the fix). Inputs give their own dtype; see Layer.dtypes for the kinds' rules. A node with
    a problem still gets the dtype it would give, so the layers after it are judged on their own."""
    kind, rule = layer.kind(), type(layer).dtypes
    if isinstance(layer, Input):
        return layer.dtype, None
    ints = [s for s, d in zip(sources, dtypes) if d == "int64"]
    floats = [s for s, d in zip(sources, dtypes) if d != "int64"]
    if rule == "cast":
        return "float32", None
    if rule == "int":
        if floats:
            return "float32", (f"{kind} '{nid}' reads int64 token ids but '{floats[0]}' gives float32 values: set "
                               "the Input dtype to int64 (token ids below input_dim), or use Dense for numbers.")
        return "float32", None
    if rule == "same":
        if ints and floats:
            return "float32", (f"{kind} '{nid}' joins int64 token ids from '{ints[0]}' with float32 values from "
                               f"'{floats[0]}': give its inputs one dtype (put an Embedding after '{ints[0]}', "
                               "or set the Inputs' dtypes to match).")
        return ("int64" if ints else "float32"), None
    if ints:
        return "float32", (f"{kind} '{nid}' computes on floats but '{ints[0]}' gives int64 token ids: put an "
                           "Embedding first (or set the Input dtype to float32).")
    return "float32", None


def _arity_message(cls: type[Layer], n: int) -> str:
    kind = cls.kind()
    if cls.max_inputs == 0:
        return f"{kind} is where data enters; it takes no incoming wire."
    if n == 0:
        return f"{kind} has no input: wire a layer into it."
    if cls.max_inputs is None:
        return f"{kind} joins at least {cls.min_inputs} inputs, got {n}."
    if cls.min_inputs == cls.max_inputs == 1:
        return f"{kind} takes one input, got {n}: join branches with a merge layer (Concatenate, Add) first."
    return f"{kind} takes {cls.min_inputs}–{cls.max_inputs} inputs, got {n}."
