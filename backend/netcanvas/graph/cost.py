"""Multiply-adds (MACs) per node, for one sample, from the inferred shapes (no module is built).

Each layer kind says its own cost (Layer.macs, in its file); this module only asks the analysed
nodes. Counted as keras-flops and torch's FlopCounterMode count them: the matmuls and convolutions
(flops = 2·MACs); elementwise and shape-only layers cost 0; a variable (None) length counts as 1,
so there the figure is per step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .analyze import NodeInfo


def node_macs(info: NodeInfo) -> int | None:
    """The node's MACs for one sample; None where its shapes are unknown (a problem upstream)."""
    if info.layer is None or info.input_shapes is None or info.output_shapes is None:
        return None
    return info.layer.macs(info.input_shapes, info.output_shapes)
