"""Flat graph → graph with blocks: groups of nodes become Block nodes (graph/blocks.py inlines them
back to the same layers, so the model and its weights do not change; only the ids gain the block's
prefix, "block4/block4_conv1").

`group_into_blocks` makes the blocks from any assignment node → group (Keras import uses the nested
models' names); `keras_groups` assigns by the names keras.applications gives its layers
(`mixed5`, `conv3_block2_…`, `block4_…`), so a 313-layer InceptionV3 reads as tens of nodes;
`regroup_state` moves a compiled flat graph's weights to the grouped graph's module.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import torch

from .analyze import analyze
from .blocks import BLOCK, SEP
from .order import kahn_order
from .schema import BlockDef, Edge, Graph, Node

# keras.applications' layer names → the block they belong to (first match wins)
KERAS_PATTERNS: Final = (
    re.compile(r"^(conv\d+_block\d+)_"),  # ResNet, DenseNet: conv3_block2_1_conv
    re.compile(r"^(block_?\d+)_"),  # VGG, Xception: block4_conv1; MobileNetV2: block_3_expand
    re.compile(r"^(expanded_conv)(?:_|$)"),  # MobileNetV2's first block
    re.compile(r"^(pool\d+)_"),  # DenseNet transitions pool2_conv, ResNet pool1_pad
    re.compile(r"^(conv\d+)_"),  # ResNet, DenseNet stems: conv1_conv
    re.compile(r"^(mixed\d+)$"),  # InceptionV3's modules, by the Concatenate each ends with
)
GROUP_MIN_NODES: Final = 12  # smaller imports read fine flat (VGG16 without its top has 19 layers)


@dataclass
class Grouped:
    graph: Graph
    ids: dict[str, str]  # old node id → its id in the grouped graph's flat form ("block1/block1_conv1")


def keras_groups(graph: Graph) -> dict[str, str]:
    """Node id → group, by Keras's naming. A layer Keras named after no block (InceptionV3's
    `conv2d_57`, Xception's residual `add_3`) joins the first block downstream of it, provided some
    block lies upstream of it or it comes after the layer where that block starts (the block's
    first layer's immediate dominator: InceptionV3's mixed0 branches after the stem's last pool),
    so a stem before the first block and a head after the last stay at the top level."""
    order = [n.id for n in graph.nodes]
    kind = {n.id: n.type for n in graph.nodes}
    groups: dict[str, str] = {}
    for nid in order:
        if kind[nid] in ("Input", BLOCK):
            continue
        for pat in KERAS_PATTERNS:
            m = pat.match(nid)
            if m:
                groups[nid] = m.group(1)
                break
    topo = _topo(graph)
    if topo is None:
        return {}
    rank = {nid: i for i, nid in enumerate(topo)}
    group_rank: dict[str, int] = {}
    for nid in topo:
        if nid in groups:
            group_rank.setdefault(groups[nid], rank[nid])
    inputs: dict[str, list[str]] = {nid: [] for nid in order}
    readers: dict[str, list[str]] = {nid: [] for nid in order}
    for e in graph.edges:
        if e.source in inputs and e.target in inputs:
            inputs[e.target].append(e.source)
            readers[e.source].append(e.target)
    below: dict[str, bool] = {}  # some block lies upstream
    for nid in topo:
        below[nid] = any(s in groups or below[s] for s in inputs[nid])
    ahead: dict[str, str | None] = {}  # the first block downstream
    for nid in reversed(topo):
        cands = [groups[r] if r in groups else ahead[r] for r in readers[nid]]
        found = [c for c in cands if c is not None]
        ahead[nid] = min(found, key=lambda g: group_rank[g]) if found else None
    idom = _dominators(topo, inputs)
    first: dict[str, str] = {}
    for nid in topo:
        if nid in groups:
            first.setdefault(groups[nid], nid)
    for nid in topo:
        g = ahead[nid]
        if nid in groups or kind[nid] in ("Input", BLOCK) or g is None:
            continue
        if below[nid] or _dominated(nid, idom.get(first[g], ""), idom):
            groups[nid] = g
    return groups


def _dominators(topo: list[str], inputs: Mapping[str, list[str]]) -> dict[str, str]:
    """Immediate dominators of a DAG in topological order, from a virtual root "" before the inputs."""
    idom: dict[str, str] = {}
    depth: dict[str, int] = {"": 0}
    for nid in topo:
        preds = inputs[nid]
        d = preds[0] if preds else ""
        for p in preds[1:]:
            a, b = d, p
            while a != b:
                if depth[a] >= depth[b]:
                    a = idom.get(a, "")
                else:
                    b = idom.get(b, "")
            d = a
        idom[nid] = d
        depth[nid] = depth[d] + 1
    return idom


def _dominated(nid: str, by: str, idom: Mapping[str, str]) -> bool:
    """`by` strictly dominates `nid` (the root "" dominates nothing here: it is no layer)."""
    if not by:
        return False
    while nid:
        nid = idom.get(nid, "")
        if nid == by:
            return True
    return False


def group_by_keras_names(graph: Graph) -> Grouped:
    """keras_groups applied, for graphs of at least GROUP_MIN_NODES nodes without blocks."""
    if len(graph.nodes) < GROUP_MIN_NODES or graph.blocks:
        return Grouped(graph, {n.id: n.id for n in graph.nodes})
    return group_into_blocks(graph, keras_groups(graph))


def group_into_blocks(graph: Graph, assign: Mapping[str, str],
                      inner_ids: Mapping[str, str] | None = None, min_size: int = 2) -> Grouped:
    """Each group of at least `min_size` nodes becomes a block definition (named like the group)
    used by one Block node; a group whose nodes are all frozen becomes a frozen Block node (its
    layers' own flags true: unfreezing the block unfreezes them). `inner_ids` may give a node another id inside its block (a nested Keras model's layer its
    own name there, which the import had to prefix where it clashed outside). A group that cannot be one is left flat: one holding an Input, one whose nodes are read
    outside it through an output other than the first, or one that would close a cycle with
    another block (its nodes are not contiguous in the flow)."""
    nodes = {n.id: n for n in graph.nodes}
    members: dict[str, list[str]] = {}
    for n in graph.nodes:
        g = assign.get(n.id)
        if g is not None and n.type not in ("Input", BLOCK):
            members.setdefault(g, []).append(n.id)
    inside = {nid: g for g, ms in members.items() for nid in ms}
    for g, ms in list(members.items()):
        bad = len(ms) < min_size or any(e.source_port != 0 for e in graph.edges
                                 if inside.get(e.source) == g and inside.get(e.target) != g)
        if bad:
            for nid in members.pop(g):
                del inside[nid]
    while members:  # drop groups on a cycle of the contracted graph until it has none
        cyclic = _cyclic_groups(graph, inside)
        if not cyclic:
            break
        for g in cyclic:
            for nid in members.pop(g):
                del inside[nid]
    if not members:
        return Grouped(graph, {n.id: n.id for n in graph.nodes})
    local = _local_ids(members, inner_ids or {})

    top_ids = {nid for nid in nodes if nid not in inside}
    inst_of: dict[str, str] = {}
    for g in members:
        iid = g
        while iid in top_ids or iid in graph.blocks:
            iid += "_block"
        inst_of[g] = iid
        top_ids.add(iid)
    outputs = list(graph.outputs) if graph.outputs is not None else None
    model_outputs = set(outputs or [])

    # ports of each group: what enters (distinct sources) and what leaves (distinct members)
    in_ports: dict[str, list[tuple[str, int]]] = {g: [] for g in members}
    out_ports: dict[str, list[str]] = {g: [] for g in members}
    for e in graph.edges:
        gs, gt = inside.get(e.source), inside.get(e.target)
        if gt is not None and gs != gt and (e.source, e.source_port) not in in_ports[gt]:
            in_ports[gt].append((e.source, e.source_port))
        if gs is not None and gs != gt and e.source not in out_ports[gs]:
            out_ports[gs].append(e.source)
    for g, ms in members.items():
        for nid in ms:
            if nid in model_outputs and nid not in out_ports[g]:
                out_ports[g].append(nid)
            if outputs is None and nid not in out_ports[g] and not any(e.source == nid for e in graph.edges):
                out_ports[g].append(nid)  # a model output by default: nothing reads it
    order = {nid: i for i, nid in enumerate(nodes)}
    for g in members:
        out_ports[g].sort(key=order.__getitem__)

    def source(src: str, port: int) -> tuple[str, int]:
        """Where a top-level wire from (src, port) comes from once grouped."""
        g = inside.get(src)
        return (src, port) if g is None else (inst_of[g], out_ports[g].index(src))

    shapes = _shapes(graph)
    blocks = dict(graph.blocks)
    top_nodes: list[Node] = []
    placed: set[str] = set()
    for n in graph.nodes:
        g = inside.get(n.id)
        if g is None:
            top_nodes.append(n)
            continue
        if g in placed:
            continue
        placed.add(g)
        ms = members[g]
        taken = {local[m] for m in ms}
        in_ids = []
        for k in range(len(in_ports[g])):
            iid = "input" if k == 0 else f"input_{k + 1}"
            while iid in taken:
                iid += "_"
            taken.add(iid)
            in_ids.append(iid)
        inner: list[Node] = [
            Node(id=iid, type="Input", params={"shape": list(shapes.get(src, [1]))})
            for iid, src in zip(in_ids, in_ports[g], strict=True)
        ]
        frozen = all(not nodes[m].trainable for m in ms)
        inner += [nodes[m].model_copy(update={"id": local[m], **({"trainable": True} if frozen else {})})
                  for m in ms]
        inner_edges = []
        for e in graph.edges:
            if inside.get(e.target) != g:
                continue
            if inside.get(e.source) == g:
                inner_edges.append(e.model_copy(update={"source": local[e.source], "target": local[e.target]}))
            else:
                k = in_ports[g].index((e.source, e.source_port))
                inner_edges.append(Edge(source=in_ids[k], target=local[e.target], target_port=e.target_port))
        blocks[inst_of[g]] = BlockDef(nodes=_unplaced(inner), edges=inner_edges,
                                      outputs=[local[o] for o in out_ports[g]])
        top_nodes.append(Node(id=inst_of[g], type=BLOCK, block=inst_of[g], name=g, trainable=not frozen))
    top_edges: list[Edge] = []
    wired: set[tuple[str, int, str, int]] = set()
    for e in graph.edges:
        gs, gt = inside.get(e.source), inside.get(e.target)
        if gt is not None and gs == gt:
            continue
        s, sp = source(e.source, e.source_port)
        if gt is None:
            t, tp = e.target, e.target_port
        else:
            t, tp = inst_of[gt], in_ports[gt].index((e.source, e.source_port))
        if (s, sp, t, tp) not in wired:
            wired.add((s, sp, t, tp))
            top_edges.append(Edge(source=s, source_port=sp, target=t, target_port=tp))
    new_outputs = None
    if outputs is not None:
        new_outputs = []
        for o in outputs:
            g = inside.get(o)
            if g is None:
                new_outputs.append(o)
            else:  # the instance when this is its only port, else the inner node's own id
                iid = inst_of[g]
                new_outputs.append(iid if out_ports[g] == [o] else f"{iid}{SEP}{local[o]}")
        new_outputs = list(dict.fromkeys(new_outputs))
    ids = {nid: (f"{inst_of[inside[nid]]}{SEP}{local[nid]}" if nid in inside else nid) for nid in nodes}
    grouped = graph.model_copy(update={"nodes": _unplaced(top_nodes), "edges": top_edges,
                                       "outputs": new_outputs, "blocks": blocks})
    return Grouped(grouped, ids)


def _local_ids(members: Mapping[str, list[str]], inner_ids: Mapping[str, str]) -> dict[str, str]:
    """Each grouped node's id inside its block: `inner_ids`' where a block's ids stay unique."""
    out: dict[str, str] = {}
    for ms in members.values():
        wanted = [inner_ids.get(m, m) for m in ms]
        ok = len(set(wanted)) == len(wanted) and all(SEP not in w for w in wanted)
        out.update(zip(ms, wanted if ok else ms, strict=True))
    return out


def regroup_state(state: Mapping[str, torch.Tensor], old_paths: Mapping[str, str],
                  new_paths: Mapping[str, str], ids: Mapping[str, str]) -> dict[str, torch.Tensor]:
    """A flat module's state_dict keyed for the grouped module. `old_paths`/`new_paths`: the two
    compiled modules' `node_ids` (submodule path → node id); `ids`: Grouped.ids."""
    path_of_new = {nid: path for path, nid in new_paths.items()}
    out: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        head, rest = key, ""
        while head and head not in old_paths:  # the longest prefix that is a layer's path
            head, _, tail = head.rpartition(".")
            rest = f"{tail}.{rest}" if rest else tail
        if not head:
            raise KeyError(f"state_dict key {key!r} belongs to no node")
        out[f"{path_of_new[ids[old_paths[head]]]}.{rest}"] = value
    return out


def _order(graph: Graph) -> list[str]:
    return kahn_order((n.id for n in graph.nodes), ((e.source, e.target) for e in graph.edges))


def _topo(graph: Graph) -> list[str] | None:
    order = _order(graph)
    return order if len(order) == len(graph.nodes) else None


def _cyclic_groups(graph: Graph, inside: Mapping[str, str]) -> set[str]:
    """Groups on a cycle of the graph where each group is one node."""
    unit = {n.id: inside.get(n.id, n.id) for n in graph.nodes}
    contracted = Graph(nodes=[Node(id=u, type="x") for u in dict.fromkeys(unit.values())],
                       edges=[Edge(source=unit[e.source], target=unit[e.target]) for e in graph.edges
                              if e.source in unit and e.target in unit and unit[e.source] != unit[e.target]])
    left = {n.id for n in contracted.nodes} - set(_order(contracted))
    # nodes after a cycle are left too: peel those that feed nothing left, the rest is on cycles
    outs: dict[str, set[str]] = {u: set() for u in left}
    for e in contracted.edges:
        if e.source in left and e.target in left:
            outs[e.source].add(e.target)
    peeled = True
    while peeled:
        peeled = False
        for u in [u for u in left if not outs[u] & left]:
            left.discard(u)
            peeled = True
    return {g for g in set(inside.values()) if g in left}


def _shapes(graph: Graph) -> dict[tuple[str, int], list[Any]]:
    """Each output's shape, for the Input nodes of the new blocks (shown inside; not used to run)."""
    analysis = analyze(graph)
    out: dict[tuple[str, int], list[Any]] = {}
    for nid, info in analysis.nodes.items():
        for k, s in enumerate(info.output_shapes or ()):
            out[(nid, k)] = list(s)
    return out


def _unplaced(nodes: list[Node]) -> list[Node]:
    """Without positions: the canvas lays a graph out itself, wrapping long chains into rows."""
    return [n.model_copy(update={"position": None}) if n.position is not None else n for n in nodes]
