"""Validation speed on a big graph: POST /api/graphs/validate's work for a 1000-node graph.

The graph is a residual CNN (Conv2D → BatchNormalization → Activation → Conv2D →
BatchNormalization → Add → Activation blocks, then pooling and a Dense head), the kind of graph
that grows large on the canvas. Each round times the whole request body → answer path
(`Graph.model_validate` → `analyze` → `ValidationReport`), as the route runs it, in one thread.

Side by side, in alternating rounds: netcanvas as it is, and the baseline that counts each node's
parameters by building its module on the meta device (what validation did before counts came
from the shape rules). Prints p50/p95 of each and their ratio.

    .venv/bin/python bench/validate_speed.py               # 1000 nodes, 30 rounds
    .venv/bin/python bench/validate_speed.py --nodes 2000 --rounds 50

Target: p95 under 50 ms for 1000 nodes on the project's 2-core machines.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import torch

from netcanvas.api.analysis import validate_graph
from netcanvas.graph.schema import Graph
from netcanvas.layers import REGISTRY, Layer, ParamCount, module_counts


def residual_graph(nodes: int) -> dict[str, Any]:
    ns: list[dict[str, Any]] = [{"id": "in", "type": "Input", "params": {"shape": [16, 32, 32]}}]
    es: list[dict[str, Any]] = []

    def add(kind: str, params: dict[str, Any], *sources: str) -> str:
        nid = f"n{len(ns)}"
        ns.append({"id": nid, "type": kind, "params": params, "position": {"x": 0, "y": 0}})
        es.extend({"source": s, "target": nid, "target_port": i} for i, s in enumerate(sources))
        return nid

    x = "in"
    while len(ns) + 7 + 3 <= nodes:
        y = add("Conv2D", {"filters": 16, "kernel_size": 3, "padding": "same"}, x)
        y = add("BatchNormalization", {}, y)
        y = add("Activation", {"activation": "relu"}, y)
        y = add("Conv2D", {"filters": 16, "kernel_size": 3, "padding": "same"}, y)
        y = add("BatchNormalization", {}, y)
        y = add("Add", {}, x, y)
        x = add("Activation", {"activation": "relu"}, y)
    while len(ns) + 3 < nodes:
        x = add("Dropout", {"rate": 0.1}, x)
    x = add("GlobalAveragePooling2D", {}, x)
    x = add("Dense", {"units": 64, "activation": "relu"}, x)
    add("Dense", {"units": 10, "activation": "softmax"}, x)
    return {"format": "netcanvas.graph/1", "name": "big", "nodes": ns, "edges": es}


def meta_count(self: Layer, inputs: list) -> ParamCount:
    with torch.device("meta"):
        return module_counts(self.build(inputs))


@contextmanager
def baseline():
    """Every kind counts by building its module on the meta device."""
    saved = {k: cls.__dict__.get("param_count") for k, cls in REGISTRY.items()}
    for cls in REGISTRY.values():
        cls.param_count = meta_count  # type: ignore[method-assign]
    try:
        yield
    finally:
        for k, cls in REGISTRY.items():
            if saved[k] is None:
                del cls.param_count
            else:
                cls.param_count = saved[k]  # type: ignore[method-assign]


def once(body: dict[str, Any]) -> float:
    t = time.perf_counter()
    report = validate_graph(Graph.model_validate(body))
    dt = time.perf_counter() - t
    assert report.ok, report.problems[:3]
    return dt


def pct(xs: list[float], q: float) -> float:
    return statistics.quantiles(xs, n=100, method="inclusive")[int(q) - 1] if len(xs) > 1 else xs[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=30)
    args = ap.parse_args()
    torch.set_num_threads(1)
    body = residual_graph(args.nodes)
    runs: dict[str, list[float]] = {"netcanvas": [], "baseline": []}
    sides: dict[str, Callable[[], float]] = {"netcanvas": lambda: once(body)}

    def base() -> float:
        with baseline():
            return once(body)

    sides["baseline"] = base
    from netcanvas.layers import base as layer_base

    base()  # imports and first-call costs, outside the timings
    layer_base._COUNTS.clear()
    cold = once(body)  # the first validation of this graph: nothing memoised yet
    for _ in range(args.rounds):
        for name, side in sides.items():
            runs[name].append(side())
    n = len(body["nodes"])
    print(f"validate, {n} nodes, {args.rounds} rounds each (ms)")
    for name, xs in runs.items():
        print(f"  {name:9s}  p50 {pct(xs, 50) * 1e3:7.1f}   p95 {pct(xs, 95) * 1e3:7.1f}")
    print(f"  netcanvas, first validation of the graph (no memoised counts): {cold * 1e3:.1f}")
    ratio = pct(runs["baseline"], 95) / pct(runs["netcanvas"], 95)
    print(f"  speed-up at p95: {ratio:.2f}x   target: netcanvas p95 < 50 ms -> "
          f"{'met' if pct(runs['netcanvas'], 95) < 0.050 else 'NOT met'}")


if __name__ == "__main__":
    main()
