"""A kind's own `examples` as runnable graphs: Input(s) → the node, weights and inputs seeded."""

from __future__ import annotations

import numpy as np
import torch

from netcanvas.graph.schema import Graph
from netcanvas.layers import REGISTRY


def example_graph(kind: str, params: dict, shapes: list) -> Graph:
    token = REGISTRY[kind].token_inputs
    nodes = [{"id": f"x{i}", "type": "Input", "params": {"shape": list(s), "dtype": "int64" if token else "float32"}}
             for i, s in enumerate(shapes)]
    nodes.append({"id": "layer", "type": kind, "params": params})
    edges = [{"source": f"x{i}", "target": "layer", "target_port": i} for i in range(len(shapes))]
    return Graph.model_validate({"name": f"{kind}_example", "nodes": nodes, "edges": edges, "outputs": ["layer"]})


def randomize(module: torch.nn.Module, seed: int) -> None:
    """Non-trivial weights and statistics, so a wrong layout or gate order shows."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in module.state_dict(keep_vars=True).items():
            if not t.is_floating_point():
                continue
            if name.endswith("count"):  # a sample count: Keras stores it as an integer
                t.fill_(7.0)
            elif name.endswith(("var", "variance")):
                t.copy_(torch.rand(t.shape, generator=g) + 0.5)
            else:
                t.copy_(torch.randn(t.shape, generator=g) * 0.4)


def inputs_for(kind: str, params: dict, shapes: list, seed: int) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    concrete = [tuple(5 if d is None else d for d in s) for s in shapes]
    if REGISTRY[kind].token_inputs:
        high = int(params.get("input_dim", 10))
        return [torch.randint(0, high, (3, *s), generator=g) for s in concrete]
    return [torch.randn(3, *s, generator=g) for s in concrete]


def channels_last(x: np.ndarray) -> np.ndarray:
    return np.moveaxis(x, 1, -1) if x.ndim == 4 else x


def channels_first(x: np.ndarray) -> np.ndarray:
    return np.moveaxis(x, -1, 1) if x.ndim == 4 else x


def first(out):
    return out[0] if isinstance(out, (tuple, list)) else out
