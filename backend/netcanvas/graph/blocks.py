"""Blocks (design.md): inlines a graph's Block nodes into one flat graph that analyze and compile read.

A node {"id": "mixed0", "type": "Block", "block": "inception_a"} uses the definition
`graph.blocks["inception_a"]`. Inlining gives every layer inside it the id "mixed0/<inner id>"
(nested blocks: "a/b/c"), drops the block's Input nodes (its input ports, in node order: their
readers read what is wired into the Block node's port instead) and rewires the readers of the Block
node's output k to the block's k-th output (`BlockDef.outputs`, or else the nodes nothing inside reads
from). Several Block nodes naming one definition are linked copies: one definition, each copy with
its own weights. A Block node with trainable False freezes everything inside it.

A Block node that cannot be inlined (unknown definition, recursion, wires that do not fit its ports…)
stays in the flat graph as an opaque node of type "Block" with a problem naming it; analyze gives it
no shape, so its readers report nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from .schema import BlockDef, Edge, Graph, Node, Problem

BLOCK: Final = "Block"
SEP: Final = "/"
MAX_DEPTH: Final = 8  # blocks inside blocks
MAX_NODES: Final = 20_000  # layers once inlined: linked copies of nested blocks multiply

Src = tuple[str, int]  # (flat node id, output port)


@dataclass
class BlockInstance:
    """One inlined Block node: where its ports lead in the flat graph."""

    id: str  # flat id of the Block node ("mixed0", nested "a/b")
    block: str  # the definition's name
    parent: str | None  # the enclosing instance's id, None at the top level
    input_names: list[str]  # the definition's Input node ids, port order
    inputs: list[Src]  # what feeds each input port (flat sources)
    outputs: list[Src]  # each output port (flat sources)
    members: list[str] = field(default_factory=list)  # flat ids of the layers inside, nested included


@dataclass
class Inlined:
    graph: Graph  # flat: no Block nodes except opaque ones that could not be inlined
    instances: dict[str, BlockInstance]  # outer before inner
    problems: list[Problem]


def uses_blocks(graph: Graph) -> bool:
    return bool(graph.blocks) or any(n.type == BLOCK for n in graph.nodes)


def scope_of(node_id: str) -> str:
    """The instance a flat node is directly inside ("" at the top level)."""
    return node_id.rpartition(SEP)[0]


def default_outputs(d: BlockDef) -> list[str]:
    """A definition's output ports when it lists none: the nodes nothing inside reads from."""
    read = {e.source for e in d.edges}
    return [n.id for n in d.nodes if n.id not in read and n.type != "Input"]


