"""Graph surgery for transfer learning: cut a graph at nodes, or replace its classifier head.

Pure graph operations (no torch, no weights): they return a new Graph whose kept nodes keep their
ids, so weights can follow them by node id (training.node_weights). Errors are SurgeryError, a
ValueError whose message names the node and the fix (the API answers 422 with it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from .analyze import analyze
from .blocks import inline, uses_blocks
from .schema import Edge, Graph, Node, Position

# The pooling that makes a (C, H, W) image or a (T, F) sequence one vector, by rank of the shape.
POOLING_BY_RANK = {2: "GlobalAveragePooling1D", 3: "GlobalAveragePooling2D", 4: "GlobalAveragePooling3D"}


class SurgeryError(ValueError):
    """The cut or the new head cannot be made; `node` is the node it is about (or None)."""

    def __init__(self, message: str, node: str | None = None):
        super().__init__(message)
        self.node = node


@dataclass
class HeadSpec:
    """The new classifier head: a Dense layer of `units` ending in `activation`."""

    units: int
    activation: str | None  # "softmax" | "sigmoid" | None (linear, for values)


@dataclass
class Surgery:
    graph: Graph
    new_nodes: list[str] = field(default_factory=list)  # nodes without weights from the source
    notes: list[str] = field(default_factory=list)  # what was done beyond the obvious, in sentences


def resolve(graph: Graph, nodes: Sequence[str], flat: bool = False) -> tuple[Graph, list[str]]:
    """The graph to cut and the ids of `nodes` in it: `graph` itself when every id is a node of it
    (and not `flat`); else (an id inside a block, "<instance>/<inner>") the inlined graph, where a
    Block node's id stands for its first output."""
    top = {n.id for n in graph.nodes}
    if not uses_blocks(graph) or (all(n in top for n in nodes) and not flat):
        return graph, list(nodes)
    inlined = inline(graph)
    if inlined.problems:
        first = inlined.problems[0]
        raise SurgeryError(f"The graph's blocks cannot be opened: {first.message}", first.node)
    ids = []
    for nid in nodes:
        inst = inlined.instances.get(nid)
        if inst is not None and inst.outputs and inst.outputs[0][1] != 0:
            raise SurgeryError(f"The output of block node '{nid}' is output {inst.outputs[0][1] + 1} of "
                               f"'{inst.outputs[0][0]}': name a layer inside the block instead.", nid)
        ids.append(inst.outputs[0][0] if inst is not None and inst.outputs else nid)
    return inlined.graph, ids


def check_nodes(graph: Graph, nodes: Sequence[str], what: str = "node") -> None:
    """SurgeryError for an id that is no node of `graph` or is an Input (whose output is the batch)."""
    by_id = {n.id: n for n in graph.nodes}
    for nid in nodes:
        node = by_id.get(nid)
        if node is None:
            near = [n.id for n in graph.nodes if nid.lower() in n.id.lower()][:5]
            hint = f" (did you mean {', '.join(repr(n) for n in near)}?)" if near else ""
            raise SurgeryError(f"'{nid}' is not a node of this graph{hint}: use a node id as the canvas shows it "
                               f"(a node inside a block is '<block node>/<inner node>').", nid)
        if node.type == "Input":
            raise SurgeryError(f"'{nid}' is an Input: its output is the batch you send. Choose a layer after it.",
                               nid)


def upstream(graph: Graph, nodes: Iterable[str]) -> set[str]:
    """`nodes` and every node they read from, directly or not."""
    sources: dict[str, list[str]] = {}
    for e in graph.edges:
        sources.setdefault(e.target, []).append(e.source)
    seen: set[str] = set()
    todo = list(nodes)
    while todo:
        nid = todo.pop()
        if nid not in seen:
            seen.add(nid)
            todo.extend(sources.get(nid, ()))
    return seen


