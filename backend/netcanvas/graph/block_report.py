"""What validation says about each Block instance (graph/blocks.py): the canvas draws a block as one
node, so it gets an entry like a layer's — the shapes of its output ports, the parameters inside it,
and the problems inside it (each still naming the inner node, "mixed0/branch1x1", so the canvas can
badge the block and, once it is opened, the node)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .blocks import SEP
from .schema import Problem

if TYPE_CHECKING:
    from .analyze import Analysis


def add_inline_problems(analysis: Analysis, problems: list[Problem]) -> None:
    """The inliner's problems, first (they are about the structure), on their nodes too."""
    for p in problems:
        if p.node in analysis.nodes:
            analysis.nodes[p.node].problems.insert(0, p)
    analysis.problems[:0] = problems


def block_entries(analysis: Analysis) -> dict[str, dict[str, Any]]:
    """The validate report's entry per Block instance, by its flat id (outer before inner)."""
    if not analysis.blocks:
        return {}
    inside: dict[str, list[Problem]] = {bid: [] for bid in analysis.blocks}
    for p in analysis.problems:
        nid = p.node
        while nid:  # a problem belongs to every block around its node
            if nid in inside:
                inside[nid].append(p)
            nid = nid.rpartition(SEP)[0]
    out: dict[str, dict[str, Any]] = {}
    for bid, inst in analysis.blocks.items():
        shapes: list[list[int | None]] | None = []
        for src, port in inst.outputs:
            got = analysis.nodes[src].output_shapes if src in analysis.nodes else None
            if got is None or port >= len(got) or shapes is None:
                shapes = None
                continue
            shapes.append(list(got[port]))
        total = trainable = 0
        frozen = True
        for m in inst.members:
            info = analysis.nodes.get(m)
            if info is None:
                continue
            frozen = frozen and not info.trainable
            if info.counts is not None:
                total += info.counts.total
                trainable += info.counts.trainable
        out[bid] = {
            "output_shapes": shapes,
            "params": total,
            "trainable_params": trainable,
            "trainable": not (frozen and inst.members),
            "problems": [p.model_dump() for p in inside[bid]],
            "block": inst.block,
        }
    return out