class _Inliner:
    def __init__(self, graph: Graph):
        self.defs = graph.blocks
        self.nodes: list[Node] = []
        self.edges: list[Edge] = []
        self.alias: dict[Src, Src] = {}  # an Input port or a Block output → what it stands for
        self.instances: dict[str, BlockInstance] = {}
        self.problems: list[Problem] = []
        self.count = 0
        self.sizes: dict[str, int] = {}

    def problem(self, node: str | None, message: str, field_: str | None = None) -> None:
        self.problems.append(Problem(node=node, field=field_, message=message))

    def _def_problem(self, n: Node, stack: tuple[str, ...]) -> str | None:
        """Why Block node `n` cannot use its definition, or None."""
        if not n.block:
            return "This Block node names no block: set 'block' to one of the graph's block definitions."
        d = self.defs.get(n.block)
        if d is None:
            known = ", ".join(sorted(self.defs)[:8]) or "none yet"
            return f"There is no block named '{n.block}' in this graph (blocks: {known}); pick one or define it."
        if n.block in stack:
            path = " → ".join((*stack[stack.index(n.block):], n.block))
            return f"Block '{n.block}' contains itself ({path}); a block cannot use itself, even through another."
        if len(stack) >= MAX_DEPTH:
            return f"Blocks are nested more than {MAX_DEPTH} deep here; flatten some of them."
        if not any(m.type == "Input" for m in d.nodes):
            return f"Block '{n.block}' has no Input node: add one for each input port of the block."
        ids = {m.id for m in d.nodes}
        for o in d.outputs or []:
            if o not in ids:
                return f"Block '{n.block}' lists output '{o}', which is not a node inside it; fix its outputs."
        if not (d.outputs or default_outputs(d)):
            return f"Block '{n.block}' has no output: every node inside it feeds another one."
        return None

    def scope(self, nodes: list[Node], edges: list[Edge], prefix: str, ports: list[Src] | None,
              frozen: bool, stack: tuple[str, ...], parent: BlockInstance | None) -> None:
        """Emit one level: the top graph (ports None) or a block's body under `prefix`."""
        block_nodes = {n.id for n in nodes if n.type == BLOCK}
        inputs_here = [n.id for n in nodes if n.type == "Input"] if ports is not None else []
        for k, iid in enumerate(inputs_here):
            self.alias[(prefix + iid, 0)] = ports[k]  # type: ignore[index]  # ports is not None here
        wires: dict[str, dict[int, Src]] = {b: {} for b in block_nodes}
        for e in edges:
            if e.target in block_nodes:
                got = wires[e.target]
                if e.target_port in got:
                    self.problem(prefix + e.target, f"Input {e.target_port + 1} of this block has two wires; "
                                                    "remove one.")
                got[e.target_port] = (prefix + e.source, e.source_port)
            elif e.target in inputs_here:
                self.problem(prefix + e.target, "An Input inside a block is one of the block's input ports; "
                                                "it takes no wire inside the block.")
            else:
                self.edges.append(Edge(source=prefix + e.source, target=prefix + e.target,
                                       source_port=e.source_port, target_port=e.target_port))
        for n in nodes:
            fid = prefix + n.id
            if SEP in n.id:
                self.problem(fid, f"The id '{n.id}' contains '/', which names the nodes inside blocks "
                                  "('block/node'); rename it.", "id")
            if n.id in inputs_here:
                continue
            if n.type != BLOCK:
                self._emit(n, fid, frozen, parent)
                continue
            why = self._def_problem(n, stack)
            d = self.defs.get(n.block or "")
            if why is None and d is not None:
                names = [m.id for m in d.nodes if m.type == "Input"]
                got = wires[n.id]
                extra = sorted(p for p in got if p >= len(names))
                missing = [i for i in range(len(names)) if i not in got]
                if extra:
                    why = (f"This block has {len(got)} wires in, but block '{n.block}' has {len(names)} input(s) "
                           f"({', '.join(names)}): remove the extra wire or add an Input to the block.")
                elif missing:
                    why = (f"Input {missing[0] + 1} ('{names[missing[0]]}') of block '{n.block}' has no wire: "
                           "connect a layer to it.")
                elif self.count + self.size(n.block or "") > MAX_NODES:
                    why = f"Inlining the blocks would make more than {MAX_NODES:,} layers; use fewer copies."
            if why is not None or d is None:
                self.problem(fid, why or "", "block")
                self._emit(n, fid, frozen, parent)  # opaque: analyze gives it no shape
                for port, src in wires[n.id].items():
                    self.edges.append(Edge(source=src[0], source_port=src[1], target=fid, target_port=port))
                continue
            names = [m.id for m in d.nodes if m.type == "Input"]
            outs = list(d.outputs or default_outputs(d))
            inst = BlockInstance(id=fid, block=n.block or "", parent=parent.id if parent else None,
                                 input_names=names, inputs=[wires[n.id][i] for i in range(len(names))],
                                 outputs=[(f"{fid}{SEP}{o}", 0) for o in outs])
            self.instances[fid] = inst
            for k, src in enumerate(inst.outputs):
                self.alias[(fid, k)] = src
            self.scope(d.nodes, d.edges, fid + SEP, inst.inputs, frozen or not n.trainable,
                       (*stack, n.block or ""), inst)

    def _emit(self, n: Node, fid: str, frozen: bool, parent: BlockInstance | None) -> None:
        self.count += 1
        update: dict = {"id": fid}
        if frozen and n.trainable:
            update["trainable"] = False
        self.nodes.append(n.model_copy(update=update))
        while parent is not None:
            parent.members.append(fid)
            parent = self.instances.get(parent.parent) if parent.parent else None

    def size(self, name: str, visiting: frozenset[str] = frozenset()) -> int:
        """Layers a definition inlines to, memoised (linked copies of nested blocks multiply) and
        capped just above MAX_NODES; a recursive use counts as one (it is refused anyway)."""
        if name in self.sizes:
            return self.sizes[name]
        d = self.defs.get(name)
        if d is None or name in visiting:
            return 1
        total = 0
        for n in d.nodes:
            total += self.size(n.block or "", visiting | {name}) if n.type == BLOCK else 1
            if total > MAX_NODES:
                break
        self.sizes[name] = total
        return total

    def resolve(self, src: Src) -> Src | None:
        seen = 0
        while src in self.alias:
            src = self.alias[src]
            seen += 1
            if seen > len(self.alias):
                return None  # a loop through block ports
        return src