def downstream(graph: Graph, node: str) -> set[str]:
    """`node` and every node that reads from it, directly or not."""
    readers: dict[str, list[str]] = {}
    for e in graph.edges:
        readers.setdefault(e.source, []).append(e.target)
    seen: set[str] = set()
    todo = [node]
    while todo:
        nid = todo.pop()
        if nid not in seen:
            seen.add(nid)
            todo.extend(readers.get(nid, ()))
    return seen


def _keep(graph: Graph, keep: set[str], outputs: list[str], name: str, extra_nodes: Sequence[Node] = (),
          extra_edges: Sequence[Edge] = ()) -> Graph:
    nodes = [n for n in graph.nodes if n.id in keep] + list(extra_nodes)
    edges = [e for e in graph.edges if e.source in keep and e.target in keep] + list(extra_edges)
    return Graph(name=name, nodes=nodes, edges=edges, outputs=outputs, blocks=graph.blocks)


def cut(graph: Graph, nodes: Sequence[str], name: str | None = None) -> Surgery:
    """The graph ending at `nodes` (its outputs, in order): they and everything upstream that they
    need; the other branches and outputs are dropped."""
    if not nodes:
        raise SurgeryError("Name at least one node to cut at.")
    graph, nodes = resolve(graph, nodes)
    check_nodes(graph, nodes)
    nodes = list(dict.fromkeys(nodes))
    keep = upstream(graph, nodes)
    dropped = [n.id for n in graph.nodes if n.id not in keep]
    notes = []
    if dropped:
        shown = ", ".join(f"'{d}'" for d in dropped[:8]) + (f" and {len(dropped) - 8} more" if len(dropped) > 8 else "")
        notes.append(f"Cut at {', '.join(repr(n) for n in nodes)}: dropped {len(dropped)} layer(s) "
                     f"that it does not need ({shown}).")
    return Surgery(_keep(graph, keep, nodes, name or f"{graph.name} (cut at {nodes[0]})"), notes=notes)


def _unique(graph: Graph, base: str) -> str:
    ids = {n.id for n in graph.nodes}
    nid, i = base, 1
    while nid in ids:
        i += 1
        nid = f"{base}_{i}"
    return nid


def _placer(graph: Graph, node: str) -> Callable[[int], Position | None]:
    """Where the k-th new layer goes: k steps on from `node` in the direction the graph flows there
    (from the layer feeding it), a card's length apart at least; None where nodes have no position."""
    pos = {n.id: n.position for n in graph.nodes}
    base = pos.get(node)
    fed_by = next((pos.get(e.source) for e in graph.edges if e.target == node), None)
    dx, dy = (base.x - fed_by.x, base.y - fed_by.y) if base and fed_by else (0.0, 1.0)
    if abs(dy) >= abs(dx):
        dx, dy = 0.0, math.copysign(max(abs(dy), 150.0), dy or 1.0)
    else:
        dx, dy = math.copysign(max(abs(dx), 280.0), dx), 0.0
    return lambda k: None if base is None else Position(x=base.x + k * dx, y=base.y + k * dy)


