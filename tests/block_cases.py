"""Graphs with blocks, shared by the graph and export tests (this folder is on sys.path)."""

from __future__ import annotations

from netcanvas.graph.schema import Graph


def inception_def(filters: int = 4) -> dict:
    """The Inception module: four towers on one input, their channels joined."""
    return {
        "nodes": [
            {"id": "x", "type": "Input", "params": {"shape": [1, 1, 1]}},
            {"id": "branch1x1", "type": "Conv2D", "params": {"filters": filters, "kernel_size": 1, "activation": "relu"}},
            {"id": "reduce3x3", "type": "Conv2D", "params": {"filters": 2, "kernel_size": 1, "activation": "relu"}},
            {"id": "branch3x3", "type": "Conv2D",
             "params": {"filters": filters, "kernel_size": 3, "padding": "same", "activation": "relu"}},
            {"id": "pool", "type": "MaxPooling2D", "params": {"pool_size": 3, "strides": 1, "padding": "same"}},
            {"id": "pool_proj", "type": "Conv2D", "params": {"filters": 2, "kernel_size": 1}},
            {"id": "bn", "type": "BatchNormalization", "params": {}},
            {"id": "cat", "type": "Concatenate", "params": {}},
        ],
        "edges": [
            {"source": "x", "target": "branch1x1"}, {"source": "x", "target": "reduce3x3"},
            {"source": "reduce3x3", "target": "branch3x3"}, {"source": "x", "target": "pool"},
            {"source": "pool", "target": "pool_proj"}, {"source": "pool_proj", "target": "bn"},
            {"source": "branch1x1", "target": "cat", "target_port": 0},
            {"source": "branch3x3", "target": "cat", "target_port": 1},
            {"source": "bn", "target": "cat", "target_port": 2},
        ],
        "outputs": ["cat"],
    }


def inception_graph(*, second: dict | None = None, blocks: dict | None = None, classes: int = 3) -> Graph:
    """in → mixed0 → mixed1 (a linked copy) → pool → Dense."""
    return Graph.model_validate({
        "name": "inception-net",
        "nodes": [
            {"id": "in", "type": "Input", "params": {"shape": [3, 8, 8]}},
            {"id": "mixed0", "type": "Block", "block": "inception"},
            {"id": "mixed1", "type": "Block", "block": "inception", **(second or {})},
            {"id": "gap", "type": "GlobalAveragePooling2D", "params": {}},
            {"id": "out", "type": "Dense", "params": {"units": classes, "activation": "softmax"}},
        ],
        "edges": [{"source": "in", "target": "mixed0"}, {"source": "mixed0", "target": "mixed1"},
                  {"source": "mixed1", "target": "gap"}, {"source": "gap", "target": "out"}],
        "blocks": blocks if blocks is not None else {"inception": inception_def()},
    })
