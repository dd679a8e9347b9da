"""Validation speed on a big graph: POST /api/graphs/validate for a 1000-node graph.

The graph is a residual CNN (Conv2D → BatchNormalization → Activation → Conv2D →
BatchNormalization → Add → Activation blocks, then pooling and a Dense head), the kind of graph
that grows large on the canvas. Each round posts it to the real app (FastAPI's TestClient, the
app's lifespan run) and times request → answer in one thread.

Side by side, in alternating blocks of 5 rounds: netcanvas as it is, and the baseline as validation was
before: each node's parameters counted by building its module on the meta device, and the
cyclic garbage collector walking every long-lived object (the app now freezes them at start).
Prints p50/p95 of each and their ratio. (Blocks, not single alternating rounds: right after a
baseline round, the heap it churned made the next netcanvas round ~1.5× slower than netcanvas
alone, which is not what a server sees.)

    .venv/bin/python bench/validate_speed.py               # 1000 nodes, 30 rounds
    .venv/bin/python bench/validate_speed.py --nodes 2000 --rounds 50

Target: p95 under 50 ms for 1000 nodes on the project's 2-core machines.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
from fastapi.testclient import TestClient

from netcanvas.api.main import create_app
from netcanvas.config import Settings
from netcanvas.layers import REGISTRY, Layer, ParamCount, module_counts

BLOCK = 5  # rounds per side before switching: see the module docstring


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
def baseline() -> Iterator[None]:
    """Every kind counts by building its module on the meta device; nothing frozen for the GC."""
    saved = {k: cls.__dict__.get("param_count") for k, cls in REGISTRY.items()}
    for cls in REGISTRY.values():
        cls.param_count = meta_count  # type: ignore[method-assign]
    gc.unfreeze()
    try:
        yield
    finally:
        # back to the server's steady state (its garbage collected, the rest frozen), outside the
        # timings: otherwise the baseline's garbage is collected inside the next netcanvas round
        gc.collect()
        gc.freeze()
        for k, cls in REGISTRY.items():
            if saved[k] is None:
                del cls.param_count
            else:
                cls.param_count = saved[k]  # type: ignore[method-assign,assignment]


def once(client: TestClient, body: bytes) -> float:
    t = time.perf_counter()
    r = client.post("/api/graphs/validate", content=body, headers={"content-type": "application/json"})
    dt = time.perf_counter() - t  # the client parsing the answer is not the server's time
    assert r.status_code == 200 and r.json()["ok"], r.text[:300]
    return dt


def pct(xs: list[float], q: float) -> float:
    return statistics.quantiles(xs, n=100, method="inclusive")[int(q) - 1] if len(xs) > 1 else xs[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=30)
    args = ap.parse_args()
    torch.set_num_threads(1)
    graph = residual_graph(args.nodes)
    body = json.dumps(graph).encode()
    with tempfile.TemporaryDirectory() as d, TestClient(create_app(Settings(data_dir=d, auth="none"))) as client:  # in-process: no sign-in
        from netcanvas.layers import base as layer_base

        def base() -> float:
            with baseline():
                return once(client, body)

        sides: dict[str, Callable[[], float]] = {"netcanvas": lambda: once(client, body), "baseline": base}
        base()  # first-call costs, outside the timings
        layer_base._COUNTS.clear()
        cold = once(client, body)  # the first validation of this graph: nothing memoised yet
        runs: dict[str, list[float]] = {"netcanvas": [], "baseline": []}
        for start in range(0, args.rounds, BLOCK):  # alternating blocks share the machine's noise
            for name, side in sides.items():
                runs[name] += [side() for _ in range(min(BLOCK, args.rounds - start))]
    print(f"POST /api/graphs/validate, {len(graph['nodes'])} nodes, {args.rounds} rounds each (ms)")
    for name, xs in runs.items():
        print(f"  {name:9s}  p50 {pct(xs, 50) * 1e3:7.1f}   p95 {pct(xs, 95) * 1e3:7.1f}")
    print(f"  netcanvas, first validation of the graph (no memoised counts): {cold * 1e3:.1f}")
    ours = pct(runs["netcanvas"], 95)
    print(f"  speed-up at p95: {pct(runs['baseline'], 95) / ours:.2f}x   target: netcanvas p95 < 50 ms -> "
          f"{'met' if ours < 0.050 else 'NOT met'}")


if __name__ == "__main__":
    main()