def replace_head(graph: Graph, from_node: str, head: HeadSpec, *, add_pooling: bool = False,
                 name: str | None = None, keep_node: bool = False) -> Surgery:
    """Remove `from_node` and everything downstream of it, and put a new Dense head on the layer
    that fed it (`keep_node`: keep `from_node` and put the head on it, removing only what follows:
    a head on top of a base without one). The new graph has one output, the head; branches the
    head does not need are dropped. A head on an image or a sequence needs pooling first: with
    `add_pooling` a global average pooling is added (and a note says so), without it SurgeryError
    says how to fix it."""
    graph, (from_node,) = resolve(graph, [from_node])
    check_nodes(graph, [from_node])
    if keep_node:
        attach = Edge(source=from_node, target=from_node)
        removed = downstream(graph, from_node) - {from_node}
    else:
        into = [e for e in graph.edges if e.target == from_node]
        if len(into) != 1:
            raise SurgeryError(f"'{from_node}' joins {len(into)} inputs, so there is no single layer to put the "
                               "new head on: choose the first layer of the classifier after the merge.", from_node)
        attach = into[0]
        removed = downstream(graph, from_node)
    analysis = analyze(graph)
    node, port = attach.source, attach.source_port
    inst = analysis.blocks.get(node)
    if inst is not None and port < len(inst.outputs):  # a Block node: the layer giving that output
        node, port = inst.outputs[port]
    shapes = analysis.nodes[node].output_shapes if node in analysis.nodes else None
    if shapes is None or port >= len(shapes):
        problem = next((p.message for p in analysis.problems), "its shape is unknown")
        raise SurgeryError(f"The output shape of '{attach.source}' is unknown ({problem}): fix the graph first.",
                           attach.source)
    shape = shapes[port]
    rest = Graph(name=graph.name, nodes=[n for n in graph.nodes if n.id not in removed],
                 edges=[e for e in graph.edges if e.source not in removed and e.target not in removed],
                 blocks=graph.blocks)
    # the new layers where the old head began (below the kept node); none where nodes have no position
    place = _placer(graph, from_node)
    step = 0 if not keep_node else 1
    new_nodes: list[Node] = []
    new_edges: list[Edge] = []
    gone = ", ".join(f"'{r}'" for r in [n.id for n in graph.nodes if n.id in removed][:8]) + (
        " …" if len(removed) > 8 else "")
    if keep_node:
        notes = [f"Put the new head on '{from_node}'" + (f", removing what followed it ({gone})." if removed else ".")]
    else:
        notes = [f"Removed the old head, '{from_node}' and all after it ({len(removed)} layer(s): {gone})."]
    source, port = attach.source, attach.source_port
    if len(shape) != 1:
        pooling = POOLING_BY_RANK.get(len(shape))
        shown = "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"
        if pooling is None or not add_pooling:
            fix = (f"add a {pooling} (send \"add_pooling\": true) or a Flatten after it, or choose a later node"
                   if pooling else "choose a node whose output is a flat vector")
            raise SurgeryError(f"'{source}' gives {shown} per sample, not a flat vector, so a Dense head cannot "
                               f"sit on it: {fix}.", source)
        pool = _unique(rest, "head_pool")
        new_nodes.append(Node(id=pool, type=pooling, params={}, position=place(step)))
        step += 1
        new_edges.append(Edge(source=source, target=pool, source_port=port))
        notes.append(f"'{source}' gives {shown} per sample: added {pooling} '{pool}' so the head gets a vector.")
        source, port = pool, 0
        rest = rest.model_copy(update={"nodes": rest.nodes + new_nodes})
    head_id = _unique(rest, "head")
    params: dict[str, object] = {"units": head.units}
    if head.activation:
        params["activation"] = head.activation
    new_nodes.append(Node(id=head_id, type="Dense", params=params, position=place(step)))
    new_edges.append(Edge(source=source, target=head_id, source_port=port))
    notes.append(f"New head '{head_id}': Dense({head.units}{', ' + head.activation if head.activation else ''}), "
                 "freshly initialised; every other layer keeps its weights.")
    whole = Graph(name=graph.name, nodes=rest.nodes + [new_nodes[-1]], edges=rest.edges + new_edges,
                  blocks=graph.blocks)
    keep = upstream(whole, [head_id])
    dropped = [n.id for n in rest.nodes if n.id not in keep]
    if dropped:
        notes.append("Dropped branches the new head does not use: " + ", ".join(f"'{d}'" for d in dropped[:8])
                     + (" …" if len(dropped) > 8 else "") + ".")
    out = _keep(whole, keep, [head_id], name or f"{graph.name} (new head)")
    return Surgery(out, new_nodes=[n.id for n in new_nodes], notes=notes)
