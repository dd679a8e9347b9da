"""An imported Keras model, readable on the canvas: each Keras model nested as a layer becomes a
block, and a big flat model is grouped by Keras's layer naming (graph/grouping.py). The layers and
weights stay the same (predictions unchanged); node ids gain their block's prefix
("vgg16/block1_conv1"), and the state_dict follows them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..graph.blocks import BLOCK, SEP
from ..graph.compile import submodule_paths
from ..graph.grouping import GROUP_MIN_NODES, Grouped, group_by_keras_names, group_into_blocks, regroup_state
from ..graph.schema import BlockDef, Graph

if TYPE_CHECKING:
    from .keras_import import Imported


def _paths(graph: Graph) -> dict[str, str]:
    """Submodule path → node id (compile_graph's node_ids), without allocating weights."""
    return {path: nid for nid, path in submodule_paths(graph).items()}


def group_imported(imported: Imported, nested: Mapping[str, str], inner_ids: Mapping[str, str]) -> Imported:
    """`nested`: node id → the nested Keras model it came from (the outermost one); `inner_ids`:
    node id → its own name in that model. Returns `imported` with the grouped graph and its
    state_dict re-keyed (unchanged when nothing groups)."""
    graph = imported.graph
    grouped: Grouped = (_group_bodies(group_into_blocks(graph, nested, inner_ids, min_size=1)) if nested
                        else group_by_keras_names(graph))
    if grouped.graph is graph:
        return imported
    state = regroup_state(imported.state_dict, _paths(graph), _paths(grouped.graph), grouped.ids)
    imported.graph, imported.state_dict = grouped.graph, state
    return imported


def _group_bodies(grouped: Grouped) -> Grouped:
    """A big nested model (a VGG16 base inside a Sequential) grouped inside its block too, by
    Keras's naming: "vgg16/block5/block5_conv1", so "unfreeze the last block" is one node. The inner
    definitions are named "<block>_<group>" (unique in the graph)."""
    graph = grouped.graph
    blocks = dict(graph.blocks)
    ids = dict(grouped.ids)
    users = {n.block: n.id for n in graph.nodes if n.type == BLOCK and n.block}
    for name, body in graph.blocks.items():
        inst = users.get(name)
        if inst is None or len(body.nodes) < GROUP_MIN_NODES:
            continue
        sub = Graph.model_construct(name=name, nodes=body.nodes, edges=body.edges, outputs=body.outputs, blocks={})
        inner = group_by_keras_names(sub)
        outs = inner.graph.outputs or []
        if inner.graph is sub or any(SEP in o for o in outs):  # an output deep inside: keep the body flat
            continue
        rename = {d: f"{name}_{d}" for d in inner.graph.blocks}
        if any(r in blocks for r in rename.values()):
            continue
        for d, b in inner.graph.blocks.items():
            blocks[rename[d]] = b
        nodes = [n.model_copy(update={"block": rename[n.block]}) if n.type == BLOCK and n.block in rename else n
                 for n in inner.graph.nodes]
        blocks[name] = BlockDef(nodes=nodes, edges=inner.graph.edges, outputs=outs)
        prefix = f"{inst}{SEP}"
        ids = {old: (prefix + inner.ids[new[len(prefix):]] if new.startswith(prefix) and new[len(prefix):] in inner.ids
                     else new) for old, new in ids.items()}
    if blocks == graph.blocks:
        return grouped
    return Grouped(graph.model_copy(update={"blocks": blocks}), ids)