def inline(graph: Graph) -> Inlined:
    """The flat graph of `graph` (unchanged when it uses no blocks), its instances and the problems
    found while inlining (each naming a flat node id and, where it is about one, the field)."""
    if not uses_blocks(graph):
        return Inlined(graph, {}, [])
    st = _Inliner(graph)
    st.scope(graph.nodes, graph.edges, "", None, False, (), None)
    edges = []
    for e in st.edges:
        src = st.resolve((e.source, e.source_port))
        if src is None:
            st.problem(e.target, f"The wire into this layer from '{e.source}' loops through block ports; "
                                 "a network must flow one way.")
            continue
        if src[0] in st.instances:
            n_out = len(st.instances[src[0]].outputs)
            st.problem(e.target, f"'{src[0]}' has no output {src[1] + 1} (its block has {n_out}).")
            continue
        edges.append(e.model_copy(update={"source": src[0], "source_port": src[1]}))
    for inst in st.instances.values():  # ports as flat sources, for compile
        for srcs in (inst.inputs, inst.outputs):
            for k, s in enumerate(srcs):
                srcs[k] = st.resolve(s) or s
    if graph.outputs is not None:
        wanted = list(graph.outputs)
    else:
        read = {e.source for e in graph.edges}
        wanted = [n.id for n in graph.nodes if n.id not in read and n.type != "Input"]
    outputs: list[str] = []
    for o in wanted:
        used = st.instances.get(o)
        for s in used.outputs if used is not None else [(o, 0)]:
            if s[1] != 0:
                st.problem(o, f"Output {s[1] + 1} of '{s[0]}' is an output of this block; a model output must be "
                              "a layer's first output: add an Identity layer inside the block for it.")
            elif s[0] not in outputs:
                outputs.append(s[0])
    # not validated again: its parts are, and an inlined graph may exceed the 5,000 nodes a request may send
    flat = Graph.model_construct(format=graph.format, name=graph.name, nodes=st.nodes, edges=edges,
                                 outputs=outputs, blocks={})
    return Inlined(flat, st.instances, st.problems)


def keras_names(node_ids: list[str]) -> list[str]:
    """A layer name per flat id for Keras, which forbids '/': a node inside a block keeps its own
    id where no other node has it ("block1/block1_conv1" → "block1_conv1", as Keras named it), else
    its whole path with '_' ("mixed1/branch1x1" → "mixed1_branch1x1")."""
    last = [nid.rpartition(SEP)[2] for nid in node_ids]
    seen: dict[str, int] = {}
    for s in last:
        seen[s] = seen.get(s, 0) + 1
    return [s if seen[s] == 1 else nid.replace(SEP, "_") for nid, s in zip(node_ids, last, strict=True)]
